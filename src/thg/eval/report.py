"""Turn a run's per-video records into results.json, a per-video CSV and an HTML/Markdown report.

The report follows the reporting template of survey section 3.4: per-video values aggregated with
median and IQR (and mean/std), bootstrap 95% confidence intervals, per-condition breakdowns,
plots (distribution of each metric, a radar of the five metric families, method against method)
and a reproducibility block (package versions, each metric's convention and parameters, seeds and
the SHA-256 of every input file).

Radar normalisation (stated in the report): a metric with a bounded score range maps its median
linearly onto [0, 1] (flipped when lower is better; a lower-is-better range symmetric about 0, such
as an AV offset, scores 1 - |median| / max); an unbounded metric is placed only when two or
more methods are compared (min-max over the methods' medians), otherwise it is left out of the radar.
A family's score is the mean over its placed metrics.

The results are typed (:mod:`thg.eval.results`): :func:`build_results` returns a :class:`Results`,
which every function here reads by attribute; functions that take results also accept the plain
dict of a results.json (converted with :meth:`Results.from_json`).
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import json
import math
import os
import platform
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from thg.errors import InputError
from thg.eval import stats
from thg.eval.base import FAMILIES
from thg.eval.records import as_float, jsonable
from thg.eval.results import (SCHEMA, Comparison, Environment, MetricResults, Reproducibility, Results, RunSettings,
                              Statistics, VideoRecord)
from thg.eval.runner import load_pooled

ResultsLike = Results | Mapping[str, Any]   # a Results, or the dict of a results.json
PACKAGES = ("thg", "numpy", "scipy", "opencv-contrib-python", "mediapipe", "scikit-image", "torch",
            "imageio-ffmpeg", "matplotlib")


def environment() -> dict:
    """Versions of Python, the packages that make the numbers, and the ffmpeg binary."""
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    if versions["thg"] is None:
        from thg import __version__

        versions["thg"] = __version__
    ffmpeg = None
    try:
        from thg.io.video import ffmpeg_exe

        out = subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True, timeout=20).stdout
        ffmpeg = out.splitlines()[0] if out else None
    except Exception:  # the version line is informative only
        pass
    return {"python": sys.version.split()[0], "platform": platform.platform(), "packages": versions,
            "ffmpeg": ffmpeg}


def _info_dict(name: str) -> dict:
    """The registry's description of a metric, as :class:`MetricResults` fields (JSON values)."""
    from thg.eval.registry import metric_info

    info = metric_info(name)
    lo, hi = jsonable(list(info.score_range))   # an unbounded side (inf) is None, as in the file
    return {"family": info.family, "higher_is_better": info.higher_is_better, "scope": info.scope,
            "needs": tuple(sorted(info.needs)), "score_range": (lo, hi), "description": info.description,
            "weights": tuple(info.weights)}


def _pool_set_metric(name: str, pool) -> tuple[float, dict, list[str]]:
    """The set value of a set-level metric from the run's pooled state."""
    metric = pool.metrics.get(name)
    if metric is None:
        return math.nan, {}, ["no video handed over its state; the set value could not be computed"]
    res = metric.compute()
    return float(res.value), jsonable(res.convention), list(res.notes) + [f"pooled over {len(pool.videos)} videos"]


def _number(v) -> float:
    """A value as results.json keeps it: a float, nan where it is not finite (null in the file)."""
    x = as_float(v)
    return x if math.isfinite(x) else math.nan


