"""``thg survey``: map the field, as the longitudinal survey does, on any corpus of papers.

    thg survey methods        the survey's 117 methods (Table 1), filtered and sorted
    thg survey datasets       the survey's Table 2 (datasets: year, speakers, scale, resolution, source)
    thg survey terms          the dataset / metric vocabulary; `normalize` maps a name onto it
    thg survey collect        arXiv search (appendix B.1 keywords, date range), Semantic Scholar / CrossRef
                              venues, GitHub stars; polite, cached in SQLite, resumable
    thg survey import         arXiv Atom / BibTeX / CSV / JSON(L) files -> one corpus .jsonl
    thg survey curate         keyword, peer-review / impact and scope screening
    thg survey extract        --input PATH --output DIR: DIR/extractions.jsonl, one record per paper with
                              datasets (role train/test/both), metrics (with family), new metrics, evidence
    thg survey taxonomy       [--corpus FILE] --output DIR [--clusters K | --threshold T]: TF-IDF + Ward;
                              DIR/assignments.csv (id,cluster,label), clusters.csv, dendrogram.png/.svg;
                              without --corpus the survey's own papers, compared with Table 1 (ARI)

Optional language-model steps (cluster labels; `extract --extractor llm` with the survey's prompts)
use any OpenAI-compatible endpoint given by --llm-url / --llm-model; nothing else needs a model.
    thg survey trends         dataset and metric use per year: CSV tables and figures
    thg survey run QUERY      --output DIR: all of the above in one resumable command, ending in
                              DIR/report.md and DIR/report.html
"""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from thg.errors import InputError, OutputExistsError, UsageError

FIGURE_FORMATS = ("png", "svg", "pdf")
TAXONOMY_THRESHOLD = 1.54    # TaxonomyConfig.threshold, repeated here for the help text without the import


@contextlib.contextmanager
def _output_folder(folder: Path, names: list[str], overwrite: bool) -> Iterator[list[Path]]:
    """Check a folder's output files before any work and yield their paths, creating the folder.

    If the command then fails, nothing it made is left behind: a folder it created goes whole, and
    in a folder that was there before, the outputs that were not there before go.
    """
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: output folder is a file; give a folder name")
    paths = [folder / n for n in names]
    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        raise OutputExistsError(f"{existing[0]}: output already exists; pass --overwrite to replace it")
    top = folder                                   # the outermost folder this call creates
    while not top.parent.exists():
        top = top.parent
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{folder}: cannot create the output folder ({e.strerror}); give a writable place") from None
    try:
        yield paths
    except BaseException:
        if created:
            shutil.rmtree(top, ignore_errors=True)
        else:
            for p in paths:
                if p not in existing and p.is_file():
                    p.unlink()
        raise


def _write_corpus(papers, out: Path, overwrite: bool) -> None:
    from thg.io.output import atomic_output
    from thg.survey.corpus import write_corpus

    with atomic_output(out, overwrite=overwrite) as tmp:
        write_corpus(papers, tmp)


def _check_llm(llm_url, llm_model) -> None:
    if bool(llm_url) != bool(llm_model):
        raise UsageError("--llm-url and --llm-model go together; give both (an OpenAI-compatible endpoint "
                         "and a model name) or neither")
    if llm_url:
        from thg.survey.collect import check_base_url

        check_base_url(llm_url, "--llm-url")


def _chat(llm_url, llm_model, cache_path: Path):
    """The language-model client for --llm-url / --llm-model, or None without them."""
    _check_llm(llm_url, llm_model)
    if not llm_url:
        return None
    from thg.survey.collect import Cache, Fetcher
    from thg.survey.llm import ChatClient

    return ChatClient.from_env(Fetcher(Cache(cache_path), timeout=120.0), llm_url, llm_model)


def _llm_options(f):
    f = click.option("--llm-model", help="Model name at --llm-url.")(f)
    return click.option("--llm-url", help="An OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 "
                                          "(key from THG_LLM_API_KEY); answers are cached in the output folder.")(f)


