"""Honest statistics over per-video metric values.

Survey section 3.4 asks for per-video values aggregated with medians and interquartile ranges (and
means where appropriate), confidence intervals, paired comparisons of methods on the same clips and
per-condition breakdowns (gender, age, lighting, language). Everything here ignores NaN values
(videos where a metric could not run) and says how many it ignored.

- :func:`summarize` -> :class:`Summary`: n, mean, std (ddof 1), median, Q1/Q3/IQR (linear
  interpolation, numpy's default), min/max and percentile-bootstrap 95% CIs of mean and median.
- :func:`bootstrap_ci`: percentile bootstrap with a fixed seed (numpy PCG64), vectorised.
- :func:`paired_comparison` -> :class:`PairedComparison`: Wilcoxon signed-rank test (scipy, zero
  differences dropped as in Wilcoxon's original method, two-sided) and the matched-pairs
  rank-biserial correlation r = (R+ - R-) / (R+ + R-) (Kerby 2014) as its effect size.
- :func:`load_metadata` / :func:`breakdown`: per-condition summaries from a metadata CSV.

:class:`Summary` and :class:`PairedComparison` are defined with the other result types in
:mod:`thg.eval.results` and re-exported here.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from thg.errors import InputError
from thg.eval.results import NO_INTERVAL, Interval, PairedComparison, Summary

DEFAULT_BOOTSTRAP = 10_000
DEFAULT_SEED = 0


def _clean(values: Iterable[float]) -> tuple[np.ndarray, int]:
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.float64).ravel()
    finite = np.isfinite(arr)
    return arr[finite], int((~finite).sum())


def bootstrap_ci(values: Iterable[float], statistic: Callable[..., np.ndarray] = np.mean, *,
                 confidence: float = 0.95, n_boot: int = DEFAULT_BOOTSTRAP,
                 seed: int = DEFAULT_SEED) -> Interval:
    """Percentile-bootstrap confidence interval of ``statistic`` (which must take ``axis=``).

    Resamples the finite values with replacement ``n_boot`` times using ``numpy.random.default_rng(seed)``;
    the interval is the (1-confidence)/2 and (1+confidence)/2 quantiles of the resampled statistic.
    Fewer than two values give (nan, nan).
    """
    if not 0 < confidence < 1:
        raise InputError(f"confidence {confidence} must lie strictly between 0 and 1, e.g. 0.95")
    arr, _ = _clean(values)
    if arr.size < 2:
        return NO_INTERVAL
    rng = np.random.default_rng(seed)
    stats = np.empty(n_boot)
    block = max(1, 2_000_000 // arr.size)  # bounded memory for long inputs
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        idx = rng.integers(0, arr.size, size=(stop - start, arr.size))
        stats[start:stop] = statistic(arr[idx], axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return Interval(float(low), float(high))


def summarize(values: Iterable[float], *, confidence: float = 0.95, n_boot: int = DEFAULT_BOOTSTRAP,
              seed: int = DEFAULT_SEED) -> Summary:
    """Median/IQR, mean/std and bootstrap CIs of the finite values."""
    arr, missing = _clean(values)
    nan = math.nan
    if arr.size == 0:
        return Summary(0, missing, nan, nan, nan, nan, nan, nan, nan, nan, NO_INTERVAL, NO_INTERVAL,
                       confidence, n_boot, seed)
    q1, med, q3 = (float(v) for v in np.quantile(arr, [0.25, 0.5, 0.75]))
    return Summary(
        n=int(arr.size), n_missing=missing, mean=float(arr.mean()),
        std=float(arr.std(ddof=1)) if arr.size > 1 else nan,
        median=med, q1=q1, q3=q3, iqr=q3 - q1, min=float(arr.min()), max=float(arr.max()),
        mean_ci=bootstrap_ci(arr, np.mean, confidence=confidence, n_boot=n_boot, seed=seed),
        median_ci=bootstrap_ci(arr, np.median, confidence=confidence, n_boot=n_boot, seed=seed),
        confidence=confidence, n_boot=n_boot, seed=seed)


def rank_biserial(diff: Iterable[float]) -> float:
    """Matched-pairs rank-biserial correlation of paired differences: (R+ - R-) / (R+ + R-).

    Zero differences are dropped; ties share their average rank. +1: every pair favours the first
    sample; -1: every pair favours the second; nan when no pair differs.
    """
    from scipy.stats import rankdata

    d, _ = _clean(diff)
    d = d[d != 0]
    if d.size == 0:
        return math.nan
    ranks = rankdata(np.abs(d))
    r_plus, r_minus = ranks[d > 0].sum(), ranks[d < 0].sum()
    return float((r_plus - r_minus) / (r_plus + r_minus))


def paired_comparison(a: Mapping[str, float] | Iterable[float], b: Mapping[str, float] | Iterable[float], *,
                      metric: str = "", higher_is_better: bool = True, alpha: float = 0.05,
                      n_boot: int = DEFAULT_BOOTSTRAP, seed: int = DEFAULT_SEED) -> PairedComparison:
    """Compare two methods on the same clips with the Wilcoxon signed-rank test.

    ``a`` and ``b`` are either equal-length sequences (paired by position) or mappings video -> value
    (paired by video name; only names in both count).
    """
    from scipy.stats import wilcoxon

    if isinstance(a, Mapping) != isinstance(b, Mapping):
        raise InputError("paired_comparison: give both methods as mappings video -> value or both as sequences")
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        common = sorted(set(a) & set(b))
        if not common:
            raise InputError(f"{metric or 'metric'}: the two methods share no video names; "
                             f"a paired comparison needs the same clips for both")
        xa = np.array([a[k] for k in common], dtype=np.float64)
        xb = np.array([b[k] for k in common], dtype=np.float64)
    else:
        xa, xb = np.asarray(list(a), dtype=np.float64), np.asarray(list(b), dtype=np.float64)
        if xa.shape != xb.shape:
            raise InputError(f"{metric or 'metric'}: {xa.size} values for method A but {xb.size} for B; "
                             f"a paired comparison needs one value per clip for both")
    keep = np.isfinite(xa) & np.isfinite(xb)
    xa, xb = xa[keep], xb[keep]
    d = xa - xb
    nonzero = int((d != 0).sum())
    nan = math.nan
    if nonzero == 0:
        stat, p = nan, nan
    else:
        res = wilcoxon(xa, xb, zero_method="wilcox", alternative="two-sided")
        stat, p = float(res.statistic), float(res.pvalue)
    r = rank_biserial(d)
    min_p, note = wilcoxon_floor(nonzero, alpha)
    if math.isnan(p) or p >= alpha:
        better = "none"
    else:
        a_higher = r > 0
        better = "a" if a_higher == higher_is_better else "b"
    return PairedComparison(
        metric=metric, n_pairs=int(d.size), n_ties=int(d.size - nonzero),
        median_a=float(np.median(xa)) if xa.size else nan, median_b=float(np.median(xb)) if xb.size else nan,
        median_diff=float(np.median(d)) if d.size else nan, mean_diff=float(d.mean()) if d.size else nan,
        diff_ci=bootstrap_ci(d, np.median, n_boot=n_boot, seed=seed),
        statistic=stat, p_value=p, effect_size=r, better=better, alpha=alpha, higher_is_better=higher_is_better,
        min_p=min_p, note=note)


def wilcoxon_floor(n: int, alpha: float) -> tuple[float, str]:
    """The smallest two-sided p the exact signed-rank test can give on ``n`` non-zero pairs (every
    difference on one side: 2 / 2^n), and a note when it cannot fall below ``alpha``."""
    if n == 0:
        return math.nan, "no pair differs: nothing to test"
    floor = min(1.0, 2.0 / 2.0 ** n)
    if floor < alpha:
        return floor, ""
    need = next(k for k in range(n, 64) if 2.0 / 2.0 ** k < alpha)
    return floor, (f"{n} differing pair{'s' * (n != 1)}: the smallest possible p is {floor:.3g} ≥ α = {alpha:g}, "
                   f"so no difference can be significant; compare on at least {need} clips")


def _video_name(text: str) -> str:
    """A video's name as the runner keys it: its relative path, without a video file extension."""
    from thg.eval.records import VIDEO_SUFFIXES

    path = Path(text.replace("\\", "/"))
    return (path.with_suffix("") if path.suffix.lower() in VIDEO_SUFFIXES + (".flv", ".mpg") else path).as_posix()