def build_results(out_dir: str | os.PathLike, records: Mapping[str, dict], *, settings: Mapping | RunSettings,
                  matching: Mapping | None = None, metadata: Mapping[str, Mapping[str, str]] | None = None,
                  confidence: float = 0.95, n_boot: int = stats.DEFAULT_BOOTSTRAP, seed: int = stats.DEFAULT_SEED,
                  command: str | None = None, method: str | None = None, engine: Mapping | None = None) -> Results:
    """The machine-readable results: per metric its per-video values, aggregates and convention.

    ``records`` are the runner's per-video records; ``settings`` the run's (:class:`RunSettings` or
    its dict, as in run.json). ``engine`` (:meth:`thg.parallel.Engine.describe`) says what ran the
    videos; it, ``created``, ``command`` and each video's ``seconds`` are the only values that
    differ between two runs of the same videos and settings on different engines.
    ``.to_json()`` of the returned :class:`Results` is the content of results.json."""
    out_dir = Path(out_dir)
    run_settings = settings if isinstance(settings, RunSettings) else RunSettings.from_json(settings)
    ok = [r for r in records.values() if r.get("status") == "ok"]
    names: list[str] = []
    for rec in ok:
        names += [m for m in rec.get("metrics", {}) if m not in names]
    metrics: dict[str, MetricResults] = {}
    pool = None
    for name in names:
        info = _info_dict(name)
        per_video = {r["video"]: _number(r["metrics"][name]["value"]) for r in ok if name in r["metrics"]}
        coverage = {r["video"]: _number(r["metrics"][name].get("coverage")) for r in ok if name in r["metrics"]}
        notes = {r["video"]: tuple(r["metrics"][name]["notes"]) for r in ok
                 if name in r["metrics"] and r["metrics"][name].get("notes")}
        conventions: list[dict] = []
        for r in ok:
            conv = r["metrics"].get(name, {}).get("convention")
            if conv is not None and conv not in conventions:
                conventions.append(conv)
        set_value = math.nan   # these three for set-level metrics only
        set_convention: dict = {}
        set_notes: list[str] = []
        if info["scope"] == "set":
            if pool is None:
                pool = load_pooled(out_dir, run_settings)
            set_value, set_convention, set_notes = _pool_set_metric(name, pool)
            set_value = _number(set_value)
        breakdowns = None
        if metadata:
            columns = sorted({c for row in metadata.values() for c in row})
            breakdowns = {c: stats.breakdown(per_video, metadata, c, confidence=confidence, n_boot=n_boot, seed=seed)
                          for c in columns}
        metrics[name] = MetricResults(
            **info, per_video=per_video, coverage=coverage, notes=notes,
            convention=conventions[0] if conventions else {}, conventions_differ=len(conventions) > 1,
            summary=stats.summarize(per_video.values(), confidence=confidence, n_boot=n_boot, seed=seed),
            mean_coverage=float(np.nanmean(list(coverage.values()))) if coverage else math.nan,
            conventions=tuple(conventions) if len(conventions) > 1 else None,
            set_value=set_value, set_convention=set_convention, set_notes=tuple(set_notes), breakdowns=breakdowns)
    videos = {r["video"]: VideoRecord(**{k: r[k] for k in ("pred", "ref", "audio", "source", "status", "error",
                                                            "seconds") if r.get(k) is not None})
              for r in records.values()}
    return Results(
        method=method,
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        n_videos=len(records), n_ok=len(ok),
        videos=videos,
        failed={r["video"]: r.get("error") for r in records.values() if r.get("status") != "ok"},
        matching=jsonable(dict(matching or {})),
        metrics=metrics,
        reproducibility=Reproducibility(
            command=command,
            engine=jsonable(dict(engine)) if engine else None,
            environment=Environment.from_json(environment()),
            settings=run_settings,
            statistics=Statistics(confidence=confidence, bootstrap_resamples=n_boot, bootstrap_seed=seed),
            conventions={n: m.convention for n, m in metrics.items()},
            input_sha256={r["video"]: r.get("hashes", {}) for r in records.values()},
        ),
    )


