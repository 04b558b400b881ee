"""Loud video decoding for evaluation: a damaged or truncated file never turns into a silently shorter score.

ffmpeg decodes whatever it can of a cut file and exits 0; the container still declares the full
duration. :class:`Decoder` streams the frames, keeps ffmpeg's exit status and error lines, and
compares the frames decoded with the container's claim (duration × frame rate, at the rate decoded):

- ffmpeg failed, or reported errors *and* fewer frames came than declared (more than
  :data:`SHORT_TOLERANCE` frames short): the video is damaged — :meth:`Decoder.check` raises an
  ``InputError`` naming the file, the counts and ffmpeg's first error line;
- ffmpeg reported errors but every declared frame came: a note (the score stands, the note says why);
- fewer frames without any error (the declared duration is the longest stream's, e.g. a longer
  audio track): a note with both counts.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from thg.errors import InputError

#: frames a video may fall short of its declared count without comment (container rounding)
SHORT_TOLERANCE = 2


@dataclass
class Decoder:
    """Frames of one video (``fps`` resamples, ``size`` = (width, height) rescales), with a record of
    how the decoding went. Iterate once, then call :meth:`check`."""

    path: str
    fps: float | None = None
    size: tuple[int, int] | None = None
    frames: int = 0
    expected: int = 0
    returncode: int | None = None
    errors: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[np.ndarray]:
        from thg.io import probe_video
        from thg.io.video import ffmpeg_exe

        info = probe_video(self.path)
        width, height = self.size or (info.width, info.height)
        self.expected = int(round(info.duration * (self.fps or info.fps)))
        filters = ([f"fps={self.fps}"] if self.fps else []) + ([f"scale={width}:{height}"] if self.size else [])
        cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(self.path)]
        cmd += (["-vf", ",".join(filters)] if filters else []) + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
        frame_bytes = width * height * 3
        with tempfile.TemporaryFile() as log:      # a file, not a pipe: ffmpeg never blocks on its stderr
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
            finished = False
            try:
                assert proc.stdout is not None
                while len(buf := proc.stdout.read(frame_bytes)) == frame_bytes:
                    self.frames += 1
                    yield np.frombuffer(buf, dtype=np.uint8).reshape(height, width, 3)
                finished = True
            finally:
                if not finished:            # the consumer stopped early: nothing to judge
                    proc.kill()
                self.returncode = proc.wait()
                log.seek(0)
                self.errors = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines()
                               if line.strip()]

    @property
    def short(self) -> bool:
        return self.frames < self.expected - SHORT_TOLERANCE

    def check(self, what: str) -> list[str]:
        """Raise for a damaged video; return the notes a usable one needs (``what``: "pred" or "ref")."""
        first = f"; ffmpeg: {self.errors[0]}" if self.errors else ""
        counts = f"decoded {self.frames} of the {self.expected} frames its container declares"
        if self.returncode not in (0, None) or (self.errors and self.short):
            raise InputError(f"{self.path}: damaged or truncated video ({what}): {counts}{first}; "
                             f"re-encode or replace the file")
        notes = []
        if self.errors:
            notes.append(f"{what}: ffmpeg reported errors while decoding but every frame came{first}")
        if self.short:
            notes.append(f"{what}: {counts} (no decoding error; the declared duration may be another "
                         f"stream's); scored on the {self.frames} decoded")
        return notes

    def summary(self) -> dict:
        return {"decoded": self.frames, "declared": self.expected, "ffmpeg_errors": len(self.errors)}


def decode(path: str | os.PathLike, *, fps: float | None = None, size: tuple[int, int] | None = None) -> Decoder:
    return Decoder(str(path), fps=fps, size=size)


__all__ = ["Decoder", "decode", "SHORT_TOLERANCE"]
