"""Structured extraction from a paper's experiment section (survey appendix B.2), without an LLM.

The survey feeds each paper's experiment section (from its LaTeX source) to a language model that
answers: which datasets, which for training and which for testing, which metrics, and whether a
new metric is proposed. Here the same questions are answered by rules over the cleaned text:

* datasets and metrics are found by every spelling in :mod:`thg.survey.vocab` and normalised;
* a dataset's role comes from the nearest training / testing cue in its sentence (cue before the
  name first, then after it). A dataset that the experiment section names with no cue at all gets
  both roles (``"both"`` in the output record): THG papers that "conduct experiments on X" train on
  X's training split and report on its test split, so both is the closest answer to the survey's
  question "which datasets are used for training, and which for testing?";
* common-word metrics ("Diversity", "L1", "FPS") count only in sentences that talk about
  evaluation, and never when followed by "loss";
* every match keeps the sentence it came from (``evidence``), so each answer can be checked;
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
                       r"compar\w*|report(?:ed|s)?)\b", re.IGNORECASE)
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

    datasets: dict[str, list[str]] = field(default_factory=dict)   # canonical name -> sorted roles (train/test)
    metrics: list[str] = field(default_factory=list)               # canonical names, first mention first
    new_metrics: list[NewMetric] = field(default_factory=list)
    section_found: bool = True     # False: no experiment section was recognised, the whole text was read
    evidence: dict[str, str] = field(default_factory=dict)         # "dataset:HDTF" / "metric:PSNR" -> sentence

    def to_record(self, paper_id: str) -> dict:
        """One line of ``extractions.jsonl``: datasets with one role each (train, test or both),
        metrics with their family, new metrics, each with the sentence it was found in."""
        from thg.survey.vocab import lookup

        datasets = []
        for name, roles in self.datasets.items():
            role = "both" if {"train", "test"} <= set(roles) else roles[0]
            term = lookup(name, "dataset")
            datasets.append({"name": name, "role": role, "group": term.group if term else "",
                             "evidence": self.evidence.get(f"dataset:{name}", "")})
        metrics = []
        for name in self.metrics:
            term = lookup(name, "metric")
            metrics.append({"name": name, "family": term.group if term else "",
                            "evidence": self.evidence.get(f"metric:{name}", "")})
        return {"id": paper_id, "datasets": datasets, "metrics": metrics,
                "new_metrics": [{"name": n.name, "family": n.family, "evidence": n.evidence} for n in self.new_metrics],
                "section_found": self.section_found}


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


_CLAUSE = re.compile(r"[,;:]|\b(?:and|while|whereas|but)\b", re.IGNORECASE)


def _cue(sentence: str, start: int, end: int, lo: int, hi: int) -> str:
    """The nearest role cue before the name within ``[lo, start)``, else the nearest after it in ``[end, hi)``."""
    before = [(m.end(), kind) for kind, rx in (("train", _TRAIN_CUE), ("test", _TEST_CUE))
              for m in rx.finditer(sentence, lo, start)]
    if before:
        return max(before)[1]
    after = [(m.start(), kind) for kind, rx in (("train", _TRAIN_CUE), ("test", _TEST_CUE))
             for m in rx.finditer(sentence, end, hi)]
    return min(after)[1] if after else ""


def _role(sentence: str, start: int, end: int) -> str:
    """A dataset mention's role: from a cue in its own clause first ("VoxCeleb2 is used for training
    and HDTF for testing"), else from the nearest cue in the sentence; "" when there is none."""
    bounds = [m for m in _CLAUSE.finditer(sentence)]
    lo = max((m.end() for m in bounds if m.end() <= start), default=0)
    hi = min((m.start() for m in bounds if m.start() >= end), default=len(sentence))
    return _cue(sentence, start, end, lo, hi) or _cue(sentence, start, end, 0, len(sentence))


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
        said, sentence = sentence, _expand_pairs(sentence)
        for m in dataset_rx.finditer(sentence):
            term = lookup(m.group(), "dataset")
            if term is not None:
                role = _role(sentence, m.start(), m.end())
                roles.setdefault(term.name, set()).add(role)
                key = f"dataset:{term.name}"
                # the evidence is the first sentence that gave the dataset's role (else its first mention)
                if key not in out.evidence or (role and not _role_of_evidence(out.evidence[key], term.name)):
                    out.evidence[key] = said
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
            out.evidence[f"metric:{term.name}"] = said
        if _NEW_METRIC.search(sentence) or _NAMED_METRIC.search(sentence):
            known = {n.name for n in out.new_metrics}
            for name in _new_metric_names(sentence):
                if name not in known and lookup(name, "metric") is None:
                    out.new_metrics.append(NewMetric(name, guess_family(sentence), sentence))
                    known.add(name)
    # a dataset seen both with and without a cue keeps only the cued roles; never cued: both roles
    out.datasets = {name: sorted(r - {""} if r - {""} else {"train", "test"}) for name, r in roles.items()}
    return out


