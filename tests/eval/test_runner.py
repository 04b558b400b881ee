"""The folder runner: name matching, parallel evaluation, records written as it goes, resume.

Two tiny metrics are registered only inside these tests (the registry table is monkeypatched):
``tiny-l1`` (mean absolute pixel difference to the reference, per frame) and ``tiny-brightness``
(a set-level metric pooling the mean pixel value over every frame of every video).
"""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest

from thg.errors import InputError, PipelineError, UsageError
from thg.eval import runner
from thg.eval.base import Metric, MetricInfo, MetricResult
from thg.io import VideoWriter, read_video_frames

SIZE = 96


class TinyL1(Metric):
    info = MetricInfo("tiny-l1", "visual", False, frozenset({"ref"}), (0.0, 255.0), "test-only mean |pred-ref|")

    def __init__(self, **params):
        super().__init__(**params)
        self.values: list[float] = []

    def update(self, pred, ref=None):
        diff = np.abs(pred.astype(np.float64) - ref.astype(np.float64))
        self.values += list(diff.reshape(len(pred), -1).mean(axis=1))

    def compute(self):
        return MetricResult("tiny-l1", float(np.mean(self.values)), per_frame=np.array(self.values),
                            convention={"range": "0-255", "reduction": "mean over pixels, frames"})


class TinyBrightness(Metric):
    info = MetricInfo("tiny-brightness", "expression", True, frozenset(), (0.0, 255.0), "test-only pooled mean",
                      scope="set")

    def __init__(self, **params):
        super().__init__(**params)
        self.total, self.count = np.zeros(1), np.zeros(1)

    def update(self, pred, ref=None):
        self.total += pred.astype(np.float64).sum()
        self.count += pred.size

    def compute(self):
        return MetricResult("tiny-brightness", float(self.total[0] / self.count[0]), convention={"pooled": True})

    def state(self):
        return {"total": self.total.copy(), "count": self.count.copy()}

    def load_state(self, state):
        self.total, self.count = state["total"].copy(), state["count"].copy()

    def merge(self, other):
        self.total += other.total
        self.count += other.count


CALLS: list[str] = []


def tiny_evaluate(pred, **kw):
    """The package's evaluate_video, counting calls and able to kill its worker process on request."""
    from thg.eval.video import evaluate_video

    CALLS.append(os.path.basename(pred))
    if "crash" in os.path.basename(pred) and os.environ.get("TINY_CRASH") == "1":
        os._exit(3)  # a worker dying mid-run
    return evaluate_video(pred, **kw)


def pooling_evaluate(pred, **kw):
    """evaluate_video plus the hand-over of set-level state the runner pools (``extra["state"]``)."""
    from thg.eval.registry import create_metric

    out = tiny_evaluate(pred, **kw)
    for name, res in out.items():
        metric = create_metric(name)
        if metric.info.scope == "set":
            for frame in read_video_frames(pred):
                metric.update(frame[None])
            res.extra["state"] = metric.state()
    return out


@pytest.fixture
def tiny_metrics(monkeypatch):
    from thg.eval.metrics import METRICS

    monkeypatch.setitem(METRICS, "tiny-l1", f"{__name__}:TinyL1")
    monkeypatch.setitem(METRICS, "tiny-brightness", f"{__name__}:TinyBrightness")
    CALLS.clear()


def write_video(path, frames, fps=25):
    with VideoWriter(path, frames[0].shape[1], frames[0].shape[0], fps=fps, crf=12) as w:
        for f in frames:
            w.write(f)
    return path


