"""Bad input through the command line: one clear line, the right exit code, nothing written or lost."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from thg.cli import main


def _run(*args):
    return CliRunner().invoke(main, list(map(str, args)))


def _error_line(result) -> str:
    lines = [l for l in result.output.splitlines() if l.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_no_face(tmp_path, speech_path):
    import cv2

    sky = tmp_path / "sky.png"
    cv2.imwrite(str(sky), np.full((300, 400, 3), 180, np.uint8))
    out = tmp_path / "o.mp4"
    r = _run("generate", "--image", sky, "--audio", speech_path, "-o", out, "-q")
    assert r.exit_code == 1 and "sky.png: no face found" in _error_line(r)
    assert list(tmp_path.iterdir()) == [sky]


def test_usage_errors_exit_2(tmp_path, portrait_path, speech_path):
    out = tmp_path / "o.mp4"
    r = _run("generate", "--image", portrait_path, "--audio", speech_path, "--text", "hi", "-o", out)
    assert r.exit_code == 2 and "not both" in _error_line(r)
    r = _run("generate", "--image", portrait_path, "-o", out)
    assert r.exit_code == 2 and "nothing drives the face" in _error_line(r)
    r = _run("generate", "--image", portrait_path, "--text", "hi", "--fps", "0", "-o", out)
    assert r.exit_code == 2 and "--fps" in _error_line(r)
    assert not out.exists()


def test_existing_output_is_kept(tmp_path, portrait_path):
    out = tmp_path / "o.mp4"
    out.write_bytes(b"precious")
    r = _run("generate", "--image", portrait_path, "--text", "Hello there.", "-o", out, "-q")
    assert r.exit_code == 1 and "--overwrite" in _error_line(r)
    assert out.read_bytes() == b"precious"
    motion = tmp_path / "m.json"
    motion.write_text("mine")
    r = _run("generate", "--image", portrait_path, "--text", "Hello there.", "-o", tmp_path / "new.mp4",
             "--save-motion", motion, "-q")
    assert r.exit_code == 1 and "m.json" in _error_line(r) and motion.read_text() == "mine"
    assert not (tmp_path / "new.mp4").exists()


@pytest.mark.parametrize("case, expect", [
    ("truncated_audio", "cannot decode audio"),
    ("empty_text", "--text is empty"),
    ("bad_lang", "--lang 'xx-nope'"),
    ("missing_image", "image not found"),
    ("corrupt_image", "cannot read this image"),
])
def test_bad_inputs_leave_nothing(tmp_path, portrait_path, speech_path, case, expect):
    out = tmp_path / "o.mp4"
    args = ["--image", portrait_path]
    if case == "truncated_audio":
        bad = tmp_path / "cut.mp3"
        bad.write_bytes(b"ID3" + speech_path.read_bytes()[100:400])
        args += ["--audio", bad]
    elif case == "empty_text":
        args += ["--text", "   "]
    elif case == "bad_lang":
        args += ["--text", "hello", "--lang", "xx-nope"]
    elif case == "missing_image":
        args = ["--image", tmp_path / "nope.jpg", "--text", "hello"]
    elif case == "corrupt_image":
        bad = tmp_path / "bad.jpg"
        bad.write_bytes(b"\xff\xd8\xff\xe0garbage")
        args = ["--image", bad, "--text", "hello"]
    before = set(tmp_path.iterdir())
    r = _run("generate", *args, "-o", out, "-q")
    assert r.exit_code == 1
    assert expect in _error_line(r)
    assert set(tmp_path.iterdir()) == before  # no output, no temporary left behind


def test_demo_runs_and_reports(tmp_path):
    out = tmp_path / "demo.mp4"
    r = _run("demo", "-o", out, "--text", "Hello world.", "--seed", "1")
    assert r.exit_code == 0, r.output
    assert "x real time" in r.output and out.stat().st_size > 10_000


def test_quiet_run_prints_nothing_and_errors_still_show(tmp_path, portrait_path):
    """A real process (native libraries log to file descriptor 2, which CliRunner does not see)."""
    import subprocess
    import sys

    out = tmp_path / "o.mp4"
    cmd = [sys.executable, "-m", "thg.cli", "generate", "--image", str(portrait_path), "--text", "Hello.", "-o", str(out)]
    r = subprocess.run(cmd + ["--quiet"], capture_output=True, text=True)
    assert r.returncode == 0 and out.exists()
    assert r.stdout + r.stderr == ""            # no TensorFlow Lite / absl lines from the face mesh
    import cv2

    sky = tmp_path / "sky.png"   # an error raised after the face mesh has run still reaches the user
    cv2.imwrite(str(sky), np.full((300, 400, 3), 180, np.uint8))
    cmd[cmd.index(str(portrait_path))] = str(sky)
    r = subprocess.run(cmd + ["--overwrite"], capture_output=True, text=True)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {sky}: no face found"), r.stderr