def load_results(path: str | os.PathLike) -> Results:
    """Read a results.json (or the results.json in a folder) written by `thg eval`."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    if not path.is_file():
        raise InputError(f"{path}: results file not found; give a results.json written by `thg eval`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}); give a results.json from `thg eval`")
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        schema = data.get("schema") if isinstance(data, dict) else None
        raise InputError(f"{path}: not a `thg eval` results file (schema {schema!r}, want {SCHEMA!r})")
    return Results.from_json(data)


def write_json(path: Path, data) -> None:
    """Write ``data`` (a dict, or a typed result with ``to_json``) as strict JSON (NaN as null)."""
    from thg.io.output import write_text

    if hasattr(data, "to_json"):
        data = data.to_json()
    write_text(path, json.dumps(jsonable(data), indent=2, allow_nan=False), overwrite=True)


def write_csv(path: Path, results: ResultsLike) -> None:
    """One row per video: its inputs, status, then each metric's value and coverage."""
    results = Results.coerce(results)
    metrics = list(results.metrics)
    header = ["video", "status", "pred", "ref"] + [c for m in metrics for c in (m, f"{m}:coverage")] + ["error"]
    from thg.io.output import atomic_output

    def cell(v: float | None) -> str:
        return "" if v is None or not math.isfinite(v) else repr(float(v))

    with atomic_output(path, overwrite=True) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for video, info in results.videos.items():
            row = [video, info.status, info.pred or "", info.ref or ""]
            for m in metrics:
                row += [cell(results.metrics[m].per_video.get(video)), cell(results.metrics[m].coverage.get(video))]
            w.writerow(row + [info.error or ""])


def write_per_frame_csv(out_dir: str | os.PathLike, records: Mapping[str, dict]) -> Path:
    """Long table of every per-frame value: video, metric, frame, value (empty = not computable)."""
    from thg.eval.runner import load_arrays
    from thg.io.output import atomic_output

    path = Path(out_dir) / "per_frame.csv"
    with atomic_output(path, overwrite=True) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["video", "metric", "frame", "value"])
        for video, rec in records.items():
            if rec.get("status") != "ok":
                continue
            for key, arr in load_arrays(out_dir, rec).items():
                if key.endswith("/per_frame"):
                    metric = key[: -len("/per_frame")]
                    for i, v in enumerate(np.asarray(arr, dtype=np.float64).ravel()):
                        w.writerow([video, metric, i, repr(float(v)) if math.isfinite(v) else ""])
    return path


# --------------------------------------------------------------------------- plots

def _goodness(median: float, entry: MetricResults) -> float:
    lo, hi = (as_float(v) for v in entry.score_range)
    if median is None or not math.isfinite(median) or not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return math.nan
    if lo == -hi and not entry.higher_is_better:  # a signed error (e.g. an AV offset): best at 0
        return 1.0 - min(1.0, abs(median) / hi)
    g = min(1.0, max(0.0, (median - lo) / (hi - lo)))
    return g if entry.higher_is_better else 1.0 - g


def _metrics_of(res: ResultsLike | Mapping[str, MetricResults]) -> Mapping[str, MetricResults]:
    if isinstance(res, Results):
        return res.metrics
    if all(isinstance(v, MetricResults) for v in res.values()):
        return res   # already name -> MetricResults
    return Results.coerce(res).metrics   # the dict of a results.json


