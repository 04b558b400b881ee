"""Caps on the work one run may start, so that a careless input cannot start an hour-long job or
take all memory. Each is a command-line option that raises it (``--max-megapixels``,
``--max-seconds``); the errors name the option."""

from __future__ import annotations

import math
from dataclasses import dataclass

from thg.errors import InputError, UsageError

#: H.264's largest level (6.2, ITU-T H.264 Table A-1): frame size and throughput in 16×16 macroblocks
H264_MAX_FRAME_MB = 139264
H264_MAX_MB_PER_SECOND = 16711680
H264_MAX_SIDE_MB = int(math.sqrt(8 * H264_MAX_FRAME_MB))   # 1055: the level's longest side


@dataclass(frozen=True)
class Limits:
    megapixels: float = 50.0      # a photo's pixel count, checked before it is decoded
    seconds: float = 600.0        # speech, text, motion file and driving video duration

    #: characters of text allowed per second of the cap (espeak-ng speaks about 14 a second)
    TEXT_CHARS_PER_SECOND = 25

    @property
    def text_chars(self) -> int:
        return int(self.seconds * self.TEXT_CHARS_PER_SECOND)

    def check_pixels(self, width: int, height: int, name: str) -> None:
        mp = width * height / 1e6
        if mp > self.megapixels:
            raise InputError(f"{name}: image is {width}×{height} ({mp:.0f} megapixels), over the "
                             f"{self.megapixels:g} MP limit; downscale it or raise --max-megapixels")

    def check_seconds(self, seconds: float, name: str, what: str) -> None:
        if seconds > self.seconds:
            raise InputError(f"{name}: {what} is {seconds:.0f} s long, over the {self.seconds:g} s limit; "
                             f"split it or raise --max-seconds")

    def check_text(self, text: str) -> None:
        if len(text) > self.text_chars:
            raise UsageError(f"--text has {len(text)} characters, more than --max-seconds {self.seconds:g} allows "
                             f"({self.text_chars}); split the text or raise --max-seconds")


def _macroblocks(width: int, height: int) -> int:
    return -(-width // 16) * -(-height // 16)


def check_h264_frame(width: int, height: int, fps: float, name: str = "output") -> None:
    """Refuse a frame size (or size and rate) beyond H.264's largest level, which players and
    hardware decoders do not play; the error gives the largest ``--size`` that fits."""
    mb = _macroblocks(width, height)
    if mb <= H264_MAX_FRAME_MB and mb * fps <= H264_MAX_MB_PER_SECOND and max(width, height) <= 16 * H264_MAX_SIDE_MB:
        return
    budget = min(H264_MAX_FRAME_MB, H264_MAX_MB_PER_SECOND / fps)
    scale = min(math.sqrt(budget * 256 / (width * height)), 16 * H264_MAX_SIDE_MB / max(width, height))
    fit = int(max(width, height) * scale) // 16 * 16
    while fit > 16 and _macroblocks(int(width * fit / max(width, height)), int(height * fit / max(width, height))) > budget:
        fit -= 16
    raise InputError(f"{name}: a {width}×{height} video at {fps:g} fps is beyond H.264's largest level (6.2); "
                     f"use --size {fit} or less")