def astronaut_frames(n=8, noise=0.0, shift=0, seed=0):
    from skimage import data

    base = cv2.resize(data.astronaut(), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        f = np.roll(base, shift * (i % 2), axis=1).astype(np.float64)
        if noise:
            f = f + rng.normal(0, noise, f.shape)
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
    return frames


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """pred/ and ref/ folders: three predictions with growing noise, one nested, plus an extra reference."""
    root = tmp_path_factory.mktemp("ds")
    (root / "pred" / "spk2").mkdir(parents=True)
    (root / "ref" / "spk2").mkdir(parents=True)
    clean = astronaut_frames()
    for name, noise in (("a", 0.0), ("b", 12.0), ("spk2/c", 30.0)):
        write_video(root / "ref" / f"{name}.mp4", clean)
        write_video(root / "pred" / f"{name}.mp4", astronaut_frames(noise=noise, seed=1))
    write_video(root / "ref" / "extra.mp4", clean)
    return root


def test_matching_by_relative_name(dataset):
    m = runner.match_inputs(dataset / "pred", ref=dataset / "ref")
    assert [j.name for j in m.jobs] == ["a", "b", "spk2/c"]
    assert m.jobs[2].ref == dataset / "ref" / "spk2" / "c.mp4"
    assert m.unused_ref == ["extra"] and m.unmatched_pred == []


def test_mismatched_names_are_reported_clearly(dataset, tmp_path):
    (tmp_path / "pred").mkdir()
    write_video(tmp_path / "pred" / "zzz.mp4", astronaut_frames(2))
    with pytest.raises(InputError) as err:
        runner.match_inputs(tmp_path / "pred", ref=dataset / "ref")
    msg = str(err.value)
    assert "1 of 1 videos in --pred" in msg and "zzz" in msg and "--skip-unmatched" in msg and "\n" not in msg
    with pytest.raises(UsageError, match="is one video but --pred"):
        runner.match_inputs(dataset / "pred", ref=dataset / "ref" / "a.mp4")
    with pytest.raises(InputError, match="not found"):
        runner.match_inputs(tmp_path / "nope")


def test_skip_unmatched_and_side_inputs(dataset, tmp_path, speech_path):
    pred = tmp_path / "pred"
    pred.mkdir()
    for n in ("a", "lonely"):
        (pred / f"{n}.mp4").write_bytes((dataset / "pred" / "a.mp4").read_bytes())
    audio = tmp_path / "audio"
    audio.mkdir()
    (audio / "a.wav").write_bytes(speech_path.read_bytes())
    m = runner.match_inputs(pred, ref=dataset / "ref", audio=audio, skip_unmatched=True)
    assert [j.name for j in m.jobs] == ["a"] and m.unmatched_pred == ["lonely"]
    assert m.jobs[0].audio == audio / "a.wav"
    shared = runner.match_inputs(pred / "a.mp4", ref=dataset / "ref" / "a.mp4", audio=speech_path)
    assert shared.jobs[0].audio == speech_path


def test_parallel_run_writes_records_and_state(dataset, tmp_path, tiny_metrics):
    jobs = runner.match_inputs(dataset / "pred", ref=dataset / "ref").jobs
    settings = runner.RunSettings(metrics=("tiny-l1", "tiny-brightness"))
    records = runner.run_jobs(jobs, tmp_path, settings, workers=2, mp_context="fork", evaluate=pooling_evaluate)
    assert set(records) == {"a", "b", "spk2/c"} and all(r["status"] == "ok" for r in records.values())
    l1 = {k: r["metrics"]["tiny-l1"]["value"] for k, r in records.items()}
    assert l1["a"] < l1["b"] < l1["spk2/c"]   # more noise, larger error
    assert l1["a"] < 3.0                      # only compression separates a from its reference
    lines = (tmp_path / "per_video.jsonl").read_text().splitlines()
    assert len(lines) == 3
    arrays = runner.load_arrays(tmp_path, records["spk2/c"])
    assert arrays["tiny-l1/per_frame"].shape == (8,)
    assert arrays["tiny-l1/per_frame"].mean() == pytest.approx(l1["spk2/c"])
    pool = runner.load_pooled(tmp_path, settings)
    assert sorted(pool.videos) == ["a", "b", "spk2/c"]
    frames = [f for n in ("a", "b", "spk2/c") for f in read_video_frames(dataset / "pred" / f"{n}.mp4")]
    assert pool.metrics["tiny-brightness"].compute().value == pytest.approx(
        np.mean([f.astype(np.float64).mean() for f in frames]), rel=1e-9)
    assert not list((tmp_path / "per_video").glob("*.state.npz"))  # folded into the pool, then removed
    assert records["a"]["hashes"]["pred"] == runner.file_sha256(dataset / "pred" / "a.mp4")


def test_resume_skips_finished_videos_after_an_interrupt(dataset, tmp_path, tiny_metrics, monkeypatch):
    jobs = runner.match_inputs(dataset / "pred", ref=dataset / "ref").jobs
    settings = runner.RunSettings(metrics=("tiny-l1",))

    def interrupted(pred, **kw):
        if pred.endswith("b.mp4"):
            raise KeyboardInterrupt
        return tiny_evaluate(pred, **kw)

    with pytest.raises(KeyboardInterrupt):
        runner.run_jobs(jobs, tmp_path, settings, evaluate=interrupted)
    assert [json.loads(x)["video"] for x in (tmp_path / "per_video.jsonl").read_text().splitlines()] == ["a"]
    with open(tmp_path / "per_video.jsonl", "a") as f:
        f.write('{"video": "b", "stat')  # a line torn by the crash
    CALLS.clear()
    records = runner.run_jobs(jobs, tmp_path, settings, evaluate=tiny_evaluate)
    assert CALLS == ["b.mp4", "c.mp4"]
    assert set(records) == {"a", "b", "spk2/c"}
    CALLS.clear()
    runner.run_jobs(jobs, tmp_path, settings, evaluate=tiny_evaluate)
    assert CALLS == []  # everything done: nothing re-evaluated
    with pytest.raises(UsageError, match="other settings"):
        runner.run_jobs(jobs, tmp_path, runner.RunSettings(metrics=("tiny-l1", "tiny-brightness")),
                        evaluate=tiny_evaluate)


def test_resume_after_a_worker_process_dies(tmp_path, tiny_metrics, monkeypatch):
    (tmp_path / "in").mkdir()
    for name in ("ok1", "crash", "ok2"):
        write_video(tmp_path / "in" / f"{name}.mp4", astronaut_frames(3))
    jobs = runner.match_inputs(tmp_path / "in").jobs
    settings = runner.RunSettings(metrics=("tiny-brightness",))
    monkeypatch.setenv("TINY_CRASH", "1")
    with pytest.raises(PipelineError, match="worker process died.*run the same command again"):
        runner.run_jobs(jobs, tmp_path / "out", settings, workers=2, mp_context="fork", evaluate=tiny_evaluate)
    done_before = set(runner.read_records(tmp_path / "out"))
    assert "crash" not in done_before
    monkeypatch.setenv("TINY_CRASH", "0")
    CALLS.clear()
    records = runner.run_jobs(jobs, tmp_path / "out", settings, workers=1, evaluate=tiny_evaluate)
    assert set(records) == {"ok1", "crash", "ok2"}
    assert set(CALLS) == {f"{n}.mp4" for n in {"ok1", "crash", "ok2"} - done_before}


def test_a_corrupt_video_is_recorded_and_the_rest_go_on(dataset, tmp_path, tiny_metrics):
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "a.mp4").write_bytes((dataset / "pred" / "a.mp4").read_bytes())
    (tmp_path / "pred" / "b.mp4").write_bytes(b"\x00not a video" * 100)
    jobs = runner.match_inputs(tmp_path / "pred", ref=dataset / "ref", skip_unmatched=True).jobs
    records = runner.run_jobs(jobs, tmp_path / "out", runner.RunSettings(metrics=("tiny-l1",)),
                              evaluate=tiny_evaluate)
    assert records["a"]["status"] == "ok"
    assert records["b"]["status"] == "error" and "b.mp4" in records["b"]["error"]


