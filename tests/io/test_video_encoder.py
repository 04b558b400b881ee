"""thg.io.video: the streaming encoder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _encoders() -> list[int]:
    """Live ffmpeg processes started by this one."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(") ", 1)
        except (OSError, ValueError, IndexError):
            continue
        fields = rest.split()
        if int(fields[1]) == os.getpid() and "ffmpeg" in name and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_a_stop_while_the_encoder_starts_leaves_no_encoder(tmp_path, monkeypatch):
    """A stop signal (raised as an exception) landing between the encoder's start and the caller's
    ``with`` must end the encoder: left running, it writes the file at the end of its input, after
    the caller has removed it (a part file left behind by a stopped run)."""
    from thg.io import video

    def stopped(*_):
        raise KeyboardInterrupt

    before = _encoders()
    monkeypatch.setattr(video, "_widen_pipe", stopped)
    with pytest.raises(KeyboardInterrupt):
        video.VideoWriter(tmp_path / "o.mp4", 64, 64)
    assert [pid for pid in _encoders() if pid not in before] == []


@pytest.mark.parametrize("size", [(1280, 1000), (66, 102)])   # 102 / 2 = 51: chroma planes of odd height
def test_frames_go_to_the_encoder_as_ffmpeg_would_convert_them(portrait, size):
    """The writer hands H.264 its 4:2:0 planes (a quarter of the encoder's work at 1280 px): they are
    ffmpeg's own conversion of the RGB frame to within a code of luma and a few of chroma (its
    chroma filter is not quite a 2×2 mean: 0.15-0.3 codes apart on average, 4 at most on the
    astronaut's sharpest colour edges)."""
    import subprocess

    import cv2
    import numpy as np

    from thg.io.video import ffmpeg_exe, rgb_to_i420

    w, h = size
    frame = cv2.resize(portrait, (w, h), interpolation=cv2.INTER_AREA)
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
           "-i", "-", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    ffmpeg = np.frombuffer(subprocess.run(cmd, input=frame.tobytes(), capture_output=True, check=True).stdout, np.uint8)
    ours = rgb_to_i420(frame).reshape(-1)
    assert ours.shape == ffmpeg.shape
    diff = np.abs(ours.astype(int) - ffmpeg)
    assert diff[: w * h].max() <= 1 and diff[w * h:].max() <= 4 and diff[w * h:].mean() < 0.35


def test_an_encoded_frame_keeps_the_photos_colour(tmp_path, portrait):
    """Written and read back, a frame is as close to the photo as ffmpeg's own conversion of the
    RGB frame makes it, at the same settings (the astronaut: 33.88 dB against 33.86), without a cast."""
    import subprocess

    import numpy as np
    from skimage.metrics import peak_signal_noise_ratio

    from thg.io.video import VideoWriter, ffmpeg_exe, read_video_frames

    h, w = portrait.shape[:2]
    with VideoWriter(tmp_path / "ours.mp4", w, h) as writer:
        writer.write(portrait)
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-i", "-",
           "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(tmp_path / "ffmpeg.mp4")]
    subprocess.run(cmd, input=portrait.tobytes(), check=True)
    ours, theirs = (next(iter(read_video_frames(tmp_path / n))) for n in ("ours.mp4", "ffmpeg.mp4"))
    assert peak_signal_noise_ratio(portrait, ours) >= peak_signal_noise_ratio(portrait, theirs) - 0.2
    assert np.abs((ours.astype(float) - portrait).mean((0, 1))).max() < 1.5


def test_decoded_planes_are_ffmpegs_rgb_and_go_back_to_the_same_planes(portrait):
    """A dub decodes 4:2:0 planes and makes them RGB itself: within 3 codes of ffmpeg's own
    conversion (it interpolates chroma, 1 code apart on average), and written again the frame gives
    back its planes (0.01 codes apart on average; through ffmpeg's RGB 0.66)."""
    import subprocess

    import cv2
    import numpy as np

    from thg.io.video import ffmpeg_exe, i420_to_rgb, rgb_to_i420

    frame = cv2.resize(portrait, (512, 418), interpolation=cv2.INTER_AREA)
    planes = rgb_to_i420(frame)
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "512x418",
           "-i", "-", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    ffmpeg = np.frombuffer(subprocess.run(cmd, input=planes.tobytes(), capture_output=True, check=True).stdout,
                           np.uint8).reshape(418, 512, 3)
    ours = i420_to_rgb(planes.tobytes(), 512, 418)
    apart = np.abs(ours.astype(int) - ffmpeg)
    assert apart.max() <= 3 and apart.mean() < 1.5
    again = np.abs(rgb_to_i420(ours).astype(int) - planes)
    assert again.mean() < 0.05
