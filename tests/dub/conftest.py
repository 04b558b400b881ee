"""The frames of the real clip to dub (the ``carphone`` fixture of tests/conftest.py) and espeak-ng
speech with a known pause."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

SPEECH_TEXT = "Hello world. [[_:]] [[_:]] [[_:]] Bob opens a map."


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
