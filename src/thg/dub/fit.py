"""Which frame of the original shows at each output frame, when speech and clip differ in length.

``schedule(n_video, n_speech, fit)`` returns the output length and the order of source frames as
a few :class:`Run` s (so an hour-long clip is a handful of numbers, not a list per frame):

========== ======================= ================================================================
fit        output length           source frames
========== ======================= ================================================================
pingpong   the speech's            forward, then backward, then forward ... (the default: no jump)
loop       the speech's            forward, then again from the first frame (a jump at each seam)
trim       the shorter of the two  forward; the longer of clip and speech is cut
pad        the longer of the two   forward, then the last frame held; the mouth rests after speech
========== ======================= ================================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from thg.errors import UsageError

FITS = ("pingpong", "loop", "trim", "pad")
DEFAULT_FIT = "pingpong"


@dataclass(frozen=True)
class Run:
    """``count`` source frames from ``start`` in steps of ``step`` (1 forward, -1 backward, 0 held)."""

    start: int
    count: int
    step: int

    def indices(self) -> Iterator[int]:
        return (self.start + k * self.step for k in range(self.count))


def check_fit(fit: str) -> str:
    if fit not in FITS:
        raise UsageError(f"--fit {fit!r} is not known; choose one of {', '.join(FITS)} (default {DEFAULT_FIT})")
    return fit


def output_length(n_video: int, n_speech: int, fit: str) -> int:
    check_fit(fit)
    if fit == "trim":
        return min(n_video, n_speech)
    if fit == "pad":
        return max(n_video, n_speech)
    return n_speech


def schedule(n_video: int, n_speech: int, fit: str = DEFAULT_FIT) -> tuple[int, list[Run]]:
    """(output frames, runs of source frames covering them) for a clip of ``n_video`` frames."""
    if n_video < 1:
        raise ValueError("a clip has at least one frame")
    n_out = output_length(n_video, n_speech, fit)
    if n_video == 1:
        return n_out, [Run(0, n_out, 0)]
    runs: list[Run] = []
    left = n_out
    if fit == "pad":
        runs.append(Run(0, min(left, n_video), 1))
        if left > n_video:
            runs.append(Run(n_video - 1, left - n_video, 0))
        return n_out, runs
    forward = True
    while left > 0:
        if fit == "pingpong" and runs:
            # turn at the ends without showing the end frame twice
            start, length = (1, n_video - 1) if forward else (n_video - 2, n_video - 1)
        else:
            start, length = 0, n_video
        runs.append(Run(start, min(length, left), 1 if forward else -1))
        left -= runs[-1].count
        forward = not forward if fit == "pingpong" else True
    return n_out, runs
