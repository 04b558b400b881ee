"""Map the field: the literature tools of the longitudinal THG survey.

Corpus building from arXiv, Semantic Scholar, CrossRef and GitHub (:mod:`~thg.survey.collect`, the
only part that uses the network) or from saved files (:mod:`~thg.survey.corpus`) -> curation (:mod:`~thg.survey.curate`) -> experiment
extraction (:mod:`~thg.survey.extract`, names normalised by :mod:`~thg.survey.vocab`) ->
taxonomy (:mod:`~thg.survey.taxonomy`) -> longitudinal trends (:mod:`~thg.survey.trends`).
The survey's own Table 1 ships as :func:`~thg.survey.methods.survey_methods`, Table 2 as
:func:`~thg.survey.methods.survey_datasets`.
Submodules load on first use; importing ``thg.survey`` does no work.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Paper": "corpus", "load_corpus": "corpus", "write_corpus": "corpus", "merge_corpora": "corpus",
    "CurationConfig": "curate", "curate": "curate",
    "Collector": "collect", "Cache": "collect", "Fetcher": "collect",
    "Extraction": "extract", "extract_tex": "extract", "extract_text": "extract", "list_sources": "extract",
    "read_tex_source": "extract",
    "TaxonomyConfig": "taxonomy", "Taxonomy": "taxonomy", "build_taxonomy": "taxonomy",
    "plot_dendrogram": "taxonomy",
    "Term": "vocab", "lookup": "vocab", "normalize": "vocab", "terms": "vocab",
    "survey_methods": "methods", "survey_datasets": "methods",
}

__all__ = [
    "Cache", "Collector", "CurationConfig", "Extraction", "Fetcher", "Paper", "Taxonomy", "TaxonomyConfig", "Term",
    "build_taxonomy", "curate", "extract_tex", "extract_text", "list_sources", "load_corpus", "lookup",
    "merge_corpora", "normalize", "plot_dendrogram", "read_tex_source", "survey_datasets", "survey_methods", "terms",
    "write_corpus",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"thg.survey.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'thg.survey' has no attribute {name!r}")
