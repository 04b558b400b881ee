"""The controlled vocabulary: canonical dataset and metric names, their aliases and groups.

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


def _d(name: str, group: str, year: int | None, *aliases: str) -> Term:
    return Term(name, "dataset", group, tuple(aliases), year)


def _m(name: str, family: str, *aliases: str, cue: bool = False) -> Term:
    return Term(name, "metric", family, tuple(aliases), cue=cue)


DATASETS: tuple[Term, ...] = (
    # face images
    _d("AffectNet", "image", 2017),
    _d("CelebA", "image", 2015),
    _d("CelebA-HQ", "image", 2017, "CelebAHQ"),
    _d("FFHQ", "image", 2019, "Flickr-Faces-HQ", "Flickr Faces HQ"),
    # speech audio
    _d("LibriSpeech", "audio", 2015, "Libri-Speech"),
    # audio-visual
    _d("VoxCeleb1", "audiovisual", 2017, "VoxCeleb-1", "VoxCeleb 1", "Vox1", "VoxCeleb"),
    _d("VoxCeleb2", "audiovisual", 2018, "VoxCeleb-2", "VoxCeleb 2", "Vox2"),
    _d("HDTF", "audiovisual", 2021, "High-Definition Talking Face", "High Definition Talking Face"),
    _d("GRID", "audiovisual", 2006, "GRID corpus"),
    _d("TCD-TIMIT", "audiovisual", 2015, "TCDTIMIT", "TCD TIMIT"),
    _d("LRS2", "audiovisual", 2017, "LRS-2", "LRS2-BBC", "Lip Reading Sentences 2"),
    _d("LRS3", "audiovisual", 2018, "LRS-3", "LRS3-TED", "Lip Reading Sentences 3"),
    _d("LRW", "audiovisual", 2017, "Lip Reading in the Wild", "Lip Reading In The Wild"),
    _d("VFHQ", "audiovisual", 2022),
    _d("TalkingHead-1KH", "audiovisual", 2021, "TalkingHead1KH", "TalkingHead-1K", "TH-1KH"),
    _d("CelebV-HQ", "audiovisual", 2022, "CelebVHQ", "CelebV HQ"),
    _d("CelebV-Text", "audiovisual", 2023, "CelebVText"),
    _d("VOCASET", "audiovisual", 2019, "VOCA-SET", "VOCA set"),
    _d("BIWI", "audiovisual", 2010, "BIWI 3D Audiovisual Corpus", "3D-ETF"),
    _d("MultiFace", "audiovisual", 2022, "Multiface"),
    # emotion
    _d("MEAD", "emotion", 2020),
    _d("CREMA-D", "emotion", 2014, "CREMAD", "CREMA D"),
    _d("RAVDESS", "emotion", 2018),
)

METRICS: tuple[Term, ...] = (
    # visual quality (appendix D.1)
    _m("PSNR", "visual", "Peak Signal-to-Noise Ratio", "peak signal to noise ratio"),
    _m("SSIM", "visual", "Structural Similarity", "structural similarity index"),
    _m("MS-SSIM", "visual", "MSSSIM", "multi-scale SSIM", "multi-scale structural similarity"),
    _m("LPIPS", "visual", "Learned Perceptual Image Patch Similarity"),
    _m("FID", "visual", "Frechet Inception Distance", "Fréchet Inception Distance"),
    _m("E-FID", "visual", "EFID"),
    _m("FVD", "visual", "Frechet Video Distance", "Fréchet Video Distance"),
    _m("NIQE", "visual"),
    _m("BRISQUE", "visual"),
    _m("CPBD", "visual", "cumulative probability of blur detection"),
    _m("MOS", "visual", "Mean Opinion Score", "user study", cue=True),
    _m("FPS", "visual", "frames per second", cue=True),
    # audio-visual synchronisation (D.2)
    _m("LSE-D", "sync", "LSE D", "LSED", "Sync-D", "SyncD", "Sync_D", "lip sync error distance"),
    _m("LSE-C", "sync", "LSE C", "LSEC", "Sync-C", "SyncC", "Sync_C", "lip sync error confidence",
       "SyncNet confidence", "Sync score", "SyncScore", "AVConfidence", "AV Confidence"),
    _m("AV-Offset", "sync", "AVOffset", "AV Offset", "Sync offset", "sync-offset"),
    _m("WER", "sync", "word error rate"),
    # geometry & landmarks (D.3)
    _m("LMD", "geometry", "Landmark Distance", "landmark distance error", "M-LMD", "Mean Landmark Distance"),
    _m("F-LMD", "geometry", "Frechet Landmark Distance", "Fréchet Landmark Distance"),
    _m("MVE", "geometry", "Mean Vertex Error"),
    _m("LVE", "geometry", "Lip Vertex Error", "LipVertexError", "lip vertex error"),
    _m("L1", "geometry", "MAE", "mean absolute error", cue=True),
    _m("CSIM", "geometry", "ArcFace similarity", "identity similarity", "cosine similarity of identity"),
    # expression naturalness (D.4)
    _m("EmotionAcc", "expression", "emotion accuracy", "Emotion Acc", "Acc_emo", "emotion classification accuracy"),
    _m("Diversity", "expression", "diversity score", cue=True),
    _m("Smoothness", "expression", "motion smoothness", cue=True),
    _m("PRMSE", "expression", "Pose RMSE"),
    _m("FVMD", "expression", "Frechet Video Motion Distance", "Fréchet Video Motion Distance"),
    _m("AU consistency", "expression", "AUCON", "action unit consistency"),
    # driving alignment (D.5)
    _m("ARD", "driving", "Absolute Relative Difference"),
    _m("AKD", "driving", "Average Keypoint Distance"),
    _m("APD", "driving", "Average Pose Distance"),
    _m("AED", "driving", "Average Expression Distance"),
    _m("FDD", "driving", "Face Dynamics Deviation", "Motion Dynamics Deviation", "upper-face dynamics deviation"),
)


def _key(name: str) -> str:
    """Spelling-insensitive key: case, dashes, spaces, underscores and dots do not matter."""
    return re.sub(r"[\s\-_.]+", "", name.strip().lower().replace("é", "e"))


@cache
def _index(kind: str) -> dict[str, Term]:
    terms = DATASETS if kind == "dataset" else METRICS
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
        names = [t.name for t in (DATASETS if kind == "dataset" else METRICS)]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; `thg survey terms {kind}s` lists them"
        raise InputError(f"{kind} name {name!r} is not in the vocabulary{hint}")
    return term


def normalize_any(name: str) -> Term:
    """A dataset name if ``name`` is one, else a metric name; unknown names suggest from both."""
    term = lookup(name, "dataset") or lookup(name, "metric")
    if term is None:
        names = [t.name for t in (*DATASETS, *METRICS)]
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
    pool = DATASETS if kind == "dataset" else METRICS
    return [t for t in pool if group is None or t.group == group]


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
