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

import io
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
    separated by commas and table rows ended as sentences. Optional arguments (``[...]``) are read
    up to 200 characters: unbounded, an unclosed one made every later match scan to the end (20,000
    copies of ``\\cite[`` took 9.5 s)."""
    t = strip_comments(tex)
    t = re.sub(r"\n[ \t]*\n\s*", "\0", t).replace("\n", " ")  # source lines join; paragraphs stay apart
    t = re.sub(r"\\(?:cite\w*|ref|eqref|autoref|cref|Cref|label|url|href|footnote|includegraphics)"
               r"\s*(?:\[[^\]\n]{0,200}\])*\s*\{[^{}]*\}", " ", t)
    t = re.sub(r"\\(?:uparrow|Uparrow)", "↑", t)
    t = re.sub(r"\\(?:downarrow|Downarrow)", "↓", t)
    t = t.replace("\\&", "and").replace("\\%", "%").replace("\\_", "_").replace("~", " ")
    t = re.sub(r"\\\\(?:\[[^\]\n]{0,200}\])?", ".\0", t)                   # table row / line break ends a sentence
    t = t.replace("&", ", ")
    t = re.sub(r"\\(?:begin|end)\s*\{[^{}]*\}(?:\{[^{}]*\})*", "\0", t)
    t = re.sub(r"\\(?:sub)*section\*?\s*\{([^{}]*)\}", "\0\\1.\0", t)   # headings stand alone
    for _ in range(3):                                               # unwrap nested \textbf{\emph{x}}
        t = re.sub(r"\\[A-Za-z]+\*?\s*(?:\[[^\]\n]{0,200}\])?\s*\{([^{}]*)\}", r"\1", t)
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


_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".gz", ".zip")
_MIB = 1024 * 1024
_MAX_SOURCE_BYTES = 64 * _MIB      # one paper's .tex files together; more is not one paper's LaTeX
_MAX_UNPACKED_BYTES = 1024 * _MIB  # an archive is read this far at most (its figures and data included)
_MAX_MEMBERS = 100_000             # files in one archive
_INPUT_DEPTH = 8                   # \input files within \input files


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _too_much_latex(where: Path) -> InputError:
    return InputError(f"{where}: holds more than {_MAX_SOURCE_BYTES // _MIB} MiB of .tex files, more than one "
                      "paper's LaTeX; give the source of one paper")


def _is_archive(path: Path) -> bool:
    """An arXiv e-print: a (gzipped) tar of the source, or one gzipped .tex; or a .zip of the source (as
    Overleaf exports it). arXiv serves e-prints without an extension, so the first bytes decide as well
    as the name."""
    if path.name.lower().endswith(_ARCHIVE_SUFFIXES):
        return True
    if path.suffix.lower() in (".tex", ".bib", ".bbl", ".sty", ".cls", ".pdf", ".png", ".jpg", ".txt", ".md"):
        return False
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError:             # read_tex_source says why it cannot be read
        return False
    return head[:2] == b"\x1f\x8b" or head[257:262] == b"ustar" or head[:4] == b"PK\x03\x04"


class _Capped(io.RawIOBase):
    """A decompressed stream that stops with an InputError once more than ``_MAX_UNPACKED_BYTES`` came
    out of it: a small archive that unpacks to gigabytes (a "zip bomb") costs a second, not the disk."""

    def __init__(self, raw: io.BufferedIOBase, where: Path):
        self.raw, self.where, self.done = raw, where, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.done += n
        if self.done > _MAX_UNPACKED_BYTES:
            raise InputError(f"{self.where}: unpacks to more than {_MAX_UNPACKED_BYTES // _MIB} MiB, more than "
                             "one paper's source; give the paper's .tex files (unpacked, or in a smaller archive)")
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _compression(path: Path) -> str | None:
    """"gzip", "bzip2" or "xz" by the file's first bytes; None when it is not compressed."""
    with path.open("rb") as f:
        magic = f.read(6)
    return ("gzip" if magic[:2] == b"\x1f\x8b" else "bzip2" if magic[:3] == b"BZh" else
            "xz" if magic == b"\xfd7zXZ\x00" else None)


def _unpacked(path: Path) -> io.BufferedReader:
    """The file's bytes, decompressed when it is gzip, bzip2 or xz, read through :class:`_Capped`."""
    import bz2
    import gzip
    import lzma

    kind = _compression(path)
    raw: io.BufferedIOBase
    if kind == "gzip":
        raw = gzip.GzipFile(path, "rb")
    elif kind == "bzip2":
        raw = bz2.BZ2File(path, "rb")
    elif kind == "xz":
        raw = lzma.LZMAFile(path, "rb")
    else:
        raw = path.open("rb")
    return io.BufferedReader(_Capped(raw, path))


def _is_tar_header(block: bytes) -> bool:
    import tarfile

    try:
        tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


def _name_inside(name: str) -> str:
    """A member's path as the \\input commands name it: ``./sec/a.tex`` and ``/sec/a.tex`` -> ``sec/a.tex``.
    Names are only keys here (nothing is written), so ``../x.tex`` cannot reach outside anything."""
    return name.lstrip("./")


def _tar_files(path: Path) -> dict[str, str]:
    import tarfile

    files: dict[str, str] = {}
    total = 0
    with _unpacked(path) as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
        for n, member in enumerate(tar, 1):     # "r|": one pass, members read as they come (no seeking back)
            if n > _MAX_MEMBERS:
                raise InputError(f"{path}: holds more than {_MAX_MEMBERS} files, more than one paper's source; "
                                 "give the source of one paper")
            if not member.isfile() or not member.name.lower().endswith(".tex"):   # links and devices: skipped
                continue
            handle = tar.extractfile(member)
            if handle is not None:
                data = handle.read(min(member.size, _MAX_SOURCE_BYTES - total + 1))
                total += len(data)
                if total > _MAX_SOURCE_BYTES:
                    raise _too_much_latex(path)
                files[_name_inside(member.name)] = _decode(data)
    return files


def _zip_files(path: Path) -> dict[str, str]:
    import stat
    import zipfile

    files: dict[str, str] = {}
    total = 0
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > _MAX_MEMBERS:
            raise InputError(f"{path}: holds more than {_MAX_MEMBERS} files, more than one paper's source; "
                             "give the source of one paper")
        for info in members:
            if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16) or not info.filename.lower().endswith(".tex"):
                continue
            if info.flag_bits & 0x1:
                raise InputError(f"{path}: {info.filename!r} is encrypted; give the archive without a password")
            with archive.open(info) as f:
                data = f.read(_MAX_SOURCE_BYTES - total + 1)
            total += len(data)
            if total > _MAX_SOURCE_BYTES:
                raise _too_much_latex(path)
            files[_name_inside(info.filename)] = _decode(data)
    return files


