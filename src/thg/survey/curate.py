"""Corpus curation (survey appendix B, "corpus curation"): keep a paper when

1. its title or abstract matches a retrieval keyword (the survey's list by default);
2. it is peer reviewed (a venue other than arXiv), or, as a preprint, has community impact
   (at least ``min_stars`` GitHub stars);
3. it passes the scope screen: no out-of-scope phrase (general video synthesis, speech-only,
   ...) unless a talking-head keyword is also in the title.

The survey verifies acceptance through Semantic Scholar and CrossRef; thg reads the ``venue`` the
corpus already carries (arXiv's ``journal_ref`` when imported from the arXiv API) and downloads
nothing. Every decision is kept with its reason so that the screening can be audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from thg.survey.corpus import Paper

#: the survey's retrieval keywords (appendix B), spelling slips corrected
KEYWORDS: tuple[str, ...] = (
    "talking face", "talking head", "visual dubbing", "face generation", "lip sync", "talker", "portrait",
    "talking video", "head synthesis", "face reenactment", "wav2lip", "talking avatar", "lip generation",
    "lip-synchronization", "portrait animation", "facial animation", "lip expert",
)

#: phrases marking work outside talking-head generation (the survey's manual semantic review)
OUT_OF_SCOPE: tuple[str, ...] = (
    "text-to-speech", "speech synthesis", "speech recognition", "speech enhancement", "deepfake detection",
    "forgery detection", "text-to-video", "general video generation", "image classification", "body pose",
)

#: peer-reviewed venues the survey's corpus contains, for ``--top-venues-only``
TOP_VENUES: tuple[str, ...] = (
    "CVPR", "ICCV", "ECCV", "NeurIPS", "ICLR", "ICML", "AAAI", "IJCAI", "ACM MM", "SIGGRAPH", "SIGGRAPH Asia",
    "TOG", "TPAMI", "TMM", "TVCG", "TIP", "IJCV", "PR", "WACV", "BMVC", "ICASSP", "Interspeech",
)


@dataclass(frozen=True)
class CurationConfig:
    keywords: tuple[str, ...] = KEYWORDS
    out_of_scope: tuple[str, ...] = OUT_OF_SCOPE
    min_stars: int = 100                 # impact bar for preprints
    top_venues_only: bool = False        # peer-reviewed papers must also be in TOP_VENUES


@dataclass(frozen=True)
class Decision:
    id: str
    keep: bool
    reason: str


def _phrase(text: str, phrase: str) -> bool:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", phrase) if w]
    return re.search(r"\b" + r"[\s\-]*".join(words) + r"s?\b", text, re.IGNORECASE) is not None


def _venue_name(venue: str) -> str:
    return re.sub(r"[\s']*\d{2,4}$", "", venue.strip()).strip()


def decide(paper: Paper, config: CurationConfig = CurationConfig()) -> Decision:
    """Keep or drop one paper, with the first reason that decided it."""
    hits = [k for k in config.keywords if _phrase(paper.text, k)]
    if not hits:
        return Decision(paper.id, False, "no retrieval keyword in title or abstract")
    if paper.peer_reviewed:
        if config.top_venues_only:
            name = _venue_name(paper.venue).lower()
            if not any(name.startswith(v.lower()) for v in TOP_VENUES):
                return Decision(paper.id, False, f"venue {paper.venue!r} is not in the top-venue list")
    elif (paper.stars or 0) < config.min_stars:
        stars = "no known code" if paper.stars is None else f"{paper.stars} stars"
        return Decision(paper.id, False, f"preprint with {stars} (< {config.min_stars})")
    outside = [k for k in config.out_of_scope if _phrase(paper.text, k)]
    if outside and not any(_phrase(paper.title, k) for k in config.keywords):
        return Decision(paper.id, False, f"out of scope: mentions {outside[0]!r} and no keyword in the title")
    how = f"peer reviewed ({paper.venue})" if paper.peer_reviewed else f"preprint with {paper.stars} stars"
    return Decision(paper.id, True, f"keyword {hits[0]!r}; {how}")


def curate(papers: list[Paper], config: CurationConfig = CurationConfig()) -> tuple[list[Paper], list[Decision]]:
    """The kept papers (input order) and a decision for every paper."""
    decisions = [decide(p, config) for p in papers]
    return [p for p, d in zip(papers, decisions) if d.keep], decisions


def write_decisions(papers: list[Paper], decisions: list[Decision], path, *, overwrite: bool = False) -> None:
    """Every keep/drop decision as CSV: id, title, keep (yes/no), reason."""
    import csv

    from thg.io.output import atomic_output

    with atomic_output(path, overwrite=overwrite) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "keep", "reason"])
        w.writerows([d.id, p.title, "yes" if d.keep else "no", d.reason] for p, d in zip(papers, decisions))
