"""Bad input through the command line: one clear line, the right exit code, nothing written or lost."""

from __future__ import annotations

import os

import numpy as np
import pytest
from click.testing import CliRunner

from thg.cli import main


def _run(*args):
    return CliRunner().invoke(main, list(map(str, args)))


def _error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
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


@pytest.mark.parametrize("case, expect, code", [
    ("truncated_audio", "cannot decode audio", 1),
    ("empty_text", "--text '   ' has no words", 2),
    ("bad_lang", "--lang 'xx-nope'", 2),
    ("missing_image", "image not found", 1),
    ("corrupt_image", "cannot read this image", 1),
])
def test_bad_inputs_leave_nothing(tmp_path, portrait_path, speech_path, case, expect, code):
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
    assert r.exit_code == code
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


# --- options are checked when the command line is read ---------------------------------------
@pytest.mark.parametrize("option, value, expect", [
    ("--seed", "-1", "use 0 to 4294967295"), ("--blink", "1e6", "use 0 to 60"), ("--blink", "inf", "use 0 to 60"),
    ("--blink", "nan", "use 0 to 60"), ("--expression-scale", "1e9", "use 0 to 3"),
    ("--expression-scale", "nan", "use 0 to 3"), ("--head-motion", "1e6", "use 0 to 3"),
    ("--head-motion", "-inf", "use 0 to 3"), ("--size", "10", "use 0, or 64 to 8192"),
    ("--face-index", "-1", "use 0 to 19"), ("--fps", "0", "use 1 to 120"), ("--fps", "abc", "is not a number"),
    ("--seed", "1" * 400, "out of range"),
])
def test_numbers_out_of_range_are_usage_errors_that_give_the_range(tmp_path, portrait_path, option, value, expect):
    out = tmp_path / "o.mp4"
    r = _run("generate", "-i", portrait_path, "-t", "hi", "-o", out, option, value)
    assert r.exit_code == 2 and option in _error_line(r) and expect in _error_line(r)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, expect", [
    (["-t", b"caf\xe9".decode("utf-8", "surrogateescape")], "--text is not valid UTF-8 (byte b'\\xe9'"),
    (["-t", "...!?"], "has no words"),
    (["-t", "word " * 4000, "--max-seconds", "600"], "more than --max-seconds 600 allows"),
    (["-t", "hi", "-o", "-"], "not standard output"),
    (["-t", "hi", "-o", "{tmp}/newdir/"], "names a folder"),
    (["-t", "hi", "-o", "{tmp}/o.webm"], "'.webm'; name it o.mp4"),
    (["-t", "hi", "--save-motion", "{tmp}/o.mp4"], "o.mp4: thg writes a JSON motion file"),
    (["-t", "hi", "--lang", "xx-nope"], "--lang 'xx-nope' is not a language"),
    (["-t", "hi", "--fit", "audio"], "--fit applies to --motion with --audio"),
])
def test_usage_errors_before_any_work(tmp_path, portrait_path, args, expect):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "o.mp4")]
    r = _run("generate", "-i", portrait_path, *args)
    assert r.exit_code == 2 and expect in _error_line(r)
    assert list(tmp_path.iterdir()) == []


def test_device_files_and_inputs_are_never_outputs(tmp_path, portrait_path):
    null = tmp_path / "null.mp4"
    null.symlink_to("/dev/null")
    r = _run("generate", "-i", portrait_path, "-t", "hi", "-o", null, "--overwrite")
    assert r.exit_code == 1 and "not a regular file" in _error_line(r)
    motion = tmp_path / "m.json"
    motion.write_text('{"format": "thg-motion", "version": 1, "frames": [{}]}')
    r = _run("generate", "-i", portrait_path, "--motion", motion, "--save-motion", motion, "-o", tmp_path / "o.mp4",
             "--overwrite")
    assert r.exit_code == 2 and "would destroy the input" in _error_line(r)
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"precious")
    for cmd in (["reenact", "-i", portrait_path, "-d", video, "-o", video], ["encode", video, "-o", tmp_path / "v.thm"],
                ["track", video, "-o", tmp_path / "v.json"]):
        alias = tmp_path / ("alias" + cmd[-1].suffix if hasattr(cmd[-1], "suffix") else "")
        if cmd[0] != "reenact":
            os.link(video, alias)
            cmd[-1] = alias
            cmd[1] = video
        r = _run(*cmd, "--overwrite")
        assert r.exit_code == 2 and "would destroy the input" in _error_line(r), cmd
        if cmd[0] != "reenact":
            alias.unlink()
    assert video.read_bytes() == b"precious" and motion.read_text().startswith('{"format"')


def test_style_options_do_not_apply_to_a_motion_file(tmp_path, portrait_path, speech_path):
    motion = tmp_path / "m.json"
    motion.write_text('{"format": "thg-motion", "version": 1, "frames": [{}]}')
    for option, value in (("--blink", "3"), ("--seed", "2"), ("--emotion", "happy"), ("--fps", "30")):
        r = _run("generate", "-i", portrait_path, "-a", speech_path, "--motion", motion, option, value,
                 "-o", tmp_path / "o.mp4")
        assert r.exit_code == 2 and f"{option} does not apply with --motion" in _error_line(r)


def test_speech_shorter_than_a_frame_is_refused(tmp_path, portrait_path, speech_path):
    cut = tmp_path / "cut.wav"
    cut.write_bytes(speech_path.read_bytes()[:100])    # a header and a few samples
    out = tmp_path / "o.mp4"
    r = _run("generate", "-i", portrait_path, "-a", cut, "-o", out, "-q")
    assert r.exit_code == 1 and "less than one frame (40 ms at 25 fps)" in _error_line(r)
    assert sorted(tmp_path.iterdir()) == [cut]