def _role_of_evidence(sentence: str, name: str) -> str:
    """The role cue of the evidence sentence kept so far for dataset ``name`` ("" when none)."""
    rx = mention_pattern("dataset")
    for m in rx.finditer(sentence):
        term = lookup(m.group(), "dataset")
        if term is not None and term.name == name:
            role = _role(sentence, m.start(), m.end())
            if role:
                return role
    return ""


def extract_tex(tex: str) -> Extraction:
    """Extract from a paper's LaTeX source: find the experiment section, clean it, read it."""
    section, found = experiment_section(tex)
    return extract_text(clean_latex(section), section_found=found)


_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".gz")
_MAX_SOURCE_BYTES = 64 * 1024 * 1024     # a paper's LaTeX beyond this is not read (archives may hold data)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _is_archive(path: Path) -> bool:
    """An arXiv e-print: a (gzipped) tar of the source, or one gzipped .tex. arXiv serves them without an
    extension, so the first bytes decide as well as the name."""
    if path.name.lower().endswith(_ARCHIVE_SUFFIXES):
        return True
    if path.suffix.lower() in (".tex", ".bib", ".bbl", ".sty", ".cls", ".pdf", ".png", ".jpg", ".txt", ".md"):
        return False
    with path.open("rb") as f:
        head = f.read(512)
    return head[:2] == b"\x1f\x8b" or head[257:262] == b"ustar"


def _archive_files(path: Path) -> dict[str, str]:
    """The .tex files of an e-print archive, by their path inside it (nothing is unpacked to disk)."""
    import gzip
    import tarfile
    import zlib

    try:
        if tarfile.is_tarfile(path):
            files: dict[str, str] = {}
            total = 0
            with tarfile.open(path) as tar:
                for member in tar:
                    if not member.isfile() or not member.name.lower().endswith(".tex"):
                        continue
                    total += member.size
                    if total > _MAX_SOURCE_BYTES:
                        break
                    handle = tar.extractfile(member)
                    if handle is not None:
                        files[member.name.lstrip("./")] = _decode(handle.read())
            return files
        with gzip.open(path, "rb") as f:           # a single-file submission: one gzipped .tex
            data = f.read(_MAX_SOURCE_BYTES)
    except (OSError, EOFError, tarfile.TarError, zlib.error) as e:
        raise InputError(f"{path}: not a readable arXiv e-print archive ({e}); "
                         "give a .tar.gz, a gzipped .tex or an unpacked folder") from None
    if data[:5] == b"%PDF-":
        raise InputError(f"{path}: the e-print is a PDF, not LaTeX; this paper has no LaTeX source on arXiv")
    return {path.name.split(".")[0] + ".tex": _decode(data)}


def _folder_files(path: Path) -> dict[str, str]:
    return {f.relative_to(path).as_posix(): f.read_text(encoding="utf-8", errors="replace")
            for f in sorted(path.rglob("*.tex")) if f.is_file()}


def _assemble(files: dict[str, str], where: Path) -> str:
    """One paper's LaTeX from its files: the main file (the one with ``\\documentclass``) with its
    ``\\input`` / ``\\include`` files pasted in; without a main file, all files joined."""
    if not files:
        raise InputError(f"{where}: holds no .tex file; give the paper's arXiv source (archive or unpacked folder)")
    mains = sorted((n for n, t in files.items() if "\\documentclass" in t), key=lambda n: (n.count("/"), n))
    if not mains:
        return "\n".join(files.values())
    return _resolve_inputs(mains[0], files, depth=0)