def _web_options(f):
    """The options of the web clients (collect and run): spacing, retries, back-off, base URLs, e-mail."""
    for option in reversed([
        click.option("--interval", type=click.FloatRange(0), help="Seconds between requests to one service "
                     "[default: each service's limit: arXiv 3, Semantic Scholar 1.1, CrossRef 0.2, GitHub 1]."),
        click.option("--retries", type=click.IntRange(0), default=4, show_default=True,
                     help="Retries of a failed request."),
        click.option("--backoff", type=click.FloatRange(0), default=2.0, show_default=True,
                     help="Seconds before the first retry; doubled for each further one."),
        click.option("--arxiv-url", default="https://export.arxiv.org/api/query", show_default=True),
        click.option("--semantic-scholar-url", default="https://api.semanticscholar.org/graph/v1", show_default=True),
        click.option("--crossref-url", default="https://api.crossref.org", show_default=True),
        click.option("--github-url", default="https://api.github.com", show_default=True),
        click.option("--mailto", default="", help="Your e-mail for CrossRef's polite pool."),
    ]):
        f = option(f)
    return f


def _check_urls(**urls) -> None:
    """Each base URL option (by parameter name) must be an http(s) address."""
    from thg.survey.collect import check_base_url

    for name, url in urls.items():
        check_base_url(url, "--" + name.removesuffix("_url").replace("_", "-") + "-url")


@click.group("survey")
def survey() -> None:
    """Map the field: corpus building and curation, taxonomy, extraction and trends."""


@survey.command("methods")
@click.option("--cluster", type=int, multiple=True, help="Only these taxonomy clusters (1-10); repeatable.")
@click.option("--year", type=int, multiple=True, help="Only these publication years; repeatable.")
@click.option("--code", is_flag=True, help="Only methods with public code.")
@click.option("--new-metrics", is_flag=True, help="Only methods that proposed new metrics.")
@click.option("--sort", type=click.Choice(["cluster", "year", "stars", "method"]), default="cluster", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True,
              help="jsonl writes corpus records that the other survey commands read.")