def test_limits_are_errors_that_name_the_flag(tmp_path, portrait_path):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    huge = tmp_path / "huge.png"      # a 20000×20000 PNG header: refused before a byte is decoded
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))
    r = _run("generate", "-i", huge, "-t", "hi", "-o", tmp_path / "o.mp4")
    assert r.exit_code == 1 and "20000×20000 (400 megapixels), over the 50 MP limit" in _error_line(r)
    assert "--max-megapixels" in _error_line(r)
    long = tmp_path / "long.json"
    long.write_text('{"format": "thg-motion", "version": 1, "fps": 25, "frames": [' + ",".join(["{}"] * 20000) + "]}")
    r = _run("generate", "-i", portrait_path, "--motion", long, "-o", tmp_path / "o.mp4")
    assert r.exit_code == 1 and "20000 frames (800 s), over the 600 s limit" in _error_line(r)
    assert "--max-seconds" in _error_line(r)


def test_lang_zh_is_mandarin():
    from thg.features.speech import synthesize
    from thg.generate_cli import check_lang

    assert check_lang("zh") == "cmn" and check_lang("en-US") == "en-US"
    audio, phonemes = synthesize("ni hao", "zh")
    assert audio.duration > 0.3 and len(phonemes) >= 4


def test_verbose_is_accepted_everywhere_and_warnings_stay_hidden_without_it(tmp_path):
    import warnings

    import click

    from thg.cli import LazyGroup, _quiet_warnings

    @click.command()
    def noisy():
        np.log(np.zeros(1))                            # RuntimeWarning: divide by zero
        warnings.warn("library chatter")

    group = LazyGroup(commands={"noisy": noisy})
    runner = CliRunner()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with _quiet_warnings():
            np.log(np.zeros(1))
            warnings.warn("hidden")
    assert seen == []
    r = runner.invoke(group, ["noisy"])
    assert r.exit_code == 0 and "Warning" not in r.output
    for args in (["generate", "--verbose", "--help"], ["--verbose", "eval", "--help"], ["decode", "--help"]):
        r = _run(*args)
        assert r.exit_code == 0 and "Usage:" in r.output, args
    assert "--verbose" in _run("encode", "--help").output


def _frames_in(path) -> int:
    from thg.io.video import read_video_frames

    return sum(1 for _ in read_video_frames(path))


def test_frame_count_is_the_files_and_fit_decides_the_length(tmp_path, portrait_path, speech_path):
    """The printed count is what the file holds; a motion file and speech of different lengths need
    --fit, which makes the video as long as the one it names."""
    from thg.io.audio import load_audio
    from thg.io.video import probe_video

    out, motion = tmp_path / "short.mp4", tmp_path / "short.json"
    r = _run("generate", "-i", portrait_path, "-t", "Hi there.", "--size", "256", "-o", out, "--save-motion", motion)
    assert r.exit_code == 0, r.output
    n_text = int(r.output.split("frames")[0].split()[-1])
    assert _frames_in(out) == n_text > 10
    r = _run("generate", "-i", portrait_path, "-a", speech_path, "--motion", motion, "-o", tmp_path / "x.mp4")
    assert r.exit_code == 2 and "choose --fit audio" in _error_line(r) and not (tmp_path / "x.mp4").exists()
    n_speech = round(load_audio(speech_path).duration * 25)
    for fit, expected in (("audio", n_speech), ("motion", n_text)):
        out = tmp_path / f"{fit}.mp4"
        r = _run("generate", "-i", portrait_path, "-a", speech_path, "--motion", motion, "--fit", fit, "--size", "256",
                 "-o", out)
        assert r.exit_code == 0, r.output
        assert f": {expected} frames" in r.output and _frames_in(out) == expected, (fit, r.output)
        info = probe_video(out)
        assert info.has_audio and abs(info.duration - expected / 25) < 0.05, info   # audio cut or padded


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_cleanly_and_leave_nothing(tmp_path, portrait_path, sig):
    """A real process stopped while it renders: one line, exit 128 + signal, no part file, no temp folder."""
    import signal
    import subprocess
    import sys
    import time

    work, tmp = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    cmd = [sys.executable, "-m", "thg.cli", "generate", "-i", str(portrait_path), "-q", "-o", str(work / "o.mp4"),
           "-t", "This sentence is long enough to keep the renderer busy for a good while. " * 6]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for _ in range(1200):                           # until the encoder's part file exists (rendering)
        if any(work.iterdir()) or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert any(work.iterdir()) and any(tmp.iterdir()), "the run did not reach rendering"
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + getattr(signal, sig)
    assert err.strip().splitlines() == [f"Error: stopped by {sig}; no output was written"]
    assert list(work.iterdir()) == [] and list(tmp.iterdir()) == []


def test_stderr_to_a_file_gets_only_the_error_line(tmp_path, portrait_path):
    """`2> log.txt`: the native-log filter must not break a stream that was opened on a file, and
    OpenCV's own lines about a damaged PNG are filtered like mediapipe's."""
    import subprocess
    import sys

    cut = tmp_path / "cut.png"
    cut.write_bytes(portrait_path.read_bytes()[:300])
    log = tmp_path / "log.txt"
    with open(log, "w") as err:
        r = subprocess.run([sys.executable, "-m", "thg.cli", "generate", "-i", str(cut), "-t", "Hi.", "-o",
                            str(tmp_path / "o.mp4")], stderr=err, stdout=subprocess.PIPE)
    assert r.returncode == 1
    assert log.read_text().splitlines() == [f"Error: {cut}: cannot read this image (corrupt, truncated or not an "
                                            f"image); use a JPEG, PNG, WebP or BMP photo"]