def read_tex_source(path: str | Path) -> str:
    """A paper's LaTeX: one .tex file, an arXiv e-print archive (.tar.gz or a gzipped .tex), or a folder
    holding one paper's unpacked source (main file first, inputs pasted in)."""
    path = Path(path)
    if path.is_file():
        if _is_archive(path):
            return _assemble(_archive_files(path), path)
        return path.read_text(encoding="utf-8", errors="replace")
    if path.is_dir():
        return _assemble(_folder_files(path), path)
    raise InputError(f"{path}: LaTeX source not found; give a .tex file, an arXiv e-print archive or a folder of them")


_INPUT = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}]+)\}")


def _resolve_inputs(name: str, files: dict[str, str], depth: int) -> str:
    """A .tex file with its ``\\input`` / ``\\include`` files pasted in (paths relative to the source root
    or to the including file)."""
    text = strip_comments(files[name])
    if depth > 8:
        return text
    folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""

    def paste(m: re.Match[str]) -> str:
        wanted = m.group(1).strip().lstrip("./")
        for candidate in (wanted, f"{wanted}.tex", folder + wanted, f"{folder}{wanted}.tex"):
            if candidate in files and candidate != name:
                return _resolve_inputs(candidate, files, depth + 1)
        return ""

    return _INPUT.sub(paste, text)


def paper_id_from_name(name: str) -> str:
    """The paper id a source's file name stands for: ``2301.10001v2.tar.gz`` -> ``2301.10001``,
    ``hep-th_9901001.gz`` -> ``hep-th/9901001``."""
    low = name.lower()
    for suffix in (*_ARCHIVE_SUFFIXES, ".tex"):
        if low.endswith(suffix):
            name = name[: -len(suffix)]
            break
    name = re.sub(r"^(\d{4}\.\d{4,5})v\d+$", r"\1", name)
    old = re.match(r"^([a-z\-]+(?:\.[A-Z]{2})?)_(\d{7})(?:v\d+)?$", name)
    return f"{old.group(1)}/{old.group(2)}" if old else name


def _single_paper_folder(path: Path) -> bool:
    """A folder is one paper's unpacked source when exactly one of its top-level .tex files is a main
    file (``\\documentclass``) and it holds no archives; otherwise it is a folder of papers."""
    top = [f for f in path.iterdir() if f.is_file()]
    if any(_is_archive(f) for f in top):
        return False
    mains = [f for f in top if f.suffix.lower() == ".tex"
             and "\\documentclass" in f.read_text(encoding="utf-8", errors="replace")]
    return len(mains) == 1


def list_sources(path: str | Path) -> list[tuple[str, Path]]:
    """The papers under ``path`` as ``(id, source)``: a .tex file or archive is one paper; a folder is
    one paper's unpacked source (see :func:`_single_paper_folder`) or a folder of papers, each a
    ``<id>.tex``, an e-print archive ``<id>[.tar.gz|.gz]`` or an unpacked folder ``<id>/``."""
    path = Path(path)
    if path.is_file():
        return [(paper_id_from_name(path.name), path)]
    if not path.is_dir():
        raise InputError(f"{path}: not found; give a .tex file, an arXiv e-print archive or a folder of them")
    if _single_paper_folder(path):
        return [(paper_id_from_name(path.name), path)]
    out = []
    for entry in sorted(path.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and any(entry.rglob("*.tex")) or entry.is_file() and (entry.suffix.lower() == ".tex" or _is_archive(entry)):
            out.append((paper_id_from_name(entry.name), entry))
    if not out:
        raise InputError(f"{path}: holds no .tex file, e-print archive or source folder; "
                         "give a folder of <id>.tex, <id>.tar.gz or <id>/ sources")
    return out


def find_source(tex_root: Path, paper_id: str) -> Path | None:
    """The source of one paper under ``tex_root``: ``<id>.tex`` or folder ``<id>/`` (``/`` in old-style
    ids written as ``_``)."""
    stem = paper_id.replace("/", "_")
    for candidate in (tex_root / f"{stem}.tex", tex_root / stem):
        if candidate.exists():
            return candidate
    return None
