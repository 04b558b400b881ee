"""Map the field: the literature tools of the longitudinal THG survey, offline.

Corpus (:mod:`~thg.survey.corpus`) -> curation (:mod:`~thg.survey.curate`) -> experiment
extraction (:mod:`~thg.survey.extract`, names normalised by :mod:`~thg.survey.vocab`) ->
taxonomy (:mod:`~thg.survey.taxonomy`) -> longitudinal trends (:mod:`~thg.survey.trends`).
The survey's own Table 1 ships as :func:`~thg.survey.methods.survey_methods`.
Submodules load on first use; importing ``thg.survey`` does no work.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Paper": "corpus", "load_corpus": "corpus", "write_corpus": "corpus", "merge_corpora": "corpus",
    "CurationConfig": "curate", "curate": "curate",
    "Extraction": "extract", "extract_tex": "extract", "extract_text": "extract",
    "TaxonomyConfig": "taxonomy", "Taxonomy": "taxonomy", "build_taxonomy": "taxonomy",
    "plot_dendrogram": "taxonomy",
    "Term": "vocab", "lookup": "vocab", "normalize": "vocab", "terms": "vocab",
    "survey_methods": "methods",
}

__all__ = [
    "CurationConfig", "Extraction", "Paper", "Taxonomy", "TaxonomyConfig", "Term", "build_taxonomy", "curate",
    "extract_tex", "extract_text", "load_corpus", "lookup", "merge_corpora", "normalize", "plot_dendrogram",
    "survey_methods", "terms", "write_corpus",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"thg.survey.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'thg.survey' has no attribute {name!r}")