def family_scores(methods: Mapping[str, ResultsLike | Mapping[str, MetricResults]]
                  ) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Per method, each family's score in [0, 1] (nan: no metric could be placed); and the metrics left out.

    ``methods``: label -> that method's :class:`Results` (or its metrics, name -> :class:`MetricResults`)."""
    per_method = {k: _metrics_of(res) for k, res in methods.items()}
    names = sorted({m for metrics in per_method.values() for m in metrics})
    per_metric: dict[str, dict[str, float]] = {}
    left_out = []
    for name in names:
        entries = {k: metrics[name] for k, metrics in per_method.items() if name in metrics}
        medians = {k: e.headline for k, e in entries.items()}
        any_entry = next(iter(entries.values()))
        g = {k: _goodness(v, any_entry) for k, v in medians.items()}
        if all(math.isnan(v) for v in g.values()):
            finite = {k: v for k, v in medians.items() if math.isfinite(v)}
            if len(finite) >= 2:
                lo, hi = min(finite.values()), max(finite.values())
                g = {k: (0.5 if hi == lo else (v - lo) / (hi - lo)) for k, v in finite.items()}
                if not any_entry.higher_is_better:
                    g = {k: 1.0 - v for k, v in g.items()}
            else:
                left_out.append(name)
                continue
        per_metric[name] = g
    scores: dict[str, dict[str, float]] = {}
    for method, metrics in per_method.items():
        fam = {}
        for family in FAMILIES:
            vals = [per_metric[n][method] for n in per_metric
                    if n in metrics and metrics[n].family == family and math.isfinite(per_metric[n].get(method, math.nan))]
            fam[family] = float(np.mean(vals)) if vals else math.nan
        scores[method] = fam
    return scores, left_out


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_distribution(path: Path, name: str, entry: MetricResults) -> None:
    plt = _plt()
    values = np.array(list(entry.per_video.values()), dtype=float)
    values = values[np.isfinite(values)]
    fig, ax = plt.subplots(figsize=(4.0, 3.2), dpi=100)
    if values.size:
        ax.boxplot(values, vert=True, widths=0.5, showmeans=True)
        jitter = np.random.default_rng(0).uniform(-0.12, 0.12, values.size)
        ax.scatter(1 + jitter, values, s=14, alpha=0.7, color="tab:blue", zorder=3)
    else:
        ax.text(0.5, 0.5, "no finite values", ha="center", va="center", transform=ax.transAxes)
    arrow = "↑ higher is better" if entry.higher_is_better else "↓ lower is better"
    ax.set_title(f"{name} ({entry.family}), n={values.size}", fontsize=9)
    ax.set_ylabel(arrow, fontsize=8)
    ax.set_xticks([])
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_radar(path: Path, scores: Mapping[str, Mapping[str, float]]) -> None:
    plt = _plt()
    angles = np.linspace(0, 2 * np.pi, len(FAMILIES), endpoint=False)
    fig = plt.figure(figsize=(4.6, 4.6), dpi=100)
    ax = fig.add_subplot(projection="polar")
    for method, fam in scores.items():
        vals = np.array([fam.get(f, math.nan) for f in FAMILIES], dtype=float)
        closed = np.append(vals, vals[0])
        # a family without a placeable metric is a gap in the line, not a zero
        ax.plot(np.append(angles, angles[0]), closed, marker="o", label=method)
        if np.isfinite(vals).all():
            ax.fill(np.append(angles, angles[0]), closed, alpha=0.15)
    labels = [f + ("\n(no metric)" if all(math.isnan(s.get(f, math.nan)) for s in scores.values()) else "")
              for f in FAMILIES]
    ax.set_xticks(angles)
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0])
    ax.tick_params(axis="y", labelsize=7)
    if len(scores) > 1:
        ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), fontsize=8)
    ax.set_title("metric families (1 = best)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_method_vs_method(path: Path, name: str, a: Mapping[str, float], b: Mapping[str, float],
                          label_a: str, label_b: str, higher_is_better: bool) -> None:
    plt = _plt()
    common = sorted(set(a) & set(b))
    xa = np.array([as_float(a[k]) for k in common], dtype=float)
    xb = np.array([as_float(b[k]) for k in common], dtype=float)
    keep = np.isfinite(xa) & np.isfinite(xb)
    fig, ax = plt.subplots(figsize=(4.0, 4.0), dpi=100)
    ax.scatter(xb[keep], xa[keep], s=16, alpha=0.8)
    if keep.any():
        lo, hi = float(min(xa[keep].min(), xb[keep].min())), float(max(xa[keep].max(), xb[keep].max()))
        pad = (hi - lo) * 0.05 or 1.0
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="grey", lw=1, ls="--")
    better = label_a if higher_is_better else label_b
    ax.set_xlabel(label_b, fontsize=8)
    ax.set_ylabel(label_a, fontsize=8)
    ax.set_title(f"{name}: points above the diagonal favour {better}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------- documents

def _fmt(v, digits: int = 4) -> str:
    v = as_float(v)
    if not math.isfinite(v):
        return "n/a"
    return f"{v:.{digits}g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.3e}"


def _reason(note: str) -> str:
    """A note without the metric's name, so that metrics missing the same input share one line."""
    return re.sub(r"^metric '[^']+' ", "", note)


def not_computed(results: ResultsLike) -> dict[str, list[str]]:
    """Metrics without a value on any video, grouped by why: {reason: [metric names]}."""
    groups: dict[str, list[str]] = {}
    for name, e in Results.coerce(results).metrics.items():
        if e.computed:
            continue
        notes = e.all_notes()
        groups.setdefault(_reason(notes[0]) if notes else "no value on any video", []).append(name)
    return groups


def _summary_rows(results: Results) -> list[list[str]]:
    rows = []
    for name, e in results.metrics.items():
        if not e.computed:
            continue  # listed once, by reason, under "Not computed"
        s = e.summary
        arrow = "↑" if e.higher_is_better else "↓"
        value = _fmt(e.set_value) + " (set)" if e.is_set else _fmt(s.median)
        rows.append([f"{name} {arrow}", e.family, value, f"{_fmt(s.q1)}–{_fmt(s.q3)}",
                     f"{_fmt(s.mean)} ± {_fmt(s.std)}",
                     f"[{_fmt(s.mean_ci.low)}, {_fmt(s.mean_ci.high)}]", f"{s.n}/{s.n + s.n_missing}",
                     _fmt(e.mean_coverage, 3)])
    return rows


SUMMARY_HEADER = ["metric", "family", "median", "IQR (Q1–Q3)", "mean ± std", "95% CI of mean", "videos", "coverage"]


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    esc = [[str(c).replace("|", "\\|") for c in r] for r in rows]
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(r) + " |" for r in esc])


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _sections(results: Results, plots: Mapping[str, str], left_out: Sequence[str],
              comparisons: Sequence[Comparison] = ()) -> list[tuple[str, str, object]]:
    """The report as (kind, title, payload) parts, rendered to both Markdown and HTML."""
    parts: list[tuple[str, str, object]] = []
    n_ok, n = results.n_ok, results.n_videos
    repro = results.reproducibility
    parts.append(("p", "", f"{n_ok} of {n} videos evaluated. Values are per video; the table gives the median "
                           f"and IQR (survey section 3.4), mean ± std and a percentile-bootstrap 95% CI "
                           f"({repro.statistics.bootstrap_resamples} resamples, "
                           f"seed {repro.statistics.bootstrap_seed}). "
                           f"Coverage is the mean fraction of frames a metric could use (e.g. with a face)."))
    parts.append(("table", "Summary", (SUMMARY_HEADER, _summary_rows(results))))
    missing = not_computed(results)
    if missing:
        parts.append(("list", "Not computed", [f"{', '.join(names)}: {reason}" for reason, names in missing.items()]))
    note_rows = []
    for name, e in results.metrics.items():
        if not e.computed:
            continue
        counts: dict[str, int] = {}
        for video_notes in e.notes.values():
            for note in video_notes:
                counts[note] = counts.get(note, 0) + 1
        note_rows += [[name, f"{k} video{'s' * (k != 1)}", note] for note, k in counts.items()]
        note_rows += [[name, "set", note] for note in e.set_notes]
    if note_rows:
        parts.append(("table", "Notes (why a value is missing or qualified)", (["metric", "where", "note"], note_rows)))
    if results.failed:
        parts.append(("table", "Videos that failed", (["video", "error"], [[k, v] for k, v in results.failed.items()])))
    lines = [f"{k.replace('_', ' ')}: {', '.join(v)}" for k, v in results.matching.items() if v]
    if lines:
        parts.append(("list", "Input matching", lines))
    for comp in comparisons:
        rows = [[c.metric, str(c.n_pairs), _fmt(c.median_a), _fmt(c.median_b), _fmt(c.median_diff),
                 _fmt(c.p_value, 3), _fmt(c.effect_size, 3), c.better] for c in comp.metrics]
        parts.append(("table", f"Paired comparison: A = {comp.a}, B = {comp.b}",
                      (["metric", "pairs", "median A", "median B", "median A−B", "Wilcoxon p", "rank-biserial r",
                        "better"], rows)))
        parts.append(("p", "", "Wilcoxon signed-rank test, two-sided, zero differences dropped; effect size is the "
                               "matched-pairs rank-biserial correlation (+1: every clip favours higher values in A)."))
        caveats = list(dict.fromkeys(f"{c.metric}: {c.note}" for c in comp.metrics if c.note))
        if caveats:
            parts.append(("list", "Too few pairs for significance", caveats))
    if "radar" in plots:
        note = "Radar: bounded metrics map their median linearly to [0, 1] (flipped when lower is better; " \
               "signed offsets score 1 - |median|/max); unbounded ones are placed only when methods are " \
               "compared (min-max over methods). A family without a placed metric is a gap."
        if left_out:
            note += f" Left out here: {', '.join(left_out)}."
        parts.append(("img", "Metric families", (plots["radar"], note)))
    for key, rel in plots.items():
        if key.startswith("dist:"):
            parts.append(("img", f"Distribution of {key[5:]}", (rel, "")))
    for key, rel in plots.items():
        if key.startswith("vs:"):
            parts.append(("img", f"Method vs method: {key[3:]}", (rel, "")))
    for name, e in results.metrics.items():
        for column, groups in (e.breakdowns or {}).items():
            rows = [[g, str(s.n), _fmt(s.median), f"{_fmt(s.q1)}–{_fmt(s.q3)}", _fmt(s.mean)]
                    for g, s in groups.items()]
            parts.append(("table", f"{name} by {column}", (["group", "n", "median", "IQR", "mean"], rows)))
    env = repro.environment
    lines = [f"command: {repro.command or '(Python API)'}", f"python {env.python} on {env.platform}",
             "packages: " + ", ".join(f"{k} {v}" for k, v in env.packages.items() if v),
             f"ffmpeg: {env.ffmpeg}",
             "settings: " + json.dumps(repro.settings.to_json(), sort_keys=True),
             "statistics: " + json.dumps(repro.statistics.to_json(), sort_keys=True)]
    parts.append(("list", "Reproducibility", lines))
    conv_rows = [[n, json.dumps(c, sort_keys=True)] for n, c in repro.conventions.items()]
    parts.append(("table", "Conventions and parameters", (["metric", "convention"], conv_rows)))
    hash_rows = [[v, k, h] for v, hs in repro.input_sha256.items() for k, h in hs.items()]
    parts.append(("table", "Input files (SHA-256)", (["video", "input", "sha256"], hash_rows)))
    return parts


