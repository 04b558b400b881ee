"""The controlled vocabulary: canonical dataset and metric names, their aliases and groups.

The table ships as ``data/vocabulary.csv`` (kind, name, group, year, common_word, aliases); add a
spelling there and every command counts it.

Papers name the same thing many ways ("VoxCeleb-2", "Vox2"; "Landmark Distance", "LMD"). Every
name found in a paper is mapped to one canonical :class:`Term` here, so counts across papers and
years compare like with like. Dataset groups follow the survey's four categories (appendix C);
metric families are the five of appendix D, keyed as in :data:`thg.eval.base.FAMILIES`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from thg.errors import InputError

DATASET_GROUPS: dict[str, str] = {
    "image": "face images",
    "audio": "speech audio",
    "audiovisual": "audio-visual",
    "emotion": "emotion",
}

METRIC_FAMILIES: dict[str, str] = {
    "visual": "visual quality",
    "sync": "audio-visual sync",
    "geometry": "geometry & landmarks",
    "expression": "expression naturalness",
    "driving": "driving alignment",
}


@dataclass(frozen=True)
class Term:
    """One canonical dataset or metric name."""

    name: str                     # canonical spelling, e.g. "VoxCeleb2", "LSE-C"
    kind: str                     # "dataset" or "metric"
    group: str                    # a DATASET_GROUPS key (datasets) or METRIC_FAMILIES key (metrics)
    aliases: tuple[str, ...] = ()  # other spellings found in papers
    year: int | None = None       # release year (datasets)
    cue: bool = False             # a common word ("Diversity", "L1"): counts only near words like "metric"

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _load() -> tuple[tuple[Term, ...], tuple[Term, ...]]:
    """The shipped normalisation table ``data/vocabulary.csv``: one row per canonical name with its
    kind, group, release year (datasets), common-word flag and ``;``-separated aliases."""
    import csv
    import io
    from importlib import resources

    text = resources.files("thg.survey").joinpath("data/vocabulary.csv").read_text(encoding="utf-8")
    out: dict[str, list[Term]] = {"dataset": [], "metric": []}
    for row in csv.DictReader(io.StringIO(text)):
        aliases = tuple(a.strip() for a in row["aliases"].split(";") if a.strip())
        out[row["kind"]].append(Term(row["name"], row["kind"], row["group"], aliases,
                                     int(row["year"]) if row["year"] else None, row["common_word"] == "yes"))
    return tuple(out["dataset"]), tuple(out["metric"])


@cache
def _table() -> tuple[tuple[Term, ...], tuple[Term, ...]]:
    return _load()


def _pool(kind: str) -> tuple[Term, ...]:
    return _table()[0] if kind == "dataset" else _table()[1]


def __getattr__(name: str):
    # DATASETS / METRICS: the table's terms, read on first use (importing this module reads nothing)
    if name in ("DATASETS", "METRICS"):
        return _pool(name[:-1].lower())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _key(name: str) -> str:
    """Spelling-insensitive key: case, dashes, spaces, underscores and dots do not matter."""
    return re.sub(r"[\s\-_.]+", "", name.strip().lower().replace("é", "e"))


@cache
def _index(kind: str) -> dict[str, Term]:
    terms = _pool(kind)
    out: dict[str, Term] = {}
    for term in terms:
        for spelling in term.spellings:
            out.setdefault(_key(spelling), term)
    return out


def lookup(name: str, kind: str) -> Term | None:
    """The canonical term for ``name`` (any known spelling), or None."""
    if kind not in ("dataset", "metric"):
        raise InputError(f"kind {kind!r} is not known; use 'dataset' or 'metric'")
    return _index(kind).get(_key(name))


def normalize(name: str, kind: str) -> Term:
    """Like :func:`lookup`, but an unknown name raises an error that suggests the closest names."""
    term = lookup(name, kind)
    if term is None:
        names = [t.name for t in _pool(kind)]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; `thg survey terms {kind}s` lists them"
        raise InputError(f"{kind} name {name!r} is not in the vocabulary{hint}")
    return term


def normalize_any(name: str) -> Term:
    """A dataset name if ``name`` is one, else a metric name; unknown names suggest from both."""
    term = lookup(name, "dataset") or lookup(name, "metric")
    if term is None:
        names = [t.name for t in (*_pool("dataset"), *_pool("metric"))]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `thg survey terms datasets|metrics` lists them"
        raise InputError(f"name {name!r} is neither a known dataset nor a known metric{hint}")
    return term


def terms(kind: str, group: str | None = None) -> list[Term]:
    """All terms of a kind, optionally of one group (dataset category or metric family)."""
    if kind not in ("dataset", "metric"):
        raise InputError(f"kind {kind!r} is not known; use 'dataset' or 'metric'")
    groups = DATASET_GROUPS if kind == "dataset" else METRIC_FAMILIES
    if group is not None and group not in groups:
        raise InputError(f"{kind} group {group!r} is not known; use one of {', '.join(groups)}")
    return [t for t in _pool(kind) if group is None or t.group == group]


def _spelling_regex(spelling: str) -> str:
    # any run of separators in a spelling matches any run (or none) in the text
    tokens = [re.escape(tok) for tok in re.split(r"[\s\-_.]+", spelling) if tok]
    body = r"[\s\-_.]*".join(tokens)
    # an acronym ("GRID", "MEAD", "L1") must match its case: "grid" and "mead" are English words
    acronym = not any(c.islower() for c in spelling)
    return body if acronym else f"(?i:{body})"


@cache
def mention_pattern(kind: str) -> re.Pattern[str]:
    """One regex that finds any spelling of any term of ``kind`` as a whole word in running text."""
    spellings = sorted({s for t in terms(kind) for s in t.spellings}, key=len, reverse=True)
    alternatives = "|".join(_spelling_regex(s) for s in spellings)
    # not part of a longer word or name: no letter, digit or joining dash on either side
    return re.compile(r"(?<![\w\-])(?:" + alternatives + r")(?!\w|-\w)")
