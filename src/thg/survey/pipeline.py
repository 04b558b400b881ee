"""``thg survey run``: the survey's whole pipeline in one resumable command.

Stages, each writing into the run's folder:

1. ``collect``  arXiv search for the query, venues, code and stars -> ``corpus.jsonl``; every answer
   is kept in ``cache.sqlite``, so an interrupted run resumes and a rerun (or ``--offline``) sends nothing;
2. ``curate``   keyword, peer-review / impact and scope screening -> ``curated.jsonl``, ``decisions.csv``;
3. ``taxonomy`` TF-IDF + Ward on the kept papers -> ``taxonomy/`` (as ``thg survey taxonomy``);
4. ``extract``  datasets, metrics and new metrics -> ``extractions.jsonl`` and ``extracted.jsonl``:
   from the papers' LaTeX sources when ``sources`` names a folder of them, else from each paper's
   title and abstract (the survey reads the experiment sections; an abstract names fewer);
5. ``trends``   use per year -> ``trends/`` (as ``thg survey trends``);
6. ``report``   ``report.md`` and ``report.html``: the corpus, the named clusters and the dendrogram,
   the trend figures and their tables.

``run.json`` records each finished stage with the settings it ran under. A rerun skips every stage
whose settings (its own and those of the stages before it) are unchanged and whose files are there,
so a rerun with another ``--clusters`` redoes the taxonomy onwards and nothing before it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from thg.errors import InputError, OutputExistsError

STAGES = ("collect", "curate", "taxonomy", "extract", "trends", "report")
STATE = "run.json"


@dataclass(frozen=True)
class RunSettings:
    query: tuple[str, ...]                    # arXiv keywords (a paper matches any one)
    start: str = "2021-01-01"
    end: str = "2025-12-31"
    limit: int | None = None
    enrich: bool = True                       # venues, citations and stars (Semantic Scholar, CrossRef, GitHub)
    min_stars: int = 100
    top_venues_only: bool = False
    clusters: int | None = None
    threshold: float | None = None
    sources: str | None = None                # folder of LaTeX sources / e-prints for the extraction

    def for_stage(self, stage: str) -> dict:
        """The settings a stage's result depends on (its own and every earlier stage's)."""
        own = {"collect": ("query", "start", "end", "limit", "enrich"), "curate": ("min_stars", "top_venues_only"),
               "taxonomy": ("clusters", "threshold"), "extract": ("sources",), "trends": (), "report": ()}
        keys = [k for s in STAGES[: STAGES.index(stage) + 1] for k in own[s]]
        d = asdict(self)
        return {k: list(d[k]) if isinstance(d[k], tuple) else d[k] for k in keys}


@dataclass
class Clients:
    """Where collect gets its answers (base URLs), how politely, and whether only from the cache."""

    arxiv_url: str = "https://export.arxiv.org/api/query"
    semantic_scholar_url: str = "https://api.semanticscholar.org/graph/v1"
    crossref_url: str = "https://api.crossref.org"
    github_url: str = "https://api.github.com"
    interval: float | None = None
    retries: int = 4
    backoff: float = 2.0
    mailto: str = ""
    offline: bool = False
    tokens: dict = field(default_factory=dict)      # "github", "semantic_scholar"


def _files(stage: str) -> list[str]:
    from thg.survey.taxonomy import TAXONOMY_FILES
    from thg.survey.trends import trend_files

    return {"collect": ["corpus.jsonl"], "curate": ["curated.jsonl", "decisions.csv"],
            "taxonomy": [f"taxonomy/{n}" for n in TAXONOMY_FILES],
            "extract": ["extractions.jsonl", "extracted.jsonl"],
            "trends": [f"trends/{n}" for n in trend_files("png")],
            "report": ["report.md", "report.html"]}[stage]


def _read_state(folder: Path) -> dict:
    path = folder / STATE
    if not path.is_file():
        return {"stages": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path}: not a thg run record; give another --output folder") from None
    if not isinstance(state, dict) or not isinstance(state.get("stages"), dict):
        raise InputError(f"{path}: not a thg run record; give another --output folder")
    return state


def _write_state(folder: Path, state: dict) -> None:
    from thg.io.output import atomic_output

    with atomic_output(folder / STATE, overwrite=True) as tmp:
        tmp.write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")


def run_pipeline(folder: str | Path, settings: RunSettings, clients: Clients | None = None, *,
                 overwrite: bool = False, on_stage: Callable[[str, bool], None] | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Run (or resume) the pipeline in ``folder``; the final state (``run.json``'s content).

    ``on_stage(name, skipped)`` is called as each stage ends, ``progress(step, i, n)`` within collect.
    A folder that holds other files than a run's is refused unless ``overwrite``. A run that fails
    keeps what it fetched (in the cache) and the stages it finished, to resume from; if it made
    nothing of either, a folder it created is removed again.
    """
    folder, clients = Path(folder), clients or Clients()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: output folder is a file; give a folder name")
    created = not folder.exists()
    if not created and not (folder / STATE).is_file() and any(folder.iterdir()) and not overwrite:
        raise OutputExistsError(f"{folder}: folder holds files of something else than a survey run; "
                                "pass --overwrite to use it anyway, or give a new folder")
    state = _read_state(folder)
    top = folder
    while not top.parent.exists():
        top = top.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{folder}: cannot create the output folder ({e.strerror}); give a writable place") from None
    state["query"] = list(settings.query)
    redo = False
    try:
        _write_state(folder, state)              # marks the folder as a run's, to resume in
        for stage in STAGES:
            key = settings.for_stage(stage)
            done = state["stages"].get(stage)
            have = all((folder / f).is_file() for f in _files(stage))
            if not redo and done and done.get("settings") == key and have:
                if on_stage:
                    on_stage(stage, True)
                continue
            redo = True                          # every later stage depends on this one
            summary = STEPS[stage](folder, settings, clients, state, progress)
            state["stages"][stage] = {"settings": key, **summary}
            _write_state(folder, state)
            if on_stage:
                on_stage(stage, False)
    except BaseException:
        if created and not state["stages"] and not _has_answers(folder / "cache.sqlite"):
            shutil.rmtree(top, ignore_errors=True)         # nothing done, nothing fetched: leave nothing
        raise
    return state