def load_metadata(path: str | os.PathLike, *, key: str = "video") -> dict[str, dict[str, str]]:
    """Read a metadata CSV (one row per video; the ``key`` column names the video as the runner does:
    its path relative to the PRED folder, with or without the extension). An index written by
    ``thg eval index`` works as is when PRED mirrors the dataset's layout.

    Other columns are conditions such as gender, age, lighting, language.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: metadata CSV not found; check the path")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        if key not in columns:
            raise InputError(f"{path}: no {key!r} column (found {', '.join(columns) or 'none'}); "
                             f"add a column {key!r} holding each video's name")
        rows: dict[str, dict[str, str]] = {}
        for row in reader:
            name = _video_name((row.get(key) or "").strip())
            if name:
                rows[name] = {c: (row.get(c) or "").strip() for c in columns if c != key}
    return rows


def _bin_numeric(labels: dict[str, str], max_groups: int) -> dict[str, str]:
    """A numeric column with more than ``max_groups`` distinct values (e.g. age) -> 4 quantile bins."""
    known = {v: lab for v, lab in labels.items() if lab != "(unknown)"}
    try:
        numbers = {v: float(lab) for v, lab in known.items()}
    except ValueError:
        return labels
    if len(set(numbers.values())) <= max_groups:
        return labels
    edges = np.unique(np.quantile(list(numbers.values()), [0, 0.25, 0.5, 0.75, 1.0]))
    out = dict(labels)
    for video, x in numbers.items():
        k = min(int(np.searchsorted(edges, x, side="right")) - 1, len(edges) - 2)
        lo, hi = edges[k], edges[k + 1]
        out[video] = f"{lo:g}–{hi:g}" + ("" if k == len(edges) - 2 else " (excl.)")
    return out


def breakdown(values: Mapping[str, float], metadata: Mapping[str, Mapping[str, str]], by: str, *,
              confidence: float = 0.95, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = DEFAULT_SEED,
              max_groups: int = 6) -> dict[str, Summary]:
    """Summaries of per-video ``values`` grouped by the metadata column ``by``.

    Videos without a metadata row or with an empty cell go to the group ``"(unknown)"``. A numeric
    column with more than ``max_groups`` distinct values (such as age) is cut into quartile bins
    labelled "low–high" (upper edge excluded except in the last bin).
    """
    if metadata and not any(by in row for row in metadata.values()):
        found = sorted({c for row in metadata.values() for c in row})
        raise InputError(f"metadata has no column {by!r} (found {', '.join(found)}); choose one of those")
    labels = {video: (metadata.get(video) or {}).get(by) or "(unknown)" for video in values}
    labels = _bin_numeric(labels, max_groups)
    groups: dict[str, list[float]] = {}
    for video, value in values.items():
        groups.setdefault(labels[video], []).append(value)
    def order(label: str) -> tuple:
        head = label.split("–")[0]
        try:
            return (0, float(head), label)
        except ValueError:
            return (1, 0.0, label)

    return {label: summarize(groups[label], confidence=confidence, n_boot=n_boot, seed=seed)
            for label in sorted(groups, key=order)}


__all__ = ["Summary", "PairedComparison", "summarize", "bootstrap_ci", "rank_biserial", "paired_comparison",
           "load_metadata", "breakdown"]
