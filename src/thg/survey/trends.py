"""Longitudinal trends (survey sections 2.3-2.4, figures 2-4): how many papers use each dataset
(by role) and each metric (by family) per year, and where newly proposed metrics fall.

Every count is a number of papers: a paper that reports PSNR in three tables counts once for PSNR
and once for the visual-quality family. Names not in :mod:`thg.survey.vocab` are counted under the
group "other" and listed by :func:`unknown_names`, so nothing is dropped silently.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thg.survey.corpus import Paper
from thg.survey.vocab import DATASET_GROUPS, METRIC_FAMILIES, lookup


@dataclass(frozen=True)
class Row:
    year: int
    name: str          # dataset or metric name; the group itself for family rows
    group: str         # DATASET_GROUPS / METRIC_FAMILIES key, or "other"
    role: str          # "train", "test", "used" for datasets; "" for metrics
    papers: int


def _canon(name: str, kind: str) -> tuple[str, str]:
    term = lookup(name, kind)
    return (term.name, term.group) if term else (name, "other")


def _dated(papers: list[Paper]) -> list[tuple[int, Paper]]:
    """The papers that have a year, each with it."""
    return [(p.year, p) for p in papers if p.year is not None]


def dataset_usage(papers: list[Paper]) -> list[Row]:
    """Papers per (year, dataset, role)."""
    counts: Counter[tuple[int, str, str, str]] = Counter()
    for year, p in _dated(papers):
        seen = set()
        for name, roles in p.datasets.items():
            canon, group = _canon(name, "dataset")
            for role in roles:
                seen.add((year, canon, group, role))
        counts.update(seen)
    return [Row(y, n, g, r, c) for (y, n, g, r), c in sorted(counts.items())]


def metric_usage(papers: list[Paper]) -> list[Row]:
    """Papers per (year, metric)."""
    counts: Counter[tuple[int, str, str]] = Counter()
    for year, p in _dated(papers):
        counts.update({(year, *_canon(m, "metric")) for m in p.metrics})
    return [Row(y, n, g, "", c) for (y, n, g), c in sorted(counts.items())]


def family_usage(papers: list[Paper]) -> list[Row]:
    """Papers per (year, metric family) that report at least one metric of the family."""
    counts: Counter[tuple[int, str]] = Counter()
    for year, p in _dated(papers):
        counts.update({(year, _canon(m, "metric")[1]) for m in p.metrics})
    return [Row(y, g, g, "", c) for (y, g), c in sorted(counts.items())]


def new_metric_usage(papers: list[Paper]) -> list[Row]:
    """Newly proposed metrics per (year, family); a family left empty by extraction is "other"."""
    counts: Counter[tuple[int, str]] = Counter()
    for year, p in _dated(papers):
        for nm in p.new_metrics:
            counts[(year, nm.get("family") or "other")] += 1
    return [Row(y, g, g, "", c) for (y, g), c in sorted(counts.items())]


def unknown_names(papers: list[Paper]) -> dict[str, list[str]]:
    """Dataset and metric names in the corpus that the vocabulary does not know."""
    out: dict[str, set[str]] = {"dataset": set(), "metric": set()}
    for p in papers:
        out["dataset"] |= {n for n in p.datasets if lookup(n, "dataset") is None}
        out["metric"] |= {n for n in p.metrics if lookup(n, "metric") is None}
    return {k: sorted(v) for k, v in out.items()}


def write_rows(rows: list[Row], path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["year", "name", "group", "role", "papers"])
        for r in rows:
            w.writerow([r.year, r.name, r.group, r.role, r.papers])


def _years(rows: list[Row]) -> list[int]:
    return list(range(min(r.year for r in rows), max(r.year for r in rows) + 1)) if rows else []


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_dataset_trends(rows: list[Row], path: str | Path, *, top: int = 5) -> None:
    """Figure 2: one panel per dataset group and role (train / test); a line per dataset, the
    ``top`` most used of each group."""
    plt = _plt()
    years = _years(rows)
    groups = [g for g in DATASET_GROUPS if any(r.group == g for r in rows)] + (
        ["other"] if any(r.group == "other" for r in rows) else [])
    groups = groups or list(DATASET_GROUPS)
    fig, axes = plt.subplots(2, len(groups), figsize=(3.6 * len(groups), 6), squeeze=False, sharex=True)
    for col, group in enumerate(groups):
        for row_i, role in enumerate(("train", "test")):
            ax = axes[row_i][col]
            sel = [r for r in rows if r.group == group and r.role == role]
            _plot_top_lines(ax, sel, years, top)
            ax.set_title(f"{DATASET_GROUPS.get(group, group)} - {role}", fontsize=9)
            if col == 0:
                ax.set_ylabel("papers")
            if sel:
                ax.legend(fontsize=7)
            ax.set_xticks(years)
    fig.suptitle("Dataset usage by year")
    fig.tight_layout()
    fig.savefig(str(path), dpi=110, format=Path(path).suffix.lstrip(".").lower() or "png")
    plt.close(fig)


def _plot_top_lines(ax, rows: list[Row], years: list[int], top: int) -> None:
    """One line of papers per year for each of the ``top`` most used names in ``rows``."""
    totals: Counter[str] = Counter()
    for r in rows:
        totals[r.name] += r.papers
    for name, _ in totals.most_common(top):
        per_year = {r.year: r.papers for r in rows if r.name == name}
        ax.plot(years, [per_year.get(y, 0) for y in years], marker="o", label=name)


def plot_metric_trends(rows: list[Row], path: str | Path, *, top: int = 5) -> None:
    """Figure 3: one panel per metric family, a line per metric (the ``top`` most used)."""
    plt = _plt()
    years = _years(rows)
    fams = list(METRIC_FAMILIES) + (["other"] if any(r.group == "other" for r in rows) else [])
    fig, axes = plt.subplots(1, len(fams), figsize=(3.4 * len(fams), 3.4), squeeze=False, sharey=True)
    for col, fam in enumerate(fams):
        ax = axes[0][col]
        sel = [r for r in rows if r.group == fam]
        _plot_top_lines(ax, sel, years, top)
        ax.set_title(METRIC_FAMILIES.get(fam, fam), fontsize=9)
        ax.set_xticks(years)
        if sel:
            ax.legend(fontsize=7)
    axes[0][0].set_ylabel("papers")
    fig.suptitle("Metric usage by year")
    fig.tight_layout()
    fig.savefig(str(path), dpi=110, format=Path(path).suffix.lstrip(".").lower() or "png")
    plt.close(fig)


def family_shares(rows: list[Row]) -> dict[int, dict[str, float]]:
    """Per year, each family's share of that year's family counts (sums to 1 over families)."""
    out = {}
    for year, counts in _counts_by_year(rows).items():
        total = sum(counts.values())
        out[year] = {f: counts.get(f, 0) / total for f in list(METRIC_FAMILIES) + ["other"] if total}
    return out


def plot_radar(family_rows: list[Row], new_rows: list[Row], path: str | Path) -> None:
    """Figure 4: (a) each year's share of metric use per family, (b) newly proposed metrics per
    family and year, as radar charts with one polygon per year."""
    plt = _plt()
    fams = list(METRIC_FAMILIES)
    angles = np.linspace(0, 2 * np.pi, len(fams), endpoint=False).tolist()
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), subplot_kw={"polar": True})
    panels = (("(a) share of metric use", family_shares(family_rows)),
              ("(b) newly proposed metrics", _counts_by_year(new_rows)))
    for ax, (title, data) in zip(axes, panels):
        for year, values in data.items():
            v = [values.get(f, 0) for f in fams]
            ax.plot(angles + angles[:1], v + v[:1], label=str(year))
            ax.fill(angles + angles[:1], v + v[:1], alpha=0.08)
        ax.set_xticks(angles)
        ax.set_xticklabels([METRIC_FAMILIES[f] for f in fams], fontsize=8)
        ax.set_rlabel_position(180 / len(fams))          # radial numbers between two axes, off the labels
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(title, fontsize=10, pad=18)
    handles, labels = axes[0].get_legend_handles_labels()
    if not handles:
        handles, labels = axes[1].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 8), fontsize=8)
    fig.savefig(str(path), dpi=110, format=Path(path).suffix.lstrip(".").lower() or "png")
    plt.close(fig)


def _counts_by_year(rows: list[Row]) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = defaultdict(dict)
    for r in rows:
        out[r.year][r.group] = out[r.year].get(r.group, 0) + r.papers
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class CodeRow:
    year: int
    papers: int
    with_code: int
    median_stars: float | None     # over papers with a star count
    top_method: str                # the most-starred paper of the year ("" when no stars are known)
    top_stars: int | None


def code_stats(papers: list[Paper]) -> list[CodeRow]:
    """Per year: papers, papers with public code, median GitHub stars and the most-starred paper."""
    by_year: dict[int, list[Paper]] = defaultdict(list)
    for year, p in _dated(papers):
        by_year[year].append(p)
    out = []
    for year, ps in sorted(by_year.items()):
        starred = [(p.stars, p) for p in ps if p.stars is not None]
        top = max(starred, key=lambda sp: sp[0], default=None)
        out.append(CodeRow(year, len(ps), sum(bool(p.code_url or p.stars is not None or p.extra.get("code"))
                                              for p in ps),
                           float(np.median([stars for stars, _ in starred])) if starred else None,
                           (top[1].method or top[1].title) if top else "", top[0] if top else None))
    return out


def write_code_rows(rows: list[CodeRow], path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["year", "papers", "with_code", "median_stars", "top_method", "top_stars"])
        for r in rows:
            w.writerow([r.year, r.papers, r.with_code, "" if r.median_stars is None else f"{r.median_stars:g}",
                        r.top_method, "" if r.top_stars is None else r.top_stars])


def _md_table(header: list[str], rows: list[list], empty: str = "Nothing to show: the corpus has no such data "
              "yet (run `thg survey extract` first).") -> str:
    if not rows:
        return empty
    cells = [header, ["---"] * len(header), *[[str(c).replace("|", "\\|") for c in row] for row in rows]]
    return "\n".join("| " + " | ".join(row) + " |" for row in cells)


def trend_sections(papers: list[Paper], tables: dict[str, list], figures: dict[str, str], *,
                   top: int = 8) -> list[dict]:
    """The trend report's sections: heading, level, figure (relative link, or ""), table header and
    rows, and what to say when there are no rows."""
    dated = [p for _, p in _dated(papers)]
    datasets: Counter[tuple[str, str]] = Counter()
    for p in dated:
        for name in p.datasets:
            datasets[_canon(name, "dataset")] += 1
    metrics: Counter[tuple[str, str]] = Counter()
    for p in dated:
        for m in set(p.metrics):
            metrics[_canon(m, "metric")] += 1
    shares = family_shares(tables["families"])
    fams = [f for f in [*METRIC_FAMILIES, "other"] if any(s.get(f) for s in shares.values())]
    new = _counts_by_year(tables["new_metrics"])
    new_fams = sorted({f for v in new.values() for f in v})
    none = "Nothing to show: the corpus has no such data yet (run `thg survey extract` first)."

    def section(heading, level, figure, alt, header, rows, empty=none):
        return {"heading": heading, "level": level, "figure": figure, "alt": alt, "header": header, "rows": rows,
                "empty": empty}

    return [
        section("Datasets", 2, figures["datasets"], "dataset use by year, group and role", ["dataset", "group", "papers"],
                [[n, DATASET_GROUPS.get(g, g), c] for (n, g), c in datasets.most_common(top)]),
        section("Metrics", 2, figures["metrics"], "metric use by year and family", ["metric", "family", "papers"],
                [[n, METRIC_FAMILIES.get(g, g), c] for (n, g), c in metrics.most_common(top)]),
        section("Share of metric use per family", 3, "", "", ["year", *[METRIC_FAMILIES.get(f, f) for f in fams]],
                [[y, *[f"{s.get(f, 0):.0%}" for f in fams]] for y, s in shares.items()]),
        section("Newly proposed metrics", 2, figures["radar"], "family shares and new metrics",
                ["year", *[METRIC_FAMILIES.get(f, f) for f in new_fams]],
                [[y, *[int(v.get(f, 0)) for f in new_fams]] for y, v in new.items()],
                "No paper in the corpus proposes a new metric."),
        section("Code and stars", 2, "", "", ["year", "papers", "with code", "median stars", "most starred"],
                [[r.year, r.papers, r.with_code, "" if r.median_stars is None else f"{r.median_stars:g}",
                  f"{r.top_method} ({r.top_stars})" if r.top_method else ""] for r in tables["code"]]),
    ]


def markdown_report(papers: list[Paper], tables: dict[str, list], figures: dict[str, str], *, top: int = 8) -> str:
    """The trend report as Markdown: figures (relative links) and the tables behind them."""
    dated = _dated(papers)
    years = sorted({year for year, _ in dated})
    lines = ["# Talking-head literature: datasets and metrics over time", "",
             f"{len(dated)} papers, {years[0]}-{years[-1]}." if years else "No dated papers.", ""]
    for s in trend_sections(papers, tables, figures, top=top):
        lines += ["#" * s["level"] + " " + s["heading"], ""]
        if s["figure"]:
            lines += [f"![{s['alt']}]({s['figure']})", ""]
        lines += [_md_table(s["header"], s["rows"], s["empty"]), ""]
    return "\n".join(lines)


def trend_files(fig_format: str = "png") -> list[str]:
    """The files ``thg survey trends`` writes into its folder."""
    return ["datasets.csv", "metrics.csv", "families.csv", "new_metrics.csv", "code.csv",
            f"datasets.{fig_format}", f"metrics.{fig_format}", f"radar.{fig_format}", "report.md"]


def write_trends(papers: list[Paper], paths: dict, *, fig_format: str = "png", top: int = 5,
                 overwrite: bool = False) -> dict:
    """Write the trend tables, figures and report.md to ``paths`` (:func:`trend_files` name -> path);
    the tables, by file name ("code" for the code statistics)."""
    from thg.io.output import atomic_output

    tables = {"datasets.csv": dataset_usage(papers), "metrics.csv": metric_usage(papers),
              "families.csv": family_usage(papers), "new_metrics.csv": new_metric_usage(papers)}
    for name, rows in tables.items():
        with atomic_output(paths[name], overwrite=overwrite) as tmp:
            write_rows(rows, tmp)
    with atomic_output(paths[f"datasets.{fig_format}"], overwrite=overwrite) as tmp:
        plot_dataset_trends(tables["datasets.csv"], tmp, top=top)
    with atomic_output(paths[f"metrics.{fig_format}"], overwrite=overwrite) as tmp:
        plot_metric_trends(tables["metrics.csv"], tmp, top=top)
    with atomic_output(paths[f"radar.{fig_format}"], overwrite=overwrite) as tmp:
        plot_radar(tables["families.csv"], tables["new_metrics.csv"], tmp)
    code = code_stats(papers)
    with atomic_output(paths["code.csv"], overwrite=overwrite) as tmp:
        write_code_rows(code, tmp)
    report = markdown_report(
        papers, {"datasets": tables["datasets.csv"], "families": tables["families.csv"],
                 "new_metrics": tables["new_metrics.csv"], "code": code},
        {k: f"{k}.{fig_format}" for k in ("datasets", "metrics", "radar")})
    with atomic_output(paths["report.md"], overwrite=overwrite) as tmp:
        tmp.write_text(report, encoding="utf-8")
    return {**tables, "code": code}
