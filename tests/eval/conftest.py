"""Real test clips for the evaluation metrics: the astronaut's face as short 256 px videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _clips import FRAMES, face_crop, write_video


@pytest.fixture(scope="session")
def clip_frames(portrait) -> list[np.ndarray]:
    """A gently moving head: FRAMES frames of 256 px."""
    return [face_crop(portrait, dx=2 * np.sin(i / 3), dy=np.cos(i / 4), angle=1.5 * np.sin(i / 5))
            for i in range(FRAMES)]


@pytest.fixture(scope="session")
def ref_video(tmp_path_factory, clip_frames) -> Path:
    return write_video(tmp_path_factory.mktemp("clips") / "ref.mp4", clip_frames)


@pytest.fixture(scope="session")
def noisy_video(tmp_path_factory, clip_frames) -> Path:
    rng = np.random.default_rng(0)
    frames = [np.clip(f + rng.normal(0, 12, f.shape), 0, 255).astype(np.uint8) for f in clip_frames]
    return write_video(tmp_path_factory.mktemp("clips") / "noisy.mp4", frames)
