"""Shared real test data: the scikit-image astronaut portrait and speech synthesised by espeak-ng."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def portrait() -> np.ndarray:
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def hopper() -> np.ndarray:
    """Grace Hopper's portrait shipped with matplotlib (512×600, face about 200 px, mouth closed)."""
    import cv2
    from matplotlib import cbook

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return np.ascontiguousarray(cv2.imread(str(path))[:, :, ::-1])


@pytest.fixture(scope="session")
def portrait_path(tmp_path_factory, portrait) -> Path:
    import cv2

    path = tmp_path_factory.mktemp("img") / "astronaut.png"
    cv2.imwrite(str(path), portrait[:, :, ::-1])
    return path


@pytest.fixture(scope="session")
def speech_path(tmp_path_factory) -> Path:
    """About 3 s of English speech with a pause in the middle, 22.05 kHz mono WAV from espeak-ng."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed; run scripts/setup.sh")
    path = tmp_path_factory.mktemp("audio") / "speech.wav"
    text = "Hello world. [[_:]] [[_:]] Bob opens a map."
    subprocess.run(["espeak-ng", "-w", str(path), "-s", "150", text], check=True)
    return path
