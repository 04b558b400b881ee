"""The semantic taxonomy (survey section 2.1 and appendix B.1).

The survey's method, as its appendix B.1 states it, is the default: titles and abstracts become
TF-IDF vectors with scikit-learn's standard tokenisation (``TfidfVectorizer`` as it comes: lower
case, tokens of two or more word characters, so "3d", "2d" and "3dmm" are terms), English stop
words removed and the vocabulary capped at the 5,000 most frequent terms; Ward's agglomerative
clustering (scipy, Euclidean distance on the L2-normalised rows) merges them, and a distance
threshold cuts the tree. Every other preprocessing (two-word terms, a minimum document frequency,
sublinear term frequency, another token pattern) is an option of :class:`TaxonomyConfig`, and
``taxonomy.json`` states every choice that was used (:meth:`Taxonomy.to_dict`).

Where the survey asks a language model to name each cluster, thg names it by the terms that set the
cluster apart: the largest gap between the cluster's mean TF-IDF weight and the rest of the corpus's
(:mod:`thg.survey.directions` names clusters of Table 1's papers by the survey's own directions).
Clusters are numbered 1, 2, ... in dendrogram order.

Ward on the 5,000-term vectors themselves needs every pairwise distance over 5,000 dimensions; past
``reduce_above`` papers (2,000 by default) the vectors are first projected to ``components`` (100)
dimensions by truncated SVD (latent semantic analysis), which keeps the directions that carry most
of the variance Ward minimises. 10,000 abstracts then cluster in seconds and well under 4 GB
(``bench/survey_bench.py``). Labels are always computed on the full TF-IDF vectors. A ``threshold``
then applies to Ward distances in the projected space, which are a little shorter than in the full
one; ``taxonomy.json`` says which space was used (``ward_space``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thg.errors import InputError
from thg.survey.corpus import Paper

#: the files ``thg survey taxonomy`` writes into its folder
TAXONOMY_FILES = ("assignments.csv", "clusters.csv", "taxonomy.json", "corpus.jsonl", "dendrogram.png", "dendrogram.svg")

SKLEARN_TOKENS = r"(?u)\b\w\w+\b"          # TfidfVectorizer's own default token pattern
#: named token patterns for ``TaxonomyConfig.tokens``; "letters" drops every token that starts with a
#: digit ("3d", "2d"), as thg did before it followed the survey, and is kept only to compare
TOKEN_PATTERNS = {"sklearn": SKLEARN_TOKENS, "letters": r"(?u)\b[a-zA-Z][\w\-]+\b"}


@dataclass(frozen=True)
class TaxonomyConfig:
    max_features: int = 5000             # vocabulary cap (survey: 5,000)
    threshold: float | None = 1.54       # Ward merge height where the tree is cut (see bench/survey_bench.py reproduce)
    clusters: int | None = None          # or: cut into exactly this many clusters (overrides threshold)
    tokens: str = "sklearn"              # a TOKEN_PATTERNS name (survey: scikit-learn's standard tokens)
    stop_words: str | None = "english"   # scikit-learn's English list (survey); None keeps every word
    min_df: int = 1                      # ignore terms found in fewer papers
    ngram_max: int = 1                   # 2 adds two-word terms ("radiance field")
    sublinear_tf: bool = False           # 1 + log(tf) instead of raw counts
    label_terms: int = 4                 # terms per cluster label
    reduce_above: int = 2000             # larger corpora: Ward on a TruncatedSVD projection (memory-lean)
    components: int = 100                # dimensions of that projection

    def check(self, n_papers: int) -> None:
        if n_papers < 2:
            raise InputError(f"corpus has {n_papers} paper(s) with text; a taxonomy needs at least 2")
        if self.clusters is not None and not 1 <= self.clusters <= n_papers:
            raise InputError(f"clusters={self.clusters} is out of range; give 1 to {n_papers} (the number of papers)")
        if self.clusters is None and (self.threshold is None or not 0 < self.threshold < float("inf")):
            raise InputError(f"threshold={self.threshold} must be a positive Ward distance (e.g. 1.6) or give clusters")
        if self.max_features < 1:
            raise InputError(f"max_features={self.max_features} must be at least 1")
        if self.tokens not in TOKEN_PATTERNS:
            raise InputError(f"tokens={self.tokens!r} is not known; use one of {', '.join(TOKEN_PATTERNS)}")

    def vectorizer_params(self) -> dict:
        """The TfidfVectorizer arguments, every one stated (the rest of its defaults are listed too)."""
        return {"lowercase": True, "token_pattern": TOKEN_PATTERNS[self.tokens], "stop_words": self.stop_words,
                "max_features": self.max_features, "min_df": self.min_df, "ngram_range": (1, self.ngram_max),
                "sublinear_tf": self.sublinear_tf, "norm": "l2", "use_idf": True, "smooth_idf": True}


@dataclass
class Cluster:
    number: int
    label: str                    # the distinguishing terms joined with " / "
    terms: list[str]
    members: list[str]            # paper ids, in dendrogram order
    direction: str = ""           # the survey's direction it matches (Table 1's papers only)


@dataclass
class Taxonomy:
    ids: list[str]                       # paper ids, corpus order
    names: list[str]                     # display names (method or title), corpus order
    assignment: list[int]                # cluster number per paper, corpus order
    clusters: list[Cluster]
    linkage: np.ndarray                  # scipy linkage matrix ((n-1) x 4)
    order: list[int]                     # dendrogram leaf order (corpus indices)
    config: TaxonomyConfig
    cut_height: float                    # the Ward height at which the tree was cut
    vocabulary_size: int
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        import scipy
        import sklearn

        params = self.config.vectorizer_params()
        return {
            "method": {
                "text": "title + '. ' + abstract",
                "vectorizer": {"library": f"scikit-learn {sklearn.__version__}", "class": "TfidfVectorizer",
                               **params, "ngram_range": list(params["ngram_range"])},
                "clustering": {"library": f"scipy {scipy.__version__}", "function": "scipy.cluster.hierarchy.linkage",
                               "method": "ward", "metric": "euclidean"},
                "cut": ({"criterion": "maxclust", "clusters": self.config.clusters} if self.config.clusters
                        is not None else {"criterion": "distance", "threshold": self.config.threshold}),
                "labels": "distinctive terms (cluster mean TF-IDF minus the rest's)",
            },
            "config": {k: getattr(self.config, k) for k in self.config.__dataclass_fields__},
            "cut_height": self.cut_height,
            "vocabulary_size": self.vocabulary_size,
            "ward_space": self.extra.get("ward_space", "TF-IDF"),
            "clusters": [{"number": c.number, "label": c.label, **({"direction": c.direction} if c.direction else {}),
                          "terms": c.terms, "size": len(c.members), "members": c.members} for c in self.clusters],
            **{k: self.extra[k] for k in ("corpus", "table1") if k in self.extra},
        }


def _vectorize(texts: list[str], config: TaxonomyConfig):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(**config.vectorizer_params())
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:
        raise InputError("the papers' titles and abstracts hold no words after stop-word removal; "
                         "add abstracts to the corpus") from None
    return matrix, vectorizer.get_feature_names_out()


def build_taxonomy(papers: list[Paper], config: TaxonomyConfig = TaxonomyConfig()) -> Taxonomy:
    """Cluster papers by their titles and abstracts."""
    from scipy.cluster.hierarchy import fcluster, leaves_list, linkage

    papers = [p for p in papers if p.text.strip(". ")]
    config.check(len(papers))
    matrix, vocab = _vectorize([p.text for p in papers], config)   # sparse, rows L2-normalised
    if matrix.nnz == 0:
        raise InputError("no paper shares a term with the vocabulary; add abstracts to the corpus")
    features = _ward_features(matrix, config)
    space = f"truncated SVD, {features.shape[1]} dimensions" if features.shape[1] < matrix.shape[1] else "TF-IDF"
    z = linkage(features, method="ward", metric="euclidean")
    del features
    if config.clusters is not None:
        raw = fcluster(z, t=config.clusters, criterion="maxclust")
        k = len(set(raw))
        heights = np.sort(z[:, 2])[::-1]            # merge heights, highest first
        low = float(heights[k - 1]) if k - 1 < len(heights) else 0.0
        cut = (low + float(heights[k - 2])) / 2 if k >= 2 else float(heights[0]) * 1.05
    else:
        assert config.threshold is not None         # TaxonomyConfig requires one when clusters is not given
        raw = fcluster(z, t=config.threshold, criterion="distance")
        cut = float(config.threshold)
    order = [int(i) for i in leaves_list(z)]
    # renumber clusters by first appearance in dendrogram order
    renumber: dict[int, int] = {}
    for i in order:
        renumber.setdefault(int(raw[i]), len(renumber) + 1)
    numbers = np.array([renumber[int(c)] for c in raw])
    total = np.asarray(matrix.sum(axis=0)).ravel()
    position = np.empty(len(order), dtype=int)
    position[order] = np.arange(len(order))
    clusters = []
    for number in range(1, len(renumber) + 1):
        rows = np.flatnonzero(numbers == number)
        rows = rows[np.argsort(position[rows])]          # dendrogram order
        inside_sum = np.asarray(matrix[rows].sum(axis=0)).ravel()
        inside = inside_sum / len(rows)
        rest = len(papers) - len(rows)
        outside = (total - inside_sum) / rest if rest else np.zeros_like(total)
        score = inside - outside
        top = [str(vocab[j]) for j in np.argsort(-score, kind="stable")[: config.label_terms] if score[j] > 0]
        clusters.append(Cluster(number, " / ".join(top), top, [papers[i].id for i in rows]))
    assignment = [int(a) for a in numbers]
    names = [p.method or p.title for p in papers]
    return Taxonomy([p.id for p in papers], names, assignment, clusters, z, order, config, cut, len(vocab),
                    extra={"ward_space": space})


def _ward_features(matrix, config: TaxonomyConfig) -> np.ndarray:
    """Dense vectors for Ward: the TF-IDF rows themselves, or their truncated-SVD projection for a
    large corpus (float32 would halve memory but change merge order on ties, so float64 is kept)."""
    n, m = matrix.shape
    if n <= config.reduce_above or m <= config.components:
        return matrix.toarray().astype(np.float64)
    from sklearn.decomposition import TruncatedSVD

    svd = TruncatedSVD(n_components=config.components, algorithm="randomized", n_iter=4, random_state=0)
    return svd.fit_transform(matrix).astype(np.float64)


def _first_leaf(z: np.ndarray, node: int, n: int) -> int:
    while node >= n:
        node = int(z[node - n, 0])
    return node


def plot_dendrogram(tax: Taxonomy, path: str | Path, *, title: str = "Semantic taxonomy",
                    max_leaves: int = 150, fmt: str | None = None) -> None:
    """Draw the tree as in the survey's Figure 1: linkage distance across, leaves on the right,
    branches coloured by cluster below the cut, each cluster's number and label on the left.

    Past ``max_leaves`` papers the lowest merges are folded: a leaf then stands for a group of
    papers and shows their count in brackets.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.cluster.hierarchy import dendrogram

    n = len(tax.ids)
    folded = n > max_leaves
    shown = max_leaves if folded else n
    fig, ax = plt.subplots(figsize=(11, max(4.0, 0.18 * shown + 1.5)))
    labels = [f"{name[:36]} [{c}]" for name, c in zip(tax.names, tax.assignment)]
    tree = dendrogram(tax.linkage, orientation="left", labels=labels,
                      truncate_mode="lastp" if folded else None, p=shown, show_leaf_counts=True,
                      color_threshold=tax.cut_height, above_threshold_color="#888888",
                      leaf_font_size=max(5, min(10, int(600 / max(shown, 1)))), ax=ax)
    ax.axvline(tax.cut_height, color="#cc3333", linestyle="--", linewidth=0.8)
    ax.set_xlabel("Ward linkage distance")
    ax.set_title(title if not folded else f"{title} ({n} papers, {shown} leaves)")
    # scipy draws leaves bottom-up at y = 5, 15, 25, ...; a shown leaf may be a folded group, whose
    # papers all share one cluster as long as the cut lies above the folded merges
    ys: dict[int, list[float]] = {}
    for k, node in enumerate(tree["leaves"]):
        cluster = tax.assignment[_first_leaf(tax.linkage, int(node), n)]
        ys.setdefault(cluster, []).append(5 + 10 * k)
    for c in tax.clusters:
        if c.number in ys:
            ax.annotate(f"{c.number}: {c.direction or c.label}", xy=(-0.02, float(np.mean(ys[c.number]))),
                        xycoords=("axes fraction", "data"), fontsize=8, va="center", ha="right")
    fig.subplots_adjust(left=0.30, right=0.68)
    fig.savefig(str(path), dpi=120, format=fmt or Path(path).suffix.lstrip(".").lower() or "png")
    plt.close(fig)


