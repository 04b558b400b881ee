"""The caps on one run: H.264's largest level, photo pixels, text length."""

from __future__ import annotations

import pytest

from thg.errors import InputError, UsageError
from thg.limits import H264_MAX_FRAME_MB, Limits, check_h264_frame


def test_frames_beyond_h264_level_6_2_are_refused_with_a_size_that_fits():
    check_h264_frame(8192, 4320, 120)          # the level's own largest frame at its largest rate
    check_h264_frame(1280, 1280, 25)
    with pytest.raises(InputError, match="8000×8000 video at 25 fps is beyond H.264's largest level") as e:
        check_h264_frame(8000, 8000, 25)
    fit = int(str(e.value).split("--size ")[1].split()[0])
    check_h264_frame(fit, fit, 25)              # the suggestion itself fits ...
    with pytest.raises(InputError):
        check_h264_frame(fit + 32, fit + 32, 25)   # ... and is (about) the largest that does
    assert (fit // 16 + 1) ** 2 > H264_MAX_FRAME_MB
    with pytest.raises(InputError, match="17000×160 video"):
        check_h264_frame(17000, 160, 25)          # few macroblocks, but a side beyond the level's


def test_text_and_pixel_caps_name_their_flags():
    limits = Limits(megapixels=1, seconds=10)
    with pytest.raises(UsageError, match="--text has 300 characters, more than --max-seconds 10 allows .250."):
        limits.check_text("x" * 300)
    limits.check_text("x" * 250)
    with pytest.raises(InputError, match="photo.png: image is 2000×1000 .2 megapixels.*--max-megapixels"):
        limits.check_pixels(2000, 1000, "photo.png")
