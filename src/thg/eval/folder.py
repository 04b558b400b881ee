"""``evaluate_folder``: the Python twin of ``thg eval`` — match, evaluate, aggregate, report.

It sits above the runner (per-video jobs) and the report (aggregation and documents), so neither
of those imports the other's caller.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from thg.eval import report, stats
from thg.eval.registry import check_param_table
from thg.eval.results import Results
from thg.eval.runner import RunSettings, match_inputs, run_jobs
from thg.eval.video import resolve_metric_names


def evaluate_folder(pred: str | os.PathLike, output: str | os.PathLike, *, ref: str | os.PathLike | None = None,
                    audio: str | os.PathLike | None = None, source: str | os.PathLike | None = None,
                    metrics: str | Sequence[str] = "suite", weights_dir: str | os.PathLike | None = None,
                    params: dict[str, dict] | None = None, workers: int = 1, resume: bool = True,
                    skip_unmatched: bool = False, metadata: str | os.PathLike | None = None,
                    method: str | None = None, seed: int = 0, n_boot: int = 10_000,
                    progress: Callable[[str, dict], None] | None = None) -> Results:
    """The Python twin of ``thg eval``: evaluate, aggregate, write the report; return the results
    (:class:`thg.eval.results.Results`; ``.to_json()`` is the content of results.json).

    >>> results = evaluate_folder("out/ours", "eval/ours", ref="data/test", metrics=["psnr", "ssim"])
    >>> results.metrics["ssim"].summary.median
    """
    tokens = tuple(m.strip().lower() for m in (metrics.split(",") if isinstance(metrics, str) else metrics)
                   if m.strip())
    names, _ = resolve_metric_names(list(tokens))  # a misspelt name fails here, once, with "did you mean"
    params = check_param_table(params, names)      # so does an unknown or bad parameter
    meta = stats.load_metadata(metadata) if metadata else None
    matching = match_inputs(pred, ref=ref, audio=audio, source=source, skip_unmatched=skip_unmatched)
    settings = RunSettings(metrics=tokens, weights_dir=None if weights_dir is None else str(weights_dir),
                           params=params or None)
    records = run_jobs(matching.jobs, output, settings, workers=workers, resume=resume, progress=progress)
    results = report.build_results(
        output, records, settings=settings, metadata=meta, seed=seed, n_boot=n_boot, method=method,
        matching={"unmatched_pred": matching.unmatched_pred, "unused_ref": matching.unused_ref,
                  "missing_audio": matching.missing_audio, "missing_source": matching.missing_source})
    report.write_report(output, results, title=f"thg evaluation: {method}" if method else "thg evaluation")
    return results


__all__ = ["evaluate_folder"]
