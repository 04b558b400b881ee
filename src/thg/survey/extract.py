"""Structured extraction from a paper's experiment section (survey appendix B.2), without an LLM.

The survey feeds each paper's experiment section (from its LaTeX source) to a language model that
answers: which datasets, which for training and which for testing, which metrics, and whether a
new metric is proposed. Here the same questions are answered by rules over the cleaned text:

* datasets and metrics are found by every spelling in :mod:`thg.survey.vocab` and normalised;
* a dataset's role comes from the nearest training / testing cue in its sentence (cue before the
  name first, then after it); no cue means the role is ``"used"``;
* common-word metrics ("Diversity", "L1", "FPS") count only in sentences that talk about
  evaluation, and never when followed by "loss";
* a new metric is a sentence that proposes / introduces a new or novel metric, or in which "we"
  propose a metric and name it; its name is the acronym in brackets, or the words after "called" /
  "named" / "termed". Names already in the vocabulary are not new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from thg.errors import InputError
from thg.survey.vocab import lookup, mention_pattern

_SECTION = re.compile(r"\\section\*?\s*\{([^{}]*)\}")
_EXPERIMENT_TITLE = re.compile(r"experiment|evaluation|results|comparison", re.IGNORECASE)
_END = re.compile(r"\\(?:appendix|bibliography|begin\s*\{thebibliography\}|end\s*\{document\})")

_TRAIN_CUE = re.compile(r"\b(?:train(?:ed|ing|s)?|fine-?tun\w*|pre-?train\w*|learn(?:ed|t|s)?\s+(?:on|from))\b",
                        re.IGNORECASE)
_TEST_CUE = re.compile(r"\b(?:test(?:ed|ing|s)?|evaluat\w*|benchmark\w*|validat\w*|inference|unseen|held-?out|"
                       r"compar\w*)\b", re.IGNORECASE)
_METRIC_CONTEXT = re.compile(r"metric|evaluat|measur|score|report|assess|quantitativ|↑|↓|higher|lower|better",
                             re.IGNORECASE)
_NEW_METRIC = re.compile(r"\b(?:propos\w*|introduc\w*|design\w*|present\w*|defin\w*|devis\w*|develop\w*)\b"
                         r"[^.]{0,80}?\b(?:new|novel|custom)\s+"
                         r"(?:(?!(?:for|of|to|with|in|on|the|and|that|which)\b)[\w\-]+\s+){0,3}metrics?\b",
                         re.IGNORECASE)
_NAMED_METRIC = re.compile(r"\b(?:we|our)\b[^.]{0,40}?\b(?:propos\w*|introduc\w*|design\w*|defin\w*|devis\w*)\b"
                           r"[^.]{0,80}?\bmetrics?\b[^.]{0,40}?(?:\b(?:called|named|termed|dubbed)\b|\([A-Z])",
                           re.IGNORECASE)
_NOT_NAMES = {"Ours", "Table", "Tab", "Fig", "Figure", "Eq", "Sec", "Section", "GT", "Appendix"}
_CALLED = re.compile(r"\b(?:called|named|termed|dubbed)\s+(?:the\s+)?([A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){0,4})")
_BRACKETED = re.compile(r"\(([A-Z][A-Za-z0-9\-_]{1,15})\)")
_FAMILY_HINTS = (  # word stems per family; the family with most hits wins, ties go to the earlier one
    ("sync", r"\bsync|\blip|\baudio|\bphonem|\bviseme|\bspeech"),
    ("expression", r"\bemotion|\bexpress|\bdivers|\bnatural|\bsmooth|\bjitter|\bblink|\baffect"),
    ("geometry", r"\blandmark|\bvert(?:ex|ices)|\bmesh|\bgeometr|\b3d\b|\bshape|\bidentity"),
    ("driving", r"\bpose\b|\bposes\b|\bdriv|\bcontrol|\bkeypoint|\btrajector"),
    ("visual", r"\bquality|\brealis|\bfidelity|\bsharp|\bblur|\bartifact|\bimage"),
)


@dataclass
class NewMetric:
    name: str
    family: str        # a METRIC_FAMILIES key guessed from the sentence's words, or "" if none fits
    evidence: str      # the sentence that proposes it


@dataclass
class Extraction:
    """What a paper's experiment section says it used."""

    datasets: dict[str, list[str]] = field(default_factory=dict)   # canonical name -> sorted roles
    metrics: list[str] = field(default_factory=list)               # canonical names, first mention first
    new_metrics: list[NewMetric] = field(default_factory=list)
    section_found: bool = True     # False: no experiment section was recognised, the whole text was read