def _archive_files(path: Path) -> dict[str, str]:
    """The .tex files of an archive (a tar, compressed or not; a zip; or one gzipped .tex), by their path
    inside it. Nothing is unpacked to disk; links, devices and folders in it are skipped."""
    import lzma
    import tarfile
    import zipfile
    import zlib

    if path.stat().st_size == 0:
        raise InputError(f"{path}: is empty (0 bytes); download the paper's source again")
    kind = "arXiv e-print archive"
    try:
        with _unpacked(path) as stream:
            head = stream.read(512)
        if _is_tar_header(head):
            return _tar_files(path)
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            kind = ".zip archive"
            return _zip_files(path)
        if _compression(path) is None:
            raise tarfile.ReadError("neither a tar, a zip nor a compressed file")
        with _unpacked(path) as stream:             # a single-file submission: one gzipped .tex
            data = stream.read(_MAX_SOURCE_BYTES + 1)
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error,
            lzma.LZMAError, NotImplementedError) as e:  # NotImplementedError: a zip's unknown compression
        raise InputError(f"{path}: not a readable {kind} ({e}); give a .tar.gz, a gzipped .tex, a .zip or an "
                         "unpacked folder") from None
    if len(data) > _MAX_SOURCE_BYTES:
        raise _too_much_latex(path)
    if not data.strip():
        raise InputError(f"{path}: is empty; download the paper's source again")
    if data[:5] == b"%PDF-":
        raise InputError(f"{path}: the e-print is a PDF, not LaTeX; this paper has no LaTeX source on arXiv")
    return {path.name.split(".")[0] + ".tex": _decode(data)}


