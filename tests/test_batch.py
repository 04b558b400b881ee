"""`thg batch JOBS.csv`: one real video per row, the bad row reported with its error while the others
are made, a rerun that skips what is done, the table checked before anything runs, and the same rows
as Ray tasks on the session's cluster.

The portrait is scikit-image's astronaut cut to head and shoulders (the bundled example of `thg demo`),
rendered at 128 px with one-sentence texts.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.features.speech import synthesize
from thg.io import read_video_frames
from thg.io.audio import load_audio
from thg.io.video import probe_video

TEXTS = {"a.mp4": "Hello there.", "b.mp4": "Bob opens a map."}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, portrait):
    import cv2

    root = tmp_path_factory.mktemp("batch")
    cv2.imwrite(str(root / "astronaut.png"), portrait[10:250, 105:345, ::-1])   # head and shoulders
    cv2.imwrite(str(root / "sky.png"), np.full((200, 200, 3), 180, np.uint8))   # no face in it
    return root


def _table(path, rows, header=("portrait", "text", "output", "seed", "size", "emotion")):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _good_rows():
    return [["astronaut.png", TEXTS["a.mp4"], "a.mp4", "1", "128", "happy"],
            ["astronaut.png", TEXTS["b.mp4"], "b.mp4", "2", "128", ""]]


def _batch(*args):
    return CliRunner().invoke(main, ["batch", *map(str, args)])


def _status(out, stem="jobs"):
    with open(out / f"{stem}.status.csv", newline="") as f:
        return {int(r["row"]): r for r in csv.DictReader(f)}


def _check_video(path, text, fps=25.0):
    """A real video: 128 px, its speech muxed in and as long as the frames, and that speech the text's
    (espeak-ng's length of a sentence varies by some 50 ms with what its process spoke before)."""
    frames = list(read_video_frames(path))
    assert max(frames[0].shape[:2]) == 128 and frames[0].std() > 20   # a picture, not a blank
    assert probe_video(path).has_audio
    speech = load_audio(path).duration
    assert abs(len(frames) - speech * fps) <= 1.0
    assert abs(speech - synthesize(text, "en")[0].duration) < 0.2
    return len(frames)


def test_every_row_is_made_the_bad_one_reported_and_a_rerun_skips_what_is_done(inputs, tmp_path):
    jobs = _table(inputs / "jobs.csv", [_good_rows()[0], ["sky.png", "Hi.", "bad.mp4", "", "128", ""],
                                        _good_rows()[1]])
    out = tmp_path / "out"
    res = _batch(jobs, "--output-dir", out)
    assert res.exit_code == 1, res.output
    assert res.stderr.strip().splitlines()[-1].startswith("Error: 1 of 3 rows failed or did not run (row 3)")
    status = _status(out)
    assert [status[n]["status"] for n in (2, 3, 4)] == ["ok", "error", "ok"]
    assert "sky.png: no face found" in status[3]["error"] and not (out / "bad.mp4").exists()
    summary = res.stdout.splitlines()
    assert any(line.split()[:3] == ["3", "bad.mp4", "error"] and "no face found" in line for line in summary)
    for n, name in ((2, "a.mp4"), (4, "b.mp4")):
        assert _check_video(out / name, TEXTS[name]) == int(status[n]["frames"])
    report = json.loads((out / "jobs.status.json").read_text())
    assert report["counts"] == {"ok": 2, "skipped": 0, "error": 1, "not run": 0}
    assert report["rows"][1]["error_type"] == "NoFaceError"

    made = {n: (out / n).stat().st_mtime_ns for n in TEXTS}
    lines = len((out / "jobs.status.jsonl").read_text().splitlines())
    again = _batch(jobs, "--output-dir", out)
    assert again.exit_code == 1
    assert "resuming: 2 rows already done" in again.stderr and "row 3: failed" in again.stderr
    assert again.stderr.count(": done in") == 0
    assert {n: (out / n).stat().st_mtime_ns for n in TEXTS} == made          # not made again
    assert len((out / "jobs.status.jsonl").read_text().splitlines()) == lines + 1   # only row 3 ran
    assert [r["status"] for r in _status(out).values()] == ["skipped", "error", "skipped"]

    _table(jobs, [_good_rows()[0], ["astronaut.png", "Hi.", "bad.mp4", "", "128", ""], _good_rows()[1]])
    fixed = _batch(jobs, "--output-dir", out)
    assert fixed.exit_code == 0, fixed.output
    assert "resuming: 2 rows already done" in fixed.stderr and "row 3: done" in fixed.stderr
    _check_video(out / "bad.mp4", "Hi.")

    _table(jobs, [[*_good_rows()[0][:3], "7", "128", "happy"]])   # row 2's seed changed: its video is stale
    stale = _batch(jobs, "--output-dir", out)
    assert stale.exit_code == 1 and "made with other options" in _status(out)[2]["error"]
    assert (out / "a.mp4").stat().st_mtime_ns == made["a.mp4"]


@pytest.mark.parametrize("rows, header, expect", [
    ([["astronaut.png", "hi"]], ("portrait", "txt"), "jobs.csv row 1: unknown column 'txt'; did you mean 'text'?"),
    ([["astronaut.png", "hi"]], ("image", "text"), "unknown column 'image'; did you mean 'portrait'?"),
    ([["astronaut.png", "hi"]], ("text", "seed"), "jobs.csv row 1: no portrait column"),
    ([["", "hi"]], ("portrait", "text"), "jobs.csv row 2, column portrait: empty"),
    ([["astronaut.png", "hi", "speech.wav"]], ("portrait", "text", "audio"),
     "jobs.csv row 2, column text: the row has both text and audio"),
    ([["astronaut.png", "hi", "abc"]], ("portrait", "text", "seed"),
     "jobs.csv row 2, column seed: 'abc' is not a whole number; use 0 to 4294967295"),
    ([["astronaut.png", "hi", "9"]], ("portrait", "text", "expression_scale"),
     "jobs.csv row 2, column expression-scale: 9 is out of range; use 0 to 3"),
    ([["astronaut.png", "hi", "furious"]], ("portrait", "text", "emotion"),
     "jobs.csv row 2, column emotion: 'furious' is not one of"),
    ([["astronaut.png", "...!"]], ("portrait", "text"), "jobs.csv row 2, column text: --text '...!' has no words"),
    ([["astronaut.png", "hi", "xx-nope"]], ("portrait", "text", "lang"), "jobs.csv row 2, column lang: --lang 'xx-nope'"),
    ([["nope.png", "hi"]], ("portrait", "text"), "jobs.csv row 2, column portrait: nope.png not found"),
    ([["astronaut.png", "hi", "a.mp4"], ["astronaut.png", "ho", "a.mp4"]], ("portrait", "text", "output"),
     "jobs.csv row 3, column output: a.mp4 is also the output of row 2"),
    ([["astronaut.png", "hi", "x"], ["astronaut.png", "ho", "y"], ["sky.png", "", ""]], ("portrait", "text", "seed"),
     "jobs.csv row 2, column seed: 'x' is not a whole number; use 0 to 4294967295 (and 2 more problems: rows 3, 4)"),
])
def test_the_table_is_checked_before_anything_runs(inputs, tmp_path, speech_path, rows, header, expect):
    (inputs / "speech.wav").write_bytes(speech_path.read_bytes())
    jobs = _table(tmp_path / "jobs.csv", [[str(inputs / c) if c in ("astronaut.png", "sky.png", "speech.wav") else c
                                           for c in r] for r in rows], header)
    res = _batch(jobs, "--output-dir", tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("Error: "), res.stderr
    assert expect in res.stderr
    assert not (tmp_path / "out").exists()


def test_the_rows_as_ray_tasks_on_a_cluster(inputs, tmp_path, ray_cluster):
    """The same rows on the session's Ray cluster: real videos, as long as those made in this process.

    (Not the same pixels nor always the same frame count: espeak-ng's length of a sentence varies from
    call to call in a process, by up to some 50 ms measured, and the video follows the speech.)"""
    jobs = _table(inputs / "ray.csv", [[*r, "1"] for r in _good_rows()],
                  header=("portrait", "text", "output", "seed", "size", "emotion", "no_watermark"))
    here, there = tmp_path / "local", tmp_path / "ray"
    assert _batch(jobs, "--output-dir", here).exit_code == 0
    res = subprocess.run([sys.executable, "-m", "thg.cli", "batch", str(jobs), "--output-dir", str(there),
                          "--engine", "ray", "--address", ray_cluster], capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    noise = [line for line in res.stderr.splitlines() if not re.match(r"^  row \d+: done in [\d.]+ s$", line)]
    assert noise == [], res.stderr   # thg's progress lines only: no Ray logs, warnings or tracebacks
    local, remote = _status(here, "ray"), _status(there, "ray")
    assert [r["status"] for r in remote.values()] == ["ok", "ok"]
    assert all(abs(int(remote[n]["frames"]) - int(local[n]["frames"])) <= 5 for n in (2, 3))   # within 0.2 s
    for name in TEXTS:
        _check_video(there / name, TEXTS[name])
