"""The survey's Table 1 (methods) and Table 2 (datasets).

Table 1: 117 talking-head methods (2021-2025) with arXiv id, taxonomy cluster,
venue, code and GitHub stars (counted on 8 December 2025) and the new metrics each proposed.

The table ships as ``data/methods.csv``, cleaned from the survey's text (OCR slips in venue and
method names fixed, code links added where the survey lists them). It loads as a corpus of
:class:`~thg.survey.corpus.Paper` whose ``year`` is the publication year of the venue.

Beside it ships ``data/table1_corpus.jsonl``: the title and abstract of each of the 117 papers
(arXiv metadata, CC0), one record per Table 1 row in the table's order, each with ``source``, the page
its text was taken from, and ``found``; the few papers whose abstract could not be found keep the
method name as title, an empty abstract and ``found: false``. :func:`table_one_corpus` loads it, and
``thg survey taxonomy`` without ``--corpus`` clusters it and compares the result with Table 1.

:func:`table_one_text` gives the only per-paper text the table itself has (method name, venue,
new-metric names, code repository name); on it alone, Ward clustering agrees with the survey's
cluster column only at chance level (``tests/survey/test_methods.py``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from thg.errors import InputError
from thg.survey.corpus import Paper

SOURCE = "Table 1 of the longitudinal THG survey (2021-2025), star counts of 2025-12-08"


def survey_methods() -> list[Paper]:
    """The 117 methods as papers (title = method name; no abstracts)."""
    text = resources.files("thg.survey").joinpath("data/methods.csv").read_text(encoding="utf-8")
    papers = []
    for row in csv.DictReader(io.StringIO(text)):
        papers.append(Paper(
            id=row["arxiv_id"],
            title=row["method"],
            method=row["method"],
            year=int(row["year"]),
            venue=row["venue"],
            cluster=int(row["cluster"]),
            code_url=row["code_url"],
            stars=int(row["stars"]) if row["stars"] else None,
            new_metrics=[{"name": n, "family": "", "evidence": "survey Table 1"}
                         for n in row["new_metrics"].split(";") if n],
            extra={"code": row["code"] == "True"},
        ))
    return papers


def table_one_corpus(*, found_only: bool = False) -> list[Paper]:
    """Table 1's 117 methods with their titles and abstracts (``extra``: ``source`` and ``found``);
    ``found_only`` leaves out the papers whose abstract was not found."""
    text = resources.files("thg.survey").joinpath("data/table1_corpus.jsonl").read_text(encoding="utf-8")
    records = {r["id"]: r for r in map(json.loads, text.splitlines())}
    papers = []
    for p in survey_methods():
        r = records[p.id]
        if found_only and not r["found"]:
            continue
        p.title, p.abstract = r["title"], r["abstract"]
        p.extra = {**p.extra, "found": r["found"], "source": r["source"]}
        if r.get("note"):
            p.extra["note"] = r["note"]
        papers.append(p)
    return papers


def table_one_text(paper: Paper, *, with_name: bool = True) -> Paper:
    """A copy of a Table 1 paper whose title and abstract hold only the table's own per-paper words:
    method name (optional), venue, new-metric names and the code repository's owner/name. The cluster
    column and the survey's cluster descriptions are never used (that would be circular)."""
    repo = paper.code_url.removeprefix("https://github.com/").replace("/", " ")
    words = " ".join([paper.venue, *(m["name"] for m in paper.new_metrics), repo])
    return Paper(id=paper.id, title=paper.method if with_name else paper.venue, abstract=" ".join(words.split()),
                 year=paper.year, venue=paper.venue, method=paper.method)


DATASETS_SOURCE = "Table 2 of the longitudinal THG survey; groups of its appendix C"


@dataclass(frozen=True)
class DatasetInfo:
    """One row of the survey's Table 2."""

    name: str            # as the table writes it
    canonical: str       # the vocabulary's name (LRS3-TED is merged into LRS3, as the survey counts it)
    group: str           # a thg.survey.vocab.DATASET_GROUPS key: image, audio, audiovisual, emotion
    year: int
    speakers: str        # as given ("1,251", "~5,000", "N/A")
    scale: str
    resolution: str
    source: str


def survey_datasets(group: str | None = None) -> list[DatasetInfo]:
    """Table 2 (22 datasets: year, speakers, scale, resolution, source), in the table's order,
    optionally only one of the four groups of appendix C."""
    from thg.survey.vocab import DATASET_GROUPS

    if group is not None and group not in DATASET_GROUPS:
        raise InputError(f"dataset group {group!r} is not known; use one of {', '.join(DATASET_GROUPS)}")
    text = resources.files("thg.survey").joinpath("data/datasets.csv").read_text(encoding="utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        fields: dict[str, Any] = {**row, "year": int(row["year"])}
        rows.append(DatasetInfo(**fields))
    return [r for r in rows if group is None or r.group == group]
