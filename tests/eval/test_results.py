"""Typed results: a results.json written by `thg eval` reads into dataclasses and writes back byte for byte."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from test_runner import astronaut_frames, write_video
from test_runner import tiny_metrics  # noqa: F401  (fixture: registers the test-only metrics)
from thg.cli import main
from thg.eval import report
from thg.eval.base import Metric, MetricInfo, MetricResult
from thg.eval.results import (Comparison, Interval, MetricResults, PairedComparison, Results, RunSettings, Summary,
                              VideoRecord)


class TinyDim(Metric):
    """Mean brightness, not computable (NaN and a note) on a dark video; its convention says which."""

    info = MetricInfo("tiny-dim", "visual", True, frozenset(), (0.0, 255.0), "test-only brightness of bright videos")

    def __init__(self, **params):
        super().__init__(**params)
        self.values: list[float] = []

    def update(self, pred, ref=None):
        self.values += [float(f.mean()) for f in pred]

    def compute(self):
        mean = float(np.mean(self.values))
        if mean < 60:
            return MetricResult("tiny-dim", math.nan, notes=["too dark to measure"], convention={"dark": True})
        return MetricResult("tiny-dim", mean, convention={"dark": False})


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """pred/ref pairs: a bright clip, a dark one, and a truncated file that fails to decode."""
    root = tmp_path_factory.mktemp("typed")
    bright, dark = astronaut_frames(4), [(f * 0.2).astype(np.uint8) for f in astronaut_frames(4)]
    (root / "ref").mkdir()
    (root / "pred").mkdir()
    for name, frames in (("bright", bright), ("dark", dark), ("broken", bright)):
        write_video(root / "ref" / f"{name}.mp4", frames)
    write_video(root / "pred" / "bright.mp4", astronaut_frames(4, noise=8.0, seed=1))
    write_video(root / "pred" / "dark.mp4", [(f * 0.2).astype(np.uint8) for f in astronaut_frames(4, noise=8.0)])
    (root / "pred" / "broken.mp4").write_bytes((root / "pred" / "bright.mp4").read_bytes()[:2000])
    (root / "meta.csv").write_text("video,light\nbright,day\ndark,night\n")
    return root


def _evaluate(root, out, *extra):
    args = ["eval", "--pred", root / "pred", "--ref", root / "ref", "--metrics",
            "psnr,tiny-l1,tiny-brightness,tiny-dim", "--metadata", root / "meta.csv", "--method", "typed",
            "--bootstrap", "100", "--output", out, *extra]
    return CliRunner().invoke(main, list(map(str, args)))


@pytest.mark.usefixtures("tiny_metrics")
def test_results_json_round_trips_byte_for_byte(folders, tmp_path, monkeypatch):
    from thg.eval.metrics import METRICS

    monkeypatch.setitem(METRICS, "tiny-dim", f"{__name__}:TinyDim")
    res = _evaluate(folders, tmp_path / "out")
    assert res.exit_code == 1 and "1 of 3 videos failed" in res.stderr, res.output + res.stderr
    text = (tmp_path / "out" / "results.json").read_text(encoding="utf-8")
    original = json.loads(text)
    results = Results.from_json(original)
    assert results.to_json() == original
    assert json.dumps(results.to_json(), indent=2, allow_nan=False) == text
    assert report.load_results(tmp_path / "out").to_json() == original

    # the file exercises every part of the types
    assert results.method == "typed" and results.n_videos == 3 and results.n_ok == 2
    assert set(results.failed) == {"broken"} and results.videos["broken"].status == "error"
    assert isinstance(results.videos["bright"], VideoRecord) and results.videos["bright"].seconds > 0
    dim = results.metrics["tiny-dim"]
    assert isinstance(dim, MetricResults) and math.isnan(dim.per_video["dark"]) and dim.per_video["bright"] > 60
    assert dim.notes == {"dark": ("too dark to measure",)} and dim.conventions_differ and len(dim.conventions) == 2
    assert dim.summary.n == 1 and dim.summary.n_missing == 1 and isinstance(dim.summary, Summary)
    assert isinstance(dim.summary.mean_ci, Interval) and math.isnan(dim.summary.mean_ci.low)
    pooled = results.metrics["tiny-brightness"]
    assert pooled.is_set and math.isfinite(pooled.set_value) and pooled.computed
    assert pooled.set_notes == ("pooled over 2 videos",)
    assert set(results.metrics["psnr"].breakdowns["light"]) == {"day", "night"}
    assert results.metrics["psnr"].score_range == (0.0, None)   # unbounded above
    repro = results.reproducibility
    assert repro.settings == RunSettings(metrics=("psnr", "tiny-l1", "tiny-brightness", "tiny-dim"))
    assert repro.statistics.bootstrap_resamples == 100 and repro.engine == {"name": "local", "workers": None}
    assert repro.environment.python and set(repro.input_sha256) == {"bright", "dark", "broken"}

    # `thg eval report` rebuilds the file from the records through the same types: the same bytes
    # but for when it was written and the per-video timings
    res = CliRunner().invoke(main, ["eval", "report", str(tmp_path / "out"), "--bootstrap", "100",
                                    "--metadata", str(folders / "meta.csv")])
    assert res.exit_code == 1, res.output + res.stderr
    again = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    for d in (again, original):
        d["created"] = None
        for v in d["videos"].values():
            v.pop("seconds", None)
    assert again == original


@pytest.mark.usefixtures("tiny_metrics")
def test_comparison_json_round_trips(folders, tmp_path):
    for method in ("a", "b"):
        res = CliRunner().invoke(main, ["eval", "--pred", str(folders / "pred"), "--ref", str(folders / "ref"),
                                        "--metrics", "psnr,tiny-l1", "--bootstrap", "100",
                                        "--method", method, "--output", str(tmp_path / method)])
        assert res.exit_code == 1, res.output + res.stderr   # the broken clip
    res = CliRunner().invoke(main, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"),
                                    "--output", str(tmp_path / "cmp")])
    assert res.exit_code == 0, res.output + res.stderr
    text = (tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8")
    comp = Comparison.from_json(json.loads(text))
    assert json.dumps(comp.to_json(), indent=2, allow_nan=False) == text
    assert [m.metric for m in comp.metrics] == ["psnr", "tiny-l1"] and (comp.a, comp.b) == ("a", "b")
    assert all(isinstance(m, PairedComparison) and m.n_pairs == 2 and m.better == "none" for m in comp.metrics)
    assert comp.metrics[0].n_ties == 2 and comp.metrics[0].note == "no pair differs: nothing to test"
    # the comparison folder's results.json is A's under its label
    assert report.load_results(tmp_path / "cmp").to_json() == report.load_results(tmp_path / "a").to_json()


def test_an_older_results_file_still_loads():
    """Keys added since (engine, weights, conventions_differ, chunk) take their defaults."""
    old = {"schema": "thg-eval-results/1", "method": None, "created": "2026-01-01T00:00:00+00:00", "n_videos": 1,
           "n_ok": 1, "videos": {"v": {"pred": "v.mp4", "status": "ok", "seconds": 1.5}}, "failed": {},
           "matching": {}, "metrics": {"psnr": {
               "family": "visual", "higher_is_better": True, "scope": "video", "needs": ["ref"],
               "score_range": [0.0, None], "description": "PSNR", "per_video": {"v": 30.5}, "coverage": {"v": 1.0},
               "notes": {}, "convention": {}, "summary": {"n": 1, "n_missing": 0, "mean": 30.5, "std": None,
                                                          "median": 30.5, "q1": 30.5, "q3": 30.5, "iqr": 0.0,
                                                          "min": 30.5, "max": 30.5, "mean_ci": [None, None],
                                                          "median_ci": [None, None], "confidence": 0.95,
                                                          "n_boot": 100, "seed": 0},
               "mean_coverage": 1.0}},
           "reproducibility": {"command": None, "environment": {"python": "3.11", "platform": "x", "packages": {},
                                                                "ffmpeg": None},
                               "settings": {"metrics": ["psnr"], "weights_dir": None, "params": {}},
                               "statistics": {"confidence": 0.95, "bootstrap_resamples": 100, "bootstrap_seed": 0},
                               "conventions": {"psnr": {}}, "input_sha256": {"v": {"pred": "00"}}}}
    results = Results.from_json(old)
    psnr = results.metrics["psnr"]
    assert psnr.headline == 30.5 and psnr.weights == () and not psnr.conventions_differ and math.isnan(psnr.summary.std)
    assert results.reproducibility.engine is None and results.reproducibility.settings.chunk == 32
    assert report.not_computed(results) == {} and report.not_computed(old) == {}
    written = results.to_json()   # written in today's form: the missing keys with their defaults
    assert written["metrics"]["psnr"]["weights"] == [] and written["reproducibility"]["engine"] is None
    assert Results.from_json(written).to_json() == written
