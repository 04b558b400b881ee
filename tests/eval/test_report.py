"""Report building: set-level pooling, NaN handling, radar normalisation, results files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from test_runner import astronaut_frames, pooling_evaluate, write_video
from test_runner import tiny_metrics  # noqa: F401  (fixture: registers the test-only metrics)
from thg.cli import main
from thg.errors import InputError
from thg.eval import report, runner, stats
from thg.eval.base import Metric, MetricInfo, MetricResult
from thg.eval.results import MetricResults
from thg.io import read_video_frames


class TinySync(Metric):
    """Needs speech: the value is the audio's RMS (only to exercise the audio plumbing)."""

    info = MetricInfo("tiny-sync", "sync", True, frozenset({"audio"}), (0.0, 1.0), "test-only audio RMS")

    def update(self, pred, ref=None):
        pass

    def compute(self):
        return MetricResult("tiny-sync", float(np.sqrt(np.mean(self.audio ** 2))))


def entry(family, hib, lo, hi, median, scope="video"):
    return MetricResults(family=family, higher_is_better=hib, score_range=(lo, hi), scope=scope,
                         summary=stats.summarize([median], n_boot=100))


def test_family_scores_normalise_bounded_metrics_and_compare_unbounded_ones():
    a = {"ssim": entry("visual", True, -1, 1, 0.5), "l1": entry("visual", False, 0, 1, 0.2),
         "psnr": entry("visual", True, 0, None, 30.0), "lse-d": entry("sync", False, 0, None, 8.0)}
    scores, left_out = report.family_scores({"a": a})
    assert scores["a"]["visual"] == pytest.approx((0.75 + 0.8) / 2)
    assert math.isnan(scores["a"]["sync"]) and sorted(left_out) == ["lse-d", "psnr"]
    as_dict = {"metrics": {k: m.to_json() for k, m in a.items()}}   # the dict of a results.json works too
    assert report.family_scores({"a": as_dict}) == (scores, left_out)
    for offset in (-6.0, 6.0):  # a signed offset scores by its size
        c = {"av-offset": entry("sync", False, -15, 15, offset)}
        assert report.family_scores({"c": c})[0]["c"]["sync"] == pytest.approx(1 - 6 / 15)
    b = {"ssim": entry("visual", True, -1, 1, 0.9), "psnr": entry("visual", True, 0, None, 20.0),
         "lse-d": entry("sync", False, 0, None, 6.0)}
    scores, left_out = report.family_scores({"a": a, "b": b})
    assert left_out == []
    assert scores["a"]["sync"] == 0.0 and scores["b"]["sync"] == 1.0   # lower LSE-D is better
    assert scores["b"]["visual"] == pytest.approx((0.95 + 0.0) / 2)     # ssim 0.95, psnr worst of the two


@pytest.mark.usefixtures("tiny_metrics")
def test_set_metric_pooled_over_videos_and_nan_kept_out(tmp_path):
    (tmp_path / "in").mkdir()
    dark = [(f * 0.5).astype(np.uint8) for f in astronaut_frames(4)]
    write_video(tmp_path / "in" / "bright.mp4", astronaut_frames(6))
    write_video(tmp_path / "in" / "dark.mp4", dark)
    jobs = runner.match_inputs(tmp_path / "in").jobs
    settings = runner.RunSettings(metrics=("tiny-brightness",))
    records = runner.run_jobs(jobs, tmp_path / "out", settings, evaluate=pooling_evaluate)
    records["dark"]["metrics"]["tiny-brightness"]["value"] = None   # as a metric that could not run
    results = report.build_results(tmp_path / "out", records, settings=settings.to_dict(), n_boot=200)
    e = results.metrics["tiny-brightness"]
    frames = [f for p in ("bright", "dark") for f in read_video_frames(tmp_path / "in" / f"{p}.mp4")]
    assert e.set_value == pytest.approx(np.mean([f.astype(np.float64).mean() for f in frames]), rel=1e-9)
    assert e.summary.n == 1 and e.summary.n_missing == 1 and math.isnan(e.per_video["dark"])
    paths = report.write_report(tmp_path / "out", results)
    text = paths["json"].read_text()
    strict = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert strict["metrics"]["tiny-brightness"]["per_video"]["dark"] is None
    assert "(set)" in paths["markdown"].read_text()
    row = next(r for r in paths["csv"].read_text().splitlines() if r.startswith("dark,"))
    assert row.split(",")[4] == ""   # the missing value is an empty cell, not "nan"


def test_load_results_errors(tmp_path):
    with pytest.raises(InputError, match="results file not found"):
        report.load_results(tmp_path)
    (tmp_path / "results.json").write_text('{"schema": "x"}')
    with pytest.raises(InputError, match="not a `thg eval` results file"):
        report.load_results(tmp_path)


def test_sync_metric_without_audio_is_a_usage_error_then_runs_with_speech(tmp_path, monkeypatch, speech_path):
    from thg.eval.metrics import METRICS

    monkeypatch.setitem(METRICS, "tiny-sync", f"{__name__}:TinySync")
    write_video(tmp_path / "silent.mp4", astronaut_frames(4))
    args = ["eval", "--pred", str(tmp_path / "silent.mp4"), "--metrics", "tiny-sync", "--bootstrap", "100"]
    res = CliRunner().invoke(main, args + ["--output", str(tmp_path / "o1")])
    assert res.exit_code == 2, res.output
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "needs speech audio" in last and "tiny-sync" in last
    res = CliRunner().invoke(main, args + ["--audio", str(speech_path), "--output", str(tmp_path / "o2")])
    assert res.exit_code == 0, res.output
    value = json.loads((tmp_path / "o2" / "results.json").read_text())["metrics"]["tiny-sync"]["per_video"]["silent"]
    from thg.io import load_audio

    assert value == pytest.approx(float(np.sqrt(np.mean(load_audio(speech_path).samples ** 2))), rel=1e-6)