def methods_cmd(cluster, year, code, new_metrics, sort, fmt) -> None:
    """The survey's Table 1: 117 methods with cluster, its research direction, venue, code and stars.

    --format jsonl writes each paper with its shipped title and abstract (where found), ready for
    `thg survey taxonomy --corpus`.
    """
    from thg.survey.directions import direction_name
    from thg.survey.methods import table_one_corpus

    rows = table_one_corpus()
    known = sorted({p.cluster for p in rows if p.cluster is not None})    # every Table 1 paper has one
    bad = [c for c in cluster if c not in known]
    if bad:
        raise UsageError(f"--cluster {bad[0]} is not a cluster of the survey; use {known[0]} to {known[-1]}")
    rows = [p for p in rows if (not cluster or p.cluster in cluster) and (not year or p.year in year)
            and (not code or p.extra.get("code")) and (not new_metrics or p.new_metrics)]
    keys = {"cluster": lambda p: (p.cluster, -p.year), "year": lambda p: (p.year, p.method.lower()),
            "stars": lambda p: -(p.stars or 0), "method": lambda p: p.method.lower()}
    rows.sort(key=keys[sort])
    cols = ["cluster", "direction", "arxiv_id", "method", "venue", "year", "stars", "new_metrics", "code_url"]

    def values(p):
        return [p.cluster, direction_name(p.cluster), p.id, p.method, p.venue, p.year,
                "" if p.stars is None else p.stars, "; ".join(m["name"] for m in p.new_metrics), p.code_url]

    if fmt == "jsonl":  # corpus records: the table feeds `taxonomy` and `trends` directly
        for p in rows:
            click.echo(json.dumps(p.to_dict(), ensure_ascii=False))
    elif fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        w.writerows(values(p) for p in rows)
    else:
        venue = max((len(p.venue) for p in rows), default=5)          # never cut ("SIGGRAPH", "ACM MM")
        direction = max((len(direction_name(p.cluster)) for p in rows), default=9)
        widths = [7, direction, 10, 18, venue, 4, 6, 24]
        click.echo("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
        for p in rows:
            click.echo("  ".join(str(v)[:w].ljust(w) for v, w in zip(values(p), widths)).rstrip())
        click.echo(f"{len(rows)} of 117 methods")


@survey.command("datasets")
@click.option("--group", type=click.Choice(["image", "audio", "audiovisual", "emotion"]),
              help="Only one of the survey's four dataset groups (appendix C).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def datasets_cmd(group, fmt) -> None:
    """The survey's Table 2: year, speakers, scale, resolution and source of the major datasets."""
    from dataclasses import asdict, fields

    from thg.survey.methods import DatasetInfo, survey_datasets

    rows = survey_datasets(group)
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow([f.name for f in fields(DatasetInfo)])
        w.writerows(list(asdict(r).values()) for r in rows)
        return
    cols, widths = ["name", "group", "year", "speakers", "scale", "resolution", "source"], [16, 12, 5, 17, 32, 20, 30]
    click.echo("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
    for r in rows:
        click.echo("  ".join(str(getattr(r, c))[:w].ljust(w) for c, w in zip(cols, widths)).rstrip())


@survey.command("terms")
@click.argument("kind", type=click.Choice(["datasets", "metrics"]))
@click.option("--group", help="Only one dataset group (image, audio, audiovisual, emotion) or metric family "
                              "(visual, sync, geometry, expression, driving).")
def terms_cmd(kind, group) -> None:
    """List the canonical dataset or metric names, their group and aliases."""
    from thg.survey.vocab import DATASET_GROUPS, METRIC_FAMILIES, terms

    labels = DATASET_GROUPS if kind == "datasets" else METRIC_FAMILIES
    for t in terms(kind[:-1], group):
        aliases = f"  (also: {', '.join(t.aliases)})" if t.aliases else ""
        click.echo(f"{t.name:<16} {labels[t.group]:<22}{aliases}")


@survey.command("normalize")
@click.argument("names", nargs=-1, required=True)
@click.option("--kind", type=click.Choice(["dataset", "metric"]), default=None,
              help="Which vocabulary; by default datasets are tried first, then metrics.")
def normalize_cmd(names, kind) -> None:
    """Map names as papers write them ("VoxCeleb-2", "Sync-C") to canonical ones."""
    from thg.survey.vocab import normalize, normalize_any

    for name in names:
        term = normalize(name, kind) if kind else normalize_any(name)
        click.echo(f"{name}\t{term.name}\t{term.kind}\t{term.group}")


@survey.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Corpus file to write (.jsonl).")
@click.option("--overwrite", is_flag=True, help="Replace the output if it exists.")
def import_cmd(sources, output, overwrite) -> None:
    """Join arXiv Atom (.xml), BibTeX, CSV, JSON and JSON Lines files into one corpus; a paper found twice
    (same arXiv id) is kept once."""
    from thg.io.output import check_output_path
    from thg.survey.corpus import load_corpus, merge_corpora

    check_output_path(output, overwrite=overwrite)
    groups = [load_corpus(s) for s in sources]
    papers = merge_corpora(groups)
    _write_corpus(papers, output, overwrite)
    click.echo(f"{output}: {len(papers)} papers from {sum(len(g) for g in groups)} records")


@survey.command("collect")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Corpus file to write (.jsonl).")
@click.option("--from", "start", default="2021-01-01", show_default=True, help="First submission day (YYYY-MM-DD).")
@click.option("--to", "end", default="2025-12-31", show_default=True, help="Last submission day (YYYY-MM-DD).")
@click.option("--keyword", "keywords", multiple=True,
              help="Retrieval keyword (repeatable) [default: the survey's 17 keywords of appendix B.1].")
@click.option("--limit", type=click.IntRange(1), help="Stop after this many arXiv results.")
@click.option("--cache", type=click.Path(path_type=Path),
              help="SQLite cache of every answer [default: OUTPUT with .cache.sqlite]; a rerun resumes from it.")
@click.option("--no-enrich", is_flag=True, help="Only the arXiv search: no venue, citation or star look-ups.")
@_web_options
@click.option("--overwrite", is_flag=True, help="Replace the output if it exists.")
def collect_cmd(output, start, end, keywords, limit, cache, no_enrich, interval, retries, backoff, arxiv_url,
                semantic_scholar_url, crossref_url, github_url, mailto, overwrite) -> None:
    """Build a corpus from the web: arXiv keyword search, venues from Semantic Scholar and CrossRef,
    code links and GitHub stars. Tokens are read from GITHUB_TOKEN and S2_API_KEY when set."""
    import os

    from thg.io.output import check_output_path
    from thg.survey import collect as c

    _check_urls(arxiv_url=arxiv_url, semantic_scholar_url=semantic_scholar_url, crossref_url=crossref_url,
                github_url=github_url)
    check_output_path(output, overwrite=overwrite)
    store = c.Cache(cache or output.with_suffix(".cache.sqlite"))
    fetcher = c.Fetcher(store, retries=retries, backoff=backoff)

    def every(service: str) -> float:
        return c.INTERVALS[service] if interval is None else interval

    collector = c.Collector(c.ArxivClient(fetcher, arxiv_url, every("arxiv")))
    if not no_enrich:
        collector.semantic_scholar = c.SemanticScholarClient(fetcher, semantic_scholar_url, every("semantic_scholar"),
                                                             api_key=os.environ.get("S2_API_KEY", ""))
        collector.crossref = c.CrossrefClient(fetcher, crossref_url, every("crossref"), mailto=mailto)
        collector.github = c.GithubClient(fetcher, github_url, every("github"), token=os.environ.get("GITHUB_TOKEN", ""))

    def progress(stage: str, i: int, n: int) -> None:
        if i == n or i % 25 == 0:
            click.echo(f"{stage}: {i}/{n}", err=True)

    papers = collector.run(keywords or c.KEYWORDS, start, end, limit=limit, progress=progress)
    _write_corpus(papers, output, overwrite)
    reviewed = sum(p.peer_reviewed for p in papers)
    with_code = sum(bool(p.code_url) for p in papers)
    click.echo(f"{output}: {len(papers)} papers ({reviewed} peer reviewed, {with_code} with code); "
               f"{fetcher.requests} requests sent, cache {store.path} holds {len(store)} answers")
    store.close()


@survey.command("curate")
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Kept papers (.jsonl).")
@click.option("--min-stars", type=click.IntRange(0), default=100, show_default=True,
              help="GitHub stars a preprint needs to be kept.")
@click.option("--top-venues-only", is_flag=True, help="Peer-reviewed papers must also be at a listed top venue.")
@click.option("--decisions", type=click.Path(path_type=Path), help="Also write every keep/drop decision (.csv).")
@click.option("--overwrite", is_flag=True, help="Replace outputs that exist.")
def curate_cmd(corpus, output, min_stars, top_venues_only, decisions, overwrite) -> None:
    """Keep papers that match a keyword, are peer reviewed or have impact, and are in scope."""
    from thg.io.output import check_output_path
    from thg.survey.corpus import load_corpus
    from thg.survey.curate import CurationConfig, curate, write_decisions

    check_output_path(output, overwrite=overwrite)
    if decisions:
        check_output_path(decisions, overwrite=overwrite)
    papers = load_corpus(corpus)
    kept, made = curate(papers, CurationConfig(min_stars=min_stars, top_venues_only=top_venues_only))
    _write_corpus(kept, output, overwrite)
    if decisions:
        write_decisions(papers, made, decisions, overwrite=overwrite)
    click.echo(f"{output}: kept {len(kept)} of {len(papers)} papers")


@survey.command("extract")
@click.option("--input", "source", required=True, type=click.Path(path_type=Path),
              help="A .tex file, an arXiv e-print archive (.tar.gz or gzipped .tex), a .zip of the source "
                   "(as Overleaf exports it), or a folder of them (<id>.tex, <id>.tar.gz, <id>.zip, <id>/).")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for extractions.jsonl (and corpus.jsonl with --corpus).")
@click.option("--corpus", type=click.Path(path_type=Path),
              help="Also fill this corpus's datasets, metrics and new metrics (matched by id) and write "
                   "it as corpus.jsonl, ready for `thg survey trends`.")
@click.option("--extractor", type=click.Choice(["rules", "llm"]), default="rules", show_default=True,
              help="rules: the offline extractor; llm: the survey's prompts (appendix B.2) sent to --llm-url.")
@_llm_options
@click.option("--overwrite", is_flag=True, help="Replace outputs that exist.")
def extract_cmd(source, out_dir, corpus, extractor, llm_url, llm_model, overwrite) -> None:
    """Datasets with their train/test role, metrics with their family and newly proposed metrics, from
    each paper's experiment section; every match comes with the sentence it was found in."""
    from thg.io.output import atomic_output
    from thg.survey.extract import extract_tex, list_sources, read_tex_source

    _check_llm(llm_url, llm_model)
    if (extractor == "llm") != bool(llm_url):
        raise UsageError("--extractor llm and --llm-url/--llm-model go together; give all three, or none "
                         "for the offline rules")
    sources = list_sources(source)
    papers = None
    if corpus is not None:
        from thg.survey.corpus import load_corpus

        papers = load_corpus(corpus)
    names = ["extractions.jsonl"] + (["corpus.jsonl"] if papers is not None else [])
    with _output_folder(out_dir, names, overwrite) as paths:
        if extractor == "llm":
            from thg.survey.llm import LlmExtractor

            extract_tex = LlmExtractor(_chat(llm_url, llm_model, out_dir / "llm-cache.sqlite")).extract_tex
        records, failed, no_section = {}, [], []
        for pid, src in sources:
            try:
                found = extract_tex(read_tex_source(src))
            except InputError as e:
                failed.append(str(e))
                continue
            records[pid] = (found, found.to_record(pid))
            if not found.section_found:
                no_section.append(pid)
        if failed and not records:
            raise InputError(failed[0] if len(failed) == 1 else f"none of the {len(failed)} sources could be read; "
                             f"the first: {failed[0]}")
        with atomic_output(paths[0], overwrite=overwrite) as tmp, tmp.open("w", encoding="utf-8") as f:
            for _, record in records.values():
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        click.echo(f"{paths[0]}: {len(records)} of {len(sources)} papers")
        if papers is not None:
            from dataclasses import asdict

            matched = 0
            for p in papers:
                if p.id in records:
                    found = records[p.id][0]
                    p.datasets, p.metrics = found.datasets, found.metrics
                    p.new_metrics = [asdict(n) for n in found.new_metrics]
                    matched += 1
            _write_corpus(papers, paths[1], overwrite)
            click.echo(f"{paths[1]}: {matched} of {len(papers)} corpus papers have an extraction")
        for message in failed[:10]:
            click.echo(f"skipped {message}", err=True)
        if no_section:
            click.echo(f"no experiment section found, read the whole text: {', '.join(no_section[:10])}", err=True)


@survey.command("taxonomy")
@click.option("--corpus", type=click.Path(path_type=Path),
              help="Corpus file (.jsonl, .json, .csv, .bib or arXiv .xml) with id, title and abstract "
                   "[default: the shipped titles and abstracts of Table 1's papers].")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for assignments.csv, clusters.csv, taxonomy.json, corpus.jsonl and the dendrogram.")
@click.option("--threshold", type=float, default=None,
              help=f"Ward distance where the tree is cut [default: {TAXONOMY_THRESHOLD}].")
@click.option("--clusters", type=int, default=None, help="Cut into this many clusters instead.")
@click.option("--max-features", type=int, default=5000, show_default=True, help="TF-IDF vocabulary cap.")
@click.option("--ngrams", type=click.IntRange(1, 3), default=1, show_default=True, help="Longest term in words.")
@click.option("--min-df", type=click.IntRange(1), default=1, show_default=True,
              help="Leave out terms found in fewer papers.")
@click.option("--sublinear-tf", is_flag=True, help="Weigh term counts as 1 + log(count).")
@click.option("--tokens", type=click.Choice(["sklearn", "letters"]), default="sklearn", show_default=True,
              help="sklearn: scikit-learn's standard tokens (the survey's); letters: drop tokens that start "
                   "with a digit (\"3d\"), only to compare.")
@_llm_options
@click.option("--overwrite", is_flag=True, help="Replace outputs that exist.")
def taxonomy_cmd(corpus, out_dir, threshold, clusters, max_features, ngrams, min_df, sublinear_tf, tokens,
                 llm_url, llm_model, overwrite) -> None:
    """Cluster papers by title and abstract (TF-IDF, Ward) and draw the dendrogram (PNG and SVG).

    Without --corpus, clusters the survey's own 117 papers (those whose abstract is shipped) and
    prints how well the result agrees with Table 1 (adjusted Rand index); whenever the papers are
    Table 1's, the clusters are named by the survey's directions they match. Writes assignments.csv,
    clusters.csv (one summary row per cluster), taxonomy.json (every choice made), corpus.jsonl (the
    corpus with its cluster numbers) and dendrogram.png/.svg.
    """
    from thg.survey.corpus import load_corpus
    from thg.survey.directions import name_taxonomy
    from thg.survey.taxonomy import (
        TAXONOMY_FILES,
        TaxonomyConfig,
        build_taxonomy,
        write_taxonomy,
    )

    if threshold is not None and clusters is not None:
        raise UsageError("--threshold and --clusters both given; give one of them")
    _check_llm(llm_url, llm_model)
    config = TaxonomyConfig(max_features=max_features, ngram_max=ngrams, clusters=clusters, min_df=min_df,
                            sublinear_tf=sublinear_tf, tokens=tokens,
                            threshold=threshold if threshold is not None else TaxonomyConfig.threshold)
    with _output_folder(out_dir, list(TAXONOMY_FILES), overwrite) as paths:
        out = dict(zip(TAXONOMY_FILES, paths))
        if corpus is None:
            from thg.survey.methods import table_one_corpus

            papers = table_one_corpus(found_only=True)
            click.echo(f"corpus: the survey's Table 1, {len(papers)} of 117 papers with a shipped abstract", err=True)
        else:
            papers = load_corpus(corpus)
        tax = build_taxonomy(papers, config)
        tax.extra["corpus"] = (str(corpus) if corpus is not None else
                               f"the shipped titles and abstracts of Table 1 ({len(papers)} of 117 papers found)")
        bare = sum(not p.abstract for p in papers)
        if bare:
            click.echo(f"note: {bare} of {len(papers)} papers have no abstract; they are placed by title alone", err=True)
        chat = _chat(llm_url, llm_model, out_dir / "llm-cache.sqlite")
        if chat is not None:                    # the survey's LLM labels; the distinctive terms stay in clusters.csv
            from thg.survey.llm import llm_cluster_labels

            named = llm_cluster_labels(tax, papers, chat)
            for c in tax.clusters:
                c.label = named[c.number]
        table1 = name_taxonomy(tax)
        write_taxonomy(tax, papers, out, overwrite=overwrite)
        click.echo(f"{len(tax.ids)} papers, {len(tax.clusters)} clusters (cut at Ward distance {tax.cut_height:.3f}):")
        for c in tax.clusters:
            click.echo(f"  {c.number:>2}  {len(c.members):>4}  {c.label}" + (f"  [{c.direction}]" if c.direction else ""))
        if table1 is not None:
            click.echo(f"agreement with Table 1's clusters: adjusted Rand index {table1.ari:.3f} "
                       f"on {table1.papers} papers")
        click.echo(f"written to {out_dir}")


@survey.command("trends")
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for the CSV tables and figures.")
@click.option("--top", type=click.IntRange(1), default=5, show_default=True, help="Lines per figure panel.")
@click.option("--figure", "fig_format", type=click.Choice(FIGURE_FORMATS), default="png", show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace outputs that exist.")
def trends_cmd(corpus, out_dir, top, fig_format, overwrite) -> None:
    """Dataset use (by role) and metric use (by family) per year, new metrics per family, code and
    stars per year; CSV tables, figures and a Markdown report (report.md) that shows them."""
    from thg.survey import trends
    from thg.survey.corpus import load_corpus
    from thg.survey.trends import trend_files

    names = trend_files(fig_format)
    with _output_folder(out_dir, names, overwrite) as folder_paths:
        paths = dict(zip(names, folder_paths))
        papers = load_corpus(corpus)
        undated = [p.id for p in papers if p.year is None]
        if len(undated) == len(papers):
            raise InputError(f"{corpus}: no paper has a year; add a 'year' column (or arXiv ids, which carry one)")
        tables = trends.write_trends(papers, paths, fig_format=fig_format, top=top, overwrite=overwrite)
        years = sorted({p.year for p in papers if p.year is not None})
        click.echo(f"{len(papers) - len(undated)} papers, {years[0]}-{years[-1]}; written to {out_dir}")
        shares = trends.family_shares(tables["families.csv"])
        if shares:
            from thg.survey.vocab import METRIC_FAMILIES

            fams = [f for f in [*METRIC_FAMILIES, "other"] if any(s.get(f) for s in shares.values())]
            click.echo("share of metric use per family:")
            click.echo("  year  " + "  ".join(f"{f:>10}" for f in fams))
            for year, s in shares.items():
                click.echo(f"  {year}  " + "  ".join(f"{s.get(f, 0):>10.0%}" for f in fams))
        if undated:
            click.echo(f"skipped {len(undated)} papers without a year: {', '.join(undated[:10])}", err=True)
        unknown = trends.unknown_names(papers)
        for kind, names_ in unknown.items():
            if names_:
                click.echo(f"{kind} names not in the vocabulary (counted as 'other'): {', '.join(names_[:15])}", err=True)


@survey.command("run")
@click.argument("query", nargs=-1, required=True)
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder of the run: cache, corpora, taxonomy/, trends/, report.md and report.html.")
@click.option("--from", "start", default="2021-01-01", show_default=True, help="First submission day (YYYY-MM-DD).")
@click.option("--to", "end", default="2025-12-31", show_default=True, help="Last submission day (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(1), help="Stop after this many arXiv results.")
@click.option("--no-enrich", is_flag=True, help="Only the arXiv search: no venue, citation or star look-ups.")
@click.option("--min-stars", type=click.IntRange(0), default=100, show_default=True,
              help="GitHub stars a preprint needs to be kept.")
@click.option("--top-venues-only", is_flag=True, help="Peer-reviewed papers must also be at a listed top venue.")
@click.option("--threshold", type=float, default=None,
              help=f"Ward distance where the taxonomy is cut [default: {TAXONOMY_THRESHOLD}].")
@click.option("--clusters", type=click.IntRange(1), default=None, help="Cut into this many clusters instead.")
@click.option("--sources", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Folder of the papers' LaTeX sources or e-prints (<id>.tex, <id>.tar.gz, <id>/) for the "
                   "extraction [default: the titles and abstracts].")
@click.option("--offline", is_flag=True, help="Send nothing: answer every request from the run's cache.")
@_web_options
@click.option("--overwrite", is_flag=True, help="Use a folder that holds other files.")
def run_cmd(query, out_dir, start, end, limit, no_enrich, min_stars, top_venues_only, threshold, clusters, sources,
            offline, interval, retries, backoff, arxiv_url, semantic_scholar_url, crossref_url, github_url, mailto,
            overwrite) -> None:
    """The whole survey for QUERY (one or more arXiv keywords): collect, curate, taxonomy, extract,
    trends and a report (report.md and report.html), all in one folder.

    Resumable: every web answer is cached in the folder and run.json records each finished stage, so
    a rerun picks up where a run stopped, redoes only the stages whose settings changed, and with
    --offline works from the cache alone.
    """
    import os

    from thg.survey import pipeline

    if threshold is not None and clusters is not None:
        raise UsageError("--threshold and --clusters both given; give one of them")
    if threshold is not None and not 0 < threshold < float("inf"):
        raise UsageError(f"--threshold {threshold} must be a positive Ward distance, e.g. {TAXONOMY_THRESHOLD}")
    _check_urls(arxiv_url=arxiv_url, semantic_scholar_url=semantic_scholar_url, crossref_url=crossref_url,
                github_url=github_url)
    settings = pipeline.RunSettings(tuple(query), start, end, limit, not no_enrich, min_stars, top_venues_only,
                                    clusters, threshold, str(sources) if sources else None)
    clients = pipeline.Clients(arxiv_url, semantic_scholar_url, crossref_url, github_url, interval, retries, backoff,
                               mailto, offline, {"github": os.environ.get("GITHUB_TOKEN", ""),
                                                 "semantic_scholar": os.environ.get("S2_API_KEY", "")})
    skipped = []
    with click.progressbar(length=len(pipeline.STAGES), label="thg survey run", file=sys.stderr, show_pos=True,
                           item_show_func=lambda s: s or "") as bar:
        def on_stage(stage: str, was_done: bool) -> None:
            if was_done:
                skipped.append(stage)
            bar.label = "thg survey run"
            bar.update(1, stage + (" (done before)" if was_done else ""))

        def progress(step: str, i: int, n: int) -> None:      # a new label is a new line off a terminal
            if i == n or i % 25 == 0:
                bar.label = f"thg survey run: collect, {step} {i}/{n}"
                bar.render_progress()

        state = pipeline.run_pipeline(out_dir, settings, clients, overwrite=overwrite, on_stage=on_stage,
                                      progress=progress)
    stages = state["stages"]
    tax = stages["taxonomy"]
    click.echo(f"{stages['collect']['papers']} papers collected, {stages['curate']['papers']} kept, "
               f"{tax['clusters']} clusters" + (f" (ARI {tax['table1_ari']:.3f} against Table 1)"
                                                if "table1_ari" in tax else ""))
    if skipped:
        click.echo(f"reused from the last run: {', '.join(skipped)}")
    click.echo(f"report: {out_dir / 'report.html'} and {out_dir / 'report.md'}")