def _read_tex(path: Path, budget: int, where: Path) -> bytes:
    """The file's bytes, or an InputError naming ``where`` when it holds more than ``budget``."""
    with path.open("rb") as f:
        data = f.read(budget + 1)
    if len(data) > budget:
        raise _too_much_latex(where)
    return data


def _folder_files(path: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    budget = _MAX_SOURCE_BYTES
    for f in sorted(path.rglob("*.tex")):
        if f.is_file():
            data = _read_tex(f, budget, path)
            budget -= len(data)
            files[f.relative_to(path).as_posix()] = _decode(data)
    return files


def _assemble(files: dict[str, str], where: Path) -> str:
    """One paper's LaTeX from its files: the main file (the one with ``\\documentclass``) with its
    ``\\input`` / ``\\include`` files pasted in; without a main file, all files joined."""
    if not files:
        raise InputError(f"{where}: holds no .tex file; give the paper's arXiv source (archive or unpacked folder)")
    mains = sorted((n for n, t in files.items() if "\\documentclass" in t), key=lambda n: (n.count("/"), n))
    if not mains:
        return "\n".join(files.values())
    return _resolve_inputs(mains[0], files, depth=0, pasted={mains[0]})


def read_tex_source(path: str | Path) -> str:
    """A paper's LaTeX: one .tex file, an archive of its source (an arXiv e-print: .tar.gz or a gzipped
    .tex; or a .tar, .zip) or a folder holding one paper's unpacked source (main file first, inputs
    pasted in). At most 64 MiB of LaTeX is read, and an archive is unpacked (in memory) to 1 GiB at most."""
    path = Path(path)
    try:
        if path.is_file():
            if _is_archive(path):
                return _assemble(_archive_files(path), path)
            return _decode(_read_tex(path, _MAX_SOURCE_BYTES, path))
        if path.is_dir():
            return _assemble(_folder_files(path), path)
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e}); check its permissions") from None
    raise InputError(f"{path}: LaTeX source not found; give a .tex file, an arXiv e-print archive or a folder of them")


_INPUT = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}]+)\}")


def _resolve_inputs(name: str, files: dict[str, str], depth: int, pasted: set[str]) -> str:
    """A .tex file with its ``\\input`` / ``\\include`` files pasted in (paths relative to the source root
    or to the including file). Each file is pasted once, where it is first named: a file that includes
    itself, or one named a thousand times, cannot make the text grow without end."""
    text = strip_comments(files[name])
    if depth > _INPUT_DEPTH:
        return text
    folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""

    def paste(m: re.Match[str]) -> str:
        wanted = m.group(1).strip().lstrip("./")
        for candidate in (wanted, f"{wanted}.tex", folder + wanted, f"{folder}{wanted}.tex"):
            if candidate in files and candidate != name:
                if candidate in pasted:
                    return ""
                pasted.add(candidate)
                return _resolve_inputs(candidate, files, depth + 1, pasted)
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
    mains = [f for f in top if f.suffix.lower() == ".tex" and _is_main(f)]
    return len(mains) == 1


def _is_main(path: Path) -> bool:
    """A main file: one with ``\\documentclass`` (one that cannot be read is not; reading it says why)."""
    try:
        with path.open("rb") as f:
            return b"\\documentclass" in f.read(_MAX_SOURCE_BYTES)
    except OSError:
        return False


def list_sources(path: str | Path) -> list[tuple[str, Path]]:
    """The papers under ``path`` as ``(id, source)``: a .tex file or archive is one paper; a folder is
    one paper's unpacked source (see :func:`_single_paper_folder`) or a folder of papers, each a
    ``<id>.tex``, an e-print archive ``<id>[.tar.gz|.gz]``, a ``<id>.zip`` or an unpacked folder ``<id>/``."""
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