def render_markdown(title: str, parts) -> str:
    out = [f"# {title}", ""]
    for kind, heading, payload in parts:
        if heading:
            out += [f"## {heading}", ""]
        if kind == "p":
            out += [payload, ""]
        elif kind == "table":
            out += [_md_table(*payload), ""]
        elif kind == "list":
            out += [f"- {line}" for line in payload] + [""]
        elif kind == "img":
            rel, note = payload
            out += [f"![{heading}]({rel})", ""] + ([note, ""] if note else [])
    return "\n".join(out)


def render_html(title: str, parts) -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for kind, heading, payload in parts:
        if heading:
            body.append(f"<h2>{html.escape(heading)}</h2>")
        if kind == "p":
            body.append(f"<p>{html.escape(payload)}</p>")
        elif kind == "table":
            body.append(_html_table(*payload))
        elif kind == "list":
            body.append("<ul>" + "".join(f"<li><code>{html.escape(line)}</code></li>" for line in payload) + "</ul>")
        elif kind == "img":
            rel, note = payload
            body.append(f'<figure><img src="{html.escape(rel)}" alt="{html.escape(heading)}">'
                        + (f"<figcaption>{html.escape(note)}</figcaption>" if note else "") + "</figure>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;"
             "font-size:13px;text-align:left}th{background:#f3f3f3}code{font-size:12px}img{max-width:480px}")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report(out_dir: str | os.PathLike, results: ResultsLike, *, title: str = "thg evaluation report",
                 comparisons: Sequence[Comparison | Mapping] = (),
                 others: Mapping[str, ResultsLike] | None = None) -> dict[str, Path]:
    """Write results.json, per_video.csv, plots/*.png, report.md and report.html into ``out_dir``.

    ``others``: further methods' results (label -> results) drawn on the radar and against this one.
    """
    res = Results.coerce(results)
    other_results = {k: Results.coerce(v) for k, v in (others or {}).items()}
    comps = [c if isinstance(c, Comparison) else Comparison.from_json(c) for c in comparisons]
    out_dir = Path(out_dir)
    plot_dir = out_dir / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "results.json", "csv": out_dir / "per_video.csv",
             "markdown": out_dir / "report.md", "html": out_dir / "report.html"}
    write_json(paths["json"], res)
    write_csv(paths["csv"], res)
    plots: dict[str, str] = {}
    label = res.method or "this run"
    methods: dict[str, Results] = {label: res, **other_results}
    scores, left_out = family_scores(methods)
    plot_radar(plot_dir / "radar.png", scores)
    plots["radar"] = "plots/radar.png"
    for name, entry in res.metrics.items():
        if entry.is_set or entry.summary.n == 0:
            continue  # nothing to draw; the notes table says why
        file = f"dist_{_safe(name)}.png"
        plot_distribution(plot_dir / file, name, entry)
        plots[f"dist:{name}"] = f"plots/{file}"
    for other_label, other in other_results.items():
        for name, entry in res.metrics.items():
            if entry.is_set or name not in other.metrics:
                continue
            file = f"vs_{_safe(other_label)}_{_safe(name)}.png"
            plot_method_vs_method(plot_dir / file, name, entry.per_video, other.metrics[name].per_video,
                                  label, other_label, entry.higher_is_better)
            plots[f"vs:{name} ({label} vs {other_label})"] = f"plots/{file}"
    parts = _sections(res, plots, left_out, comps)
    from thg.io.output import write_text

    write_text(paths["markdown"], render_markdown(title, parts), overwrite=True)
    write_text(paths["html"], render_html(title, parts), overwrite=True)
    paths.update({k: out_dir / v for k, v in plots.items()})
    return paths


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def compare_results(a: ResultsLike, b: ResultsLike, *, label_a: str = "A", label_b: str = "B", alpha: float = 0.05,
                    n_boot: int = stats.DEFAULT_BOOTSTRAP, seed: int = stats.DEFAULT_SEED) -> Comparison:
    """Paired Wilcoxon comparison, per shared per-video metric, of two results files on the same clips.

    ``.to_json()`` of the returned :class:`Comparison` is the content of comparison.json."""
    a, b = Results.coerce(a), Results.coerce(b)
    rows = []
    for name, ea in a.metrics.items():
        eb = b.metrics.get(name)
        if eb is None or ea.is_set:
            continue
        if not set(ea.per_video) & set(eb.per_video):
            continue
        rows.append(stats.paired_comparison(ea.per_video, eb.per_video, metric=name,
                                            higher_is_better=ea.higher_is_better, alpha=alpha, n_boot=n_boot,
                                            seed=seed))
    if not rows:
        raise InputError(f"{label_a} and {label_b} share no metric evaluated on the same video names; "
                         f"evaluate both methods on the same clips with the same metrics")
    return Comparison(a=label_a, b=label_b, alpha=alpha, metrics=tuple(rows))


def with_method(results: ResultsLike, method: str | None) -> Results:
    """The same results under another method name (e.g. a comparison's label)."""
    return replace(Results.coerce(results), method=method)


__all__ = ["build_results", "write_report", "write_per_frame_csv", "load_results", "compare_results", "family_scores",
           "environment", "not_computed", "with_method", "SCHEMA", "Results", "MetricResults", "Comparison"]
