"""The survey's ten research directions (its section 2.2 and Figure 1), tied to Table 1's clusters.

Table 1 numbers its clusters 1-10; the survey's text names the directions but never says which number
is which. The pairing below follows the members of each cluster (Table 1 lists StyleTalk, StyleTalk++
and Style2Talker in cluster 1, the emotion methods in 2, FaceFormer, CodeTalker and MeshTalk in 3, the
NeRF heads in 7, and so on). Cluster 9 holds only DaGAN and DaGAN++ and the survey's text does not
name it; its name here is thg's (marked ``named_by="thg"``).

A computed taxonomy of Table 1's papers is named by matching its clusters to Table 1's: the
one-to-one pairing of computed and Table 1 clusters that shares the most papers (the Hungarian
method); a computed cluster left without a partner (when there are more than ten) takes the
direction most of its members have, marked with a "~". The agreement of the whole taxonomy with
Table 1 is the adjusted Rand index (1 = the same partition, 0 = chance).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Direction:
    cluster: int          # Table 1's cluster number
    name: str
    named_by: str         # "survey" (section 2.2 / Figure 1) or "thg"


DIRECTIONS = {d.cluster: d for d in (
    Direction(1, "style-controllable and personalized animation", "survey"),
    Direction(2, "emotion-driven synthesis", "survey"),
    Direction(3, "speech-to-motion representation learning", "survey"),
    Direction(4, "multimodal fine-grained facial control", "survey"),
    Direction(5, "general-purpose portrait animation frameworks", "survey"),
    Direction(6, "high-fidelity diffusion models", "survey"),
    Direction(7, "NeRF-based 3D heads", "survey"),
    Direction(8, "audio-visual synchronization", "survey"),
    Direction(9, "depth-aware face reenactment", "thg"),
    Direction(10, "fully controllable identity-preserving talking heads", "survey"),
)}


def direction_name(cluster: int | None) -> str:
    """The direction of a Table 1 cluster number ("" for none)."""
    d = DIRECTIONS.get(cluster) if cluster is not None else None
    return d.name if d else ""


def table_one_clusters() -> dict[str, int]:
    """arXiv id -> Table 1 cluster, for the 117 methods."""
    from thg.survey.methods import survey_methods

    return {p.id: p.cluster for p in survey_methods() if p.cluster is not None}   # all 117 have one


@dataclass
class Comparison:
    """How a computed taxonomy of Table 1's papers agrees with Table 1."""

    papers: int                       # papers compared (those of the taxonomy that are in Table 1)
    ari: float                        # adjusted Rand index against Table 1's clusters
    names: dict[int, str]             # computed cluster -> direction name
    matched: dict[int, int | None]    # computed cluster -> Table 1 cluster it was paired with
    overlap: dict[int, int]           # computed cluster -> papers shared with that Table 1 cluster

    def to_dict(self) -> dict:
        return {"reference": "Table 1 of the survey", "papers": self.papers, "adjusted_rand_index": self.ari,
                "clusters": {str(k): {"direction": self.names[k], "table1_cluster": self.matched[k],
                                      "shared_papers": self.overlap[k]} for k in self.names}}


def compare(ids: list[str], assignment: list[int], reference: dict[str, int] | None = None) -> Comparison | None:
    """Compare cluster numbers (``assignment[i]`` for paper ``ids[i]``) with Table 1's; None when fewer
    than two of the papers are Table 1's."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score

    reference = table_one_clusters() if reference is None else reference
    pairs = [(reference[i], a) for i, a in zip(ids, assignment) if i in reference]
    if len(pairs) < 2:
        return None
    truth, got = [t for t, _ in pairs], [a for _, a in pairs]
    ours = sorted(set(assignment))
    theirs = sorted(set(reference.values()))
    table = np.zeros((len(ours), len(theirs)), dtype=int)
    for t, a in pairs:
        table[ours.index(a), theirs.index(t)] += 1
    rows, cols = linear_sum_assignment(-table)
    matched: dict[int, int | None] = {c: None for c in ours}
    names, overlap = {}, {}
    for r, c in zip(rows, cols):
        if table[r, c] > 0:
            matched[ours[r]] = theirs[c]
    for r, c in enumerate(ours):
        paired = matched[c]
        if paired is not None:
            names[c] = direction_name(paired)
            overlap[c] = int(table[r, theirs.index(paired)])
        else:
            counts = Counter(t for t, a in pairs if a == c)
            if counts:
                best, n = counts.most_common(1)[0]
                names[c], overlap[c] = f"~{direction_name(best)}", n
            else:
                names[c], overlap[c] = "", 0
    return Comparison(len(pairs), float(adjusted_rand_score(truth, got)), names, matched, overlap)


def name_taxonomy(tax) -> Comparison | None:
    """Name a :class:`~thg.survey.taxonomy.Taxonomy`'s clusters by the survey's directions and record
    the comparison in ``tax.extra["table1"]`` (and so in taxonomy.json); None, changing nothing, when
    the taxonomy's papers are not Table 1's."""
    found = compare(tax.ids, tax.assignment)
    if found is None:
        return None
    for c in tax.clusters:
        c.direction = found.names.get(c.number, "")
    tax.extra["table1"] = found.to_dict()
    return found