def _has_answers(cache: Path) -> bool:
    if not cache.is_file():
        return False
    from thg.survey.collect import Cache

    store = Cache(cache)
    try:
        return len(store) > 0
    finally:
        store.close()


def _load(path: Path):
    from thg.survey.corpus import load_corpus

    return load_corpus(path)


def _write(papers, path: Path) -> None:
    from thg.io.output import atomic_output
    from thg.survey.corpus import write_corpus

    with atomic_output(path, overwrite=True) as tmp:
        write_corpus(papers, tmp)


def _collect(folder, settings: RunSettings, clients: Clients, state, progress) -> dict:
    from thg.survey import collect as c

    store = c.Cache(folder / "cache.sqlite")
    fetcher = c.Fetcher(store, retries=clients.retries, backoff=clients.backoff, offline=clients.offline)

    def every(service: str) -> float:
        return c.INTERVALS[service] if clients.interval is None else clients.interval

    collector = c.Collector(c.ArxivClient(fetcher, clients.arxiv_url, every("arxiv")))
    if settings.enrich:
        collector.semantic_scholar = c.SemanticScholarClient(fetcher, clients.semantic_scholar_url,
                                                             every("semantic_scholar"),
                                                             api_key=clients.tokens.get("semantic_scholar", ""))
        collector.crossref = c.CrossrefClient(fetcher, clients.crossref_url, every("crossref"), mailto=clients.mailto)
        collector.github = c.GithubClient(fetcher, clients.github_url, every("github"),
                                          token=clients.tokens.get("github", ""))
    try:
        papers = collector.run(settings.query, settings.start, settings.end, limit=settings.limit, progress=progress)
    finally:
        store.close()
    if not papers:
        raise InputError(f"arXiv has no paper for {' / '.join(settings.query)} between {settings.start} and "
                         f"{settings.end}; try other keywords or dates")
    _write(papers, folder / "corpus.jsonl")
    return {"papers": len(papers), "requests": fetcher.requests}


def _curate(folder, settings: RunSettings, clients, state, progress) -> dict:
    from thg.survey.curate import CurationConfig, curate, write_decisions

    papers = _load(folder / "corpus.jsonl")
    kept, made = curate(papers, CurationConfig(min_stars=settings.min_stars, top_venues_only=settings.top_venues_only))
    if len(kept) < 2:
        raise InputError(f"curation kept {len(kept)} of {len(papers)} papers, too few for a taxonomy; "
                         "lower --min-stars or widen the query")
    _write(kept, folder / "curated.jsonl")
    write_decisions(papers, made, folder / "decisions.csv", overwrite=True)
    return {"papers": len(kept), "of": len(papers)}


def _taxonomy(folder, settings: RunSettings, clients, state, progress) -> dict:
    from thg.survey.directions import name_taxonomy
    from thg.survey.taxonomy import (
        TAXONOMY_FILES,
        TaxonomyConfig,
        build_taxonomy,
        write_taxonomy,
    )

    papers = _load(folder / "curated.jsonl")
    config = TaxonomyConfig(clusters=settings.clusters,
                            threshold=settings.threshold if settings.threshold is not None else TaxonomyConfig.threshold)
    tax = build_taxonomy(papers, config)
    table1 = name_taxonomy(tax)
    (folder / "taxonomy").mkdir(exist_ok=True)
    write_taxonomy(tax, papers, {n: folder / "taxonomy" / n for n in TAXONOMY_FILES}, overwrite=True)
    return {"papers": len(tax.ids), "clusters": len(tax.clusters), "cut_height": tax.cut_height,
            **({"table1_ari": table1.ari} if table1 else {})}