def write_taxonomy(tax: Taxonomy, papers: list[Paper], out: dict, *, overwrite: bool = False) -> None:
    """Write a taxonomy's files (:data:`TAXONOMY_FILES` name -> path in ``out``) and set each
    paper's cluster."""
    import csv
    import json

    from thg.io.output import atomic_output
    from thg.survey.corpus import write_corpus


    number = dict(zip(tax.ids, tax.assignment))
    for p in papers:
        p.cluster = number.get(p.id)
    labels = {c.number: c.label for c in tax.clusters}
    directions = {c.number: c.direction for c in tax.clusters}
    with atomic_output(out["assignments.csv"], overwrite=overwrite) as tmp, \
            tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        named = any(directions.values())                # Table 1's papers: the survey's directions too
        w.writerow(["id", "cluster", "label", *(["direction"] if named else [])])
        for i in tax.order:
            a = tax.assignment[i]
            w.writerow([tax.ids[i], a, labels[a], *([directions[a]] if named else [])])
    by_id = {p.id: p for p in papers}
    with atomic_output(out["clusters.csv"], overwrite=overwrite) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["cluster", "label", "direction", "size", "terms", "years", "examples"])
        for c in tax.clusters:
            years = sorted(y for y in (by_id[m].year for m in c.members) if y is not None)
            span = f"{years[0]}-{years[-1]}" if years else ""
            examples = "; ".join((by_id[m].method or by_id[m].title)[:60] for m in c.members[:5])
            w.writerow([c.number, c.label, c.direction, len(c.members), " ".join(c.terms), span, examples])
    with atomic_output(out["taxonomy.json"], overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(tax.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    with atomic_output(out["corpus.jsonl"], overwrite=overwrite) as tmp:
        write_corpus(papers, tmp)
    for name in ("dendrogram.png", "dendrogram.svg"):
        with atomic_output(out[name], overwrite=overwrite) as tmp:
            plot_dendrogram(tax, tmp, fmt=name.rsplit(".", 1)[1])