def experiment_section(tex: str) -> tuple[str, bool]:
    """The LaTeX from the first experiment-like ``\\section`` up to the next section, in the main
    matter (before the appendix or bibliography).

    Returns ``(text, found)``; when no such section exists the whole main matter is returned with False.
    """
    tex = strip_comments(tex)
    stop = _END.search(tex)
    main = tex[: stop.start()] if stop else tex
    sections = list(_SECTION.finditer(main))
    for i, m in enumerate(sections):
        if _EXPERIMENT_TITLE.search(m.group(1)):
            end = sections[i + 1].start() if i + 1 < len(sections) else len(main)
            return main[m.end():end], True
    return main, False


def strip_comments(tex: str) -> str:
    """Drop LaTeX comments (an unescaped ``%`` to the end of the line)."""
    return re.sub(r"(?<!\\)%[^\n]*", "", tex)


def clean_latex(tex: str) -> str:
    """Plain sentences from LaTeX: citations and labels dropped, formatting unwrapped, table cells
    separated by commas and table rows ended as sentences."""
    t = strip_comments(tex)
    t = re.sub(r"\n[ \t]*\n\s*", "\0", t).replace("\n", " ")  # source lines join; paragraphs stay apart
    t = re.sub(r"\\(?:cite\w*|ref|eqref|autoref|cref|Cref|label|url|href|footnote|includegraphics)"
               r"\s*(?:\[[^\]]*\])*\s*\{[^{}]*\}", " ", t)
    t = re.sub(r"\\(?:uparrow|Uparrow)", "↑", t)
    t = re.sub(r"\\(?:downarrow|Downarrow)", "↓", t)
    t = t.replace("\\&", "and").replace("\\%", "%").replace("\\_", "_").replace("~", " ")
    t = re.sub(r"\\\\(?:\[[^\]]*\])?", ".\0", t)                   # table row / line break ends a sentence
    t = t.replace("&", ", ")
    t = re.sub(r"\\(?:begin|end)\s*\{[^{}]*\}(?:\{[^{}]*\})*", "\0", t)
    t = re.sub(r"\\(?:sub)*section\*?\s*\{([^{}]*)\}", "\0\\1.\0", t)   # headings stand alone
    for _ in range(3):                                               # unwrap nested \textbf{\emph{x}}
        t = re.sub(r"\\[A-Za-z]+\*?\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}", r"\1", t)
    t = re.sub(r"\\[A-Za-z]+\*?", " ", t)                             # remaining bare commands
    t = re.sub(r"[{}$^]", "", t)
    t = re.sub(r"[ \t]+", " ", t).replace("\0", "\n")
    return re.sub(r"\s*\n\s*", "\n", t).strip()


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?;])\s+(?=[A-Z(\[])|\n+", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


def _expand_pairs(sentence: str) -> str:
    """``LSE-C/D`` -> ``LSE-C / LSE-D``; ``Sync-C/D`` likewise."""
    return re.sub(r"\b([A-Za-z]+)[-_]([CD])\s*/\s*([CD])\b", r"\1-\2 / \1-\3", sentence)


def _role(sentence: str, start: int, end: int) -> str:
    before = [(m.end(), kind) for kind, rx in (("train", _TRAIN_CUE), ("test", _TEST_CUE))
              for m in rx.finditer(sentence, 0, start)]
    if before:
        return max(before)[1]
    after = [(m.start(), kind) for kind, rx in (("train", _TRAIN_CUE), ("test", _TEST_CUE))
             for m in rx.finditer(sentence, end)]
    return min(after)[1] if after else "used"


def guess_family(text: str) -> str:
    """The metric family a description's words point to, or "" when none does."""
    low = text.lower()
    hits = [(len(re.findall(rx, low)), -i, family) for i, (family, rx) in enumerate(_FAMILY_HINTS)]
    best = max(hits)
    return best[2] if best[0] else ""


def _new_metric_names(sentence: str) -> list[str]:
    names = [m.group(1) for m in _BRACKETED.finditer(sentence) if m.group(1) not in _NOT_NAMES]
    return names or [m.group(1) for m in _CALLED.finditer(sentence)]


def extract_text(text: str, *, section_found: bool = True) -> Extraction:
    """Answer the survey's extraction questions for cleaned plain text."""
    out = Extraction(section_found=section_found)
    roles: dict[str, set[str]] = {}
    dataset_rx, metric_rx = mention_pattern("dataset"), mention_pattern("metric")
    for sentence in _sentences(text):
        sentence = _expand_pairs(sentence)
        for m in dataset_rx.finditer(sentence):
            term = lookup(m.group(), "dataset")
            if term is not None:
                roles.setdefault(term.name, set()).add(_role(sentence, m.start(), m.end()))
        for m in metric_rx.finditer(sentence):
            term = lookup(m.group(), "metric")
            if term is None or term.name in out.metrics:
                continue
            if term.cue:
                if not _METRIC_CONTEXT.search(sentence):
                    continue
                if re.match(r"\s*(?:loss|norm|regulari|distance loss|penalty)", sentence[m.end():], re.IGNORECASE):
                    continue
            out.metrics.append(term.name)
        if _NEW_METRIC.search(sentence) or _NAMED_METRIC.search(sentence):
            known = {n.name for n in out.new_metrics}
            for name in _new_metric_names(sentence):
                if name not in known and lookup(name, "metric") is None:
                    out.new_metrics.append(NewMetric(name, guess_family(sentence), sentence))
                    known.add(name)
    # a dataset seen both with and without a cue keeps only the cued roles
    out.datasets = {name: sorted(r - {"used"} if r - {"used"} else r) for name, r in roles.items()}
    return out


def extract_tex(tex: str) -> Extraction:
    """Extract from a paper's LaTeX source: find the experiment section, clean it, read it."""
    section, found = experiment_section(tex)
    return extract_text(clean_latex(section), section_found=found)


def read_tex_source(path: str | Path) -> str:
    """A paper's LaTeX: one .tex file, or every .tex file under a folder (main files first)."""
    path = Path(path)
    if path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")
    if path.is_dir():
        files = sorted(path.rglob("*.tex"))
        if not files:
            raise InputError(f"{path}: the folder holds no .tex file; give the paper's unpacked arXiv source")
        mains = [f for f in files if "\\documentclass" in f.read_text(encoding="utf-8", errors="replace")]
        if not mains:
            return "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in files)
        return _resolve_inputs(mains[0], path, depth=0)
    raise InputError(f"{path}: LaTeX source not found; give a .tex file or a folder of them")


_INPUT = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}]+)\}")


def _resolve_inputs(file: Path, root: Path, depth: int) -> str:
    """A .tex file with its ``\\input`` / ``\\include`` files pasted in (paths relative to the source root)."""
    text = strip_comments(file.read_text(encoding="utf-8", errors="replace"))
    if depth > 8:
        return text

    def paste(m: re.Match[str]) -> str:
        name = m.group(1).strip()
        for candidate in (root / name, root / f"{name}.tex", file.parent / name, file.parent / f"{name}.tex"):
            if candidate.is_file():
                return _resolve_inputs(candidate, root, depth + 1)
        return ""

    return _INPUT.sub(paste, text)


def find_source(tex_root: Path, paper_id: str) -> Path | None:
    """The source of one paper under ``tex_root``: ``<id>.tex`` or folder ``<id>/`` (``/`` in old-style
    ids written as ``_``)."""
    stem = paper_id.replace("/", "_")
    for candidate in (tex_root / f"{stem}.tex", tex_root / stem):
        if candidate.exists():
            return candidate
    return None