def _extract(folder, settings: RunSettings, clients, state, progress) -> dict:
    from thg.io.output import atomic_output
    from thg.survey.extract import (
        extract_tex,
        extract_text,
        list_sources,
        read_tex_source,
    )

    papers = _load(folder / "taxonomy" / "corpus.jsonl")
    found: dict = {}
    if settings.sources:
        for pid, src in list_sources(settings.sources):
            try:
                found[pid] = extract_tex(read_tex_source(src))
            except InputError:
                continue
    else:
        for p in papers:
            found[p.id] = extract_text(p.text, section_found=False)
    with atomic_output(folder / "extractions.jsonl", overwrite=True) as tmp, tmp.open("w", encoding="utf-8") as f:
        for pid, got in found.items():
            f.write(json.dumps(got.to_record(pid), ensure_ascii=False) + "\n")
    matched = 0
    for p in papers:
        if p.id in found:
            got = found[p.id]
            p.datasets, p.metrics = got.datasets, got.metrics
            p.new_metrics = [asdict(n) for n in got.new_metrics]
            matched += 1
    _write(papers, folder / "extracted.jsonl")
    return {"papers": matched, "from": "LaTeX sources" if settings.sources else "titles and abstracts"}


def _trends(folder, settings, clients, state, progress) -> dict:
    from thg.survey.trends import trend_files, write_trends

    papers = _load(folder / "extracted.jsonl")
    if all(p.year is None for p in papers):
        raise InputError("no paper of the run has a year; the trends need one")
    (folder / "trends").mkdir(exist_ok=True)
    write_trends(papers, {n: folder / "trends" / n for n in trend_files("png")}, overwrite=True)
    return {"papers": sum(p.year is not None for p in papers)}


def report_parts(folder: Path, state: dict) -> list:
    """The run's report as parts (kind, heading, payload) for thg's Markdown and HTML renderers."""
    import csv

    from thg.survey import trends

    stages = state["stages"]
    query = " / ".join(state.get("query", []))
    counts = f"Collected {stages['collect']['papers']} papers; curation kept {stages['curate']['papers']}."
    parts: list[tuple[str, str, Any]] = [("p", "", f"Query: {query}. {counts}")]
    tax = stages["taxonomy"]
    with (folder / "taxonomy" / "clusters.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    named = any(r["direction"] for r in rows)
    header = ["cluster", *(["direction"] if named else []), "label", "papers", "years", "examples"]
    body = [[r["cluster"], *([r["direction"]] if named else []), r["label"], r["size"], r["years"], r["examples"]]
            for r in rows]
    note = (f"{tax['papers']} papers, {tax['clusters']} clusters, cut at Ward distance {tax['cut_height']:.3f}"
            + (f"; adjusted Rand index against the survey's Table 1: {tax['table1_ari']:.3f}"
               if "table1_ari" in tax else "") + ".")
    parts += [("p", "Taxonomy", note), ("table", "", (header, body)),
              ("img", "Dendrogram", ("taxonomy/dendrogram.png", ""))]
    ext = stages["extract"]
    parts.append(("p", "Datasets and metrics", f"Read from the {ext['from']} of {ext['papers']} papers."))
    papers = _load(folder / "extracted.jsonl")
    tables: dict[str, list] = {"families": trends.family_usage(papers), "new_metrics": trends.new_metric_usage(papers),
              "code": trends.code_stats(papers)}
    figures = {k: f"trends/{k}.png" for k in ("datasets", "metrics", "radar")}
    for s in trends.trend_sections(papers, tables, figures):
        heading = s["heading"]
        if s["figure"]:
            parts.append(("img", heading, (s["figure"], s["alt"])))
            heading = ""
        empty = s["empty"] if "extract" not in s["empty"] else f"Nothing of this kind in the {ext['from']} read."
        parts.append(("table", heading, (s["header"], s["rows"])) if s["rows"] else ("p", heading, empty))
    return parts


def _report(folder, settings, clients, state, progress) -> dict:
    from thg.eval.report import render_html, render_markdown
    from thg.io.output import atomic_output

    parts = report_parts(folder, state)
    title = "Talking-head literature survey"
    with atomic_output(folder / "report.md", overwrite=True) as tmp:
        tmp.write_text(render_markdown(title, parts), encoding="utf-8")
    with atomic_output(folder / "report.html", overwrite=True) as tmp:
        tmp.write_text(render_html(title, parts), encoding="utf-8")
    return {}


STEPS = {"collect": _collect, "curate": _curate, "taxonomy": _taxonomy, "extract": _extract,
         "trends": _trends, "report": _report}
