"""`thg eval --engine ray`: the same per-video jobs as Ray tasks give the same results.json as the local
runner, and a run killed mid-way resumes without evaluating a finished video again.

The data: 20 real clips (the astronaut's face, 64 px, 12 frames) with growing noise and their clean
references, scored with PSNR and SSIM. Ray runs twice: as a private Ray that `thg eval` starts and stops
itself, and as the session's cluster (``ray_cluster``) that a `thg eval --address` in a subprocess is
SIGKILLed on and then resumed against.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.eval import runner
from thg.io import VideoWriter

N_VIDEOS = 20
SIZE = 64
FRAMES = 12
METRICS = "psnr,ssim"


def _write(path: Path, frames) -> None:
    with VideoWriter(path, SIZE, SIZE, fps=25, crf=12) as w:
        for f in frames:
            w.write(f)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, portrait) -> Path:
    """pred/vNN.mp4 with noise of σ = 2 + NN grey levels, ref/vNN.mp4 the same clean clip."""
    root = tmp_path_factory.mktemp("twenty")
    (root / "pred").mkdir()
    (root / "ref").mkdir()
    base = cv2.resize(portrait[20:276, 100:356], (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    clean = [np.roll(base, i % 3, axis=0) for i in range(FRAMES)]
    _write(root / "ref" / "v00.mp4", clean)
    for i in range(N_VIDEOS):
        if i:
            shutil.copyfile(root / "ref" / "v00.mp4", root / "ref" / f"v{i:02d}.mp4")
        rng = np.random.default_rng(i)
        _write(root / "pred" / f"v{i:02d}.mp4",
               [np.clip(f + rng.normal(0, 2 + i, f.shape), 0, 255).astype(np.uint8) for f in clean])
    return root


def _args(folder: Path, out: Path, *extra) -> list[str]:
    return ["eval", "--pred", str(folder / "pred"), "--ref", str(folder / "ref"), "--metrics", METRICS,
            "--output", str(out), "--bootstrap", "200", *extra]


#: the values that legitimately differ between two runs of the same videos and settings
def comparable(results: dict) -> dict:
    """results.json without when it was written (``created``), the command typed, the engine that ran
    it and each video's evaluation time (``seconds``)."""
    out = json.loads(json.dumps(results))
    out.pop("created")
    out["reproducibility"].pop("command")
    out["reproducibility"].pop("engine")
    for video in out["videos"].values():
        video.pop("seconds")
    return out


def _arrays(out: Path) -> dict[str, dict[str, np.ndarray]]:
    return {name: runner.load_arrays(out, rec) for name, rec in runner.read_records(out).items()}


@pytest.fixture(scope="module")
def local_run(folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    res = CliRunner().invoke(main, _args(folder, out), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return out


def _results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


#: every line `thg eval` writes to stderr here; anything else (Ray's logs, warnings, tracebacks) fails
THG_LINE = re.compile(r"^(evaluating \d+ videos with |resuming: \d+ videos already done$|  v\d\d: done in )")


def _thg(*args, **kw) -> subprocess.CompletedProcess:
    """`thg` in a process of its own: Ray never runs inside the test process (see ``ray_cluster``),
    and what reaches file descriptor 2 (Ray's core logs there) is seen as a user would see it."""
    return subprocess.run([sys.executable, "-m", "thg.cli", *args], capture_output=True, text=True, timeout=180,
                          **kw)


def test_ray_and_local_runs_give_identical_results(folder, local_run, tmp_path):
    """A private Ray (2 CPUs) that the command starts and stops: results.json equal to the local runner's."""
    out = tmp_path / "ray"
    res = _thg(*_args(folder, out, "--engine", "ray", "--workers", "2"))
    assert res.returncode == 0, res.stderr
    assert [line for line in res.stderr.splitlines() if not THG_LINE.match(line)] == [], res.stderr
    local, remote = _results(local_run), _results(out)
    assert remote["n_ok"] == N_VIDEOS and sorted(remote["videos"]) == [f"v{i:02d}" for i in range(N_VIDEOS)]
    assert comparable(remote) == comparable(local)
    psnr = remote["metrics"]["psnr"]["per_video"]
    assert psnr["v00"] > psnr["v10"] > psnr["v19"]     # more noise, lower PSNR: real values, not placeholders
    from importlib.metadata import version

    assert remote["reproducibility"]["engine"] == {"name": "ray", "workers": 2, "ray": version("ray"),
                                                   "address": None}
    assert local["reproducibility"]["engine"]["name"] == "local"
    a, b = _arrays(local_run), _arrays(out)                          # and the per-frame values, bit for bit
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].keys() == b[name].keys() and all(np.array_equal(a[name][k], b[name][k]) for k in a[name])




def test_a_killed_ray_run_resumes(folder, local_run, tmp_path, ray_cluster):
    """SIGKILL the command mid-way; the same command again evaluates only the videos that had not
    finished, and ends with the local runner's results. Neither run prints anything of Ray's."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "thg.cli", *_args(folder, out, "--engine", "ray", "--address", ray_cluster,
                                                   "--workers", "2")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = out / runner.JSONL
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if log.is_file() and len(log.read_text().splitlines()) >= 3:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    _, first_err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, first_err
    finished = set(runner.read_records(out))
    assert 3 <= len(finished) < N_VIDEOS, f"killed after {len(finished)} videos"
    assert not (out / "results.json").exists()

    again = _thg(*cmd[3:])
    assert again.returncode == 0, again.stderr
    lines = again.stderr.splitlines()
    assert f"resuming: {len(finished)} videos already done" in lines
    evaluated = {m.group(1) for m in map(re.compile(r"^  (v\d\d): done in ").match, lines) if m}
    assert evaluated == {f"v{i:02d}" for i in range(N_VIDEOS)} - finished   # nothing evaluated twice
    assert len(log.read_text().splitlines()) == N_VIDEOS                     # one record per video
    assert comparable(_results(out)) == comparable(_results(local_run))
    for err in (first_err, again.stderr):  # thg's own lines only: no Ray logs, warnings or tracebacks
        assert [line for line in err.splitlines() if not THG_LINE.match(line)] == [], err