def test_set_state_is_pooled_exactly_once_across_a_crash(dataset, tmp_path, tiny_metrics, monkeypatch):
    jobs = runner.match_inputs(dataset / "pred", ref=dataset / "ref").jobs
    settings = runner.RunSettings(metrics=("tiny-brightness",))
    clean = runner.run_jobs(jobs, tmp_path / "clean", settings, evaluate=pooling_evaluate)
    expected = runner.load_pooled(tmp_path / "clean", settings).metrics["tiny-brightness"].compute().value
    assert len(clean) == 3

    fold = runner.SetPool.fold

    def crash_on_b(self, record):
        if record["video"] == "b":
            raise KeyboardInterrupt  # after b's line was written, before its state was pooled
        fold(self, record)

    monkeypatch.setattr(runner.SetPool, "fold", crash_on_b)
    with pytest.raises(KeyboardInterrupt):
        runner.run_jobs(jobs, tmp_path / "out", settings, evaluate=pooling_evaluate)
    monkeypatch.setattr(runner.SetPool, "fold", fold)
    assert set(runner.read_records(tmp_path / "out")) == {"a", "b"}
    CALLS.clear()
    runner.run_jobs(jobs, tmp_path / "out", settings, evaluate=pooling_evaluate)
    assert CALLS == ["b.mp4", "c.mp4"]  # b was listed but not pooled: evaluated again
    pool = runner.load_pooled(tmp_path / "out", settings)
    assert sorted(pool.videos) == ["a", "b", "spk2/c"]
    assert pool.metrics["tiny-brightness"].compute().value == pytest.approx(expected, rel=1e-12)


def threads_probe(pred, **kw):
    out = tiny_evaluate(pred, **kw)
    for res in out.values():
        res.extra["omp_threads"] = os.environ.get("OMP_NUM_THREADS")
    return out


def test_workers_share_the_cores(dataset, tmp_path, tiny_metrics, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    jobs = runner.match_inputs(dataset / "pred", ref=dataset / "ref").jobs
    records = runner.run_jobs(jobs, tmp_path, runner.RunSettings(metrics=("tiny-l1",)), workers=2,
                              mp_context="fork", evaluate=threads_probe)
    expected = str(max(1, (os.cpu_count() or 1) // 2))
    assert {r["metrics"]["tiny-l1"]["extra"]["omp_threads"] for r in records.values()} == {expected}
    assert "OMP_NUM_THREADS" not in os.environ  # the parent's environment is restored


def test_python_api_evaluate_folder(dataset, tmp_path):
    from thg.eval.folder import evaluate_folder

    results = evaluate_folder(dataset / "pred", tmp_path / "out", ref=dataset / "ref", metrics="psnr,l1",
                                     n_boot=200, method="noisy")
    psnr = results.metrics["psnr"].per_video
    assert psnr["a"] > psnr["b"] > psnr["spk2/c"]
    assert results.matching["unused_ref"] == ["extra"]
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "plots" / "dist_l1.png").is_file()
    with pytest.raises(InputError, match="did you mean psnr"):
        evaluate_folder(dataset / "pred", tmp_path / "o2", ref=dataset / "ref", metrics=["pnsr"])
    assert not (tmp_path / "o2").exists()
