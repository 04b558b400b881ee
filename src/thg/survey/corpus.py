"""The corpus: one :class:`Paper` per surveyed work, saved as JSON Lines.

A corpus is read from JSON Lines, a JSON list, CSV, BibTeX, or the Atom XML that the arXiv query
API returns (save the API's answer to a file; thg itself downloads nothing). Every later step
(curation, taxonomy, extraction, trends) reads and writes the same JSON Lines file, adding fields.
"""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from thg.errors import InputError

ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?$|([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")
ROLES = ("train", "test", "both", "used")   # "both" is read as train + test; "used": role not known
#: the publication years a corpus may hold (a year far outside would make the trend figures' year axis endless)
YEARS = (1900, 2100)
#: how deep a record's values may nest (an ``extra`` column is data, not a document)
MAX_DEPTH = 32


@dataclass
class Paper:
    """One surveyed paper. Only ``id`` and ``title`` are required."""

    id: str                                   # arXiv id without version, or any unique key
    title: str
    abstract: str = ""
    year: int | None = None
    venue: str = ""                           # "" or "arXiv" for a preprint
    authors: list[str] = field(default_factory=list)
    method: str = ""                          # the method's short name, e.g. "SadTalker"
    code_url: str = ""
    stars: int | None = None                  # GitHub stars of the code, when known
    cluster: int | None = None                # taxonomy cluster (1-based)
    datasets: dict[str, list[str]] = field(default_factory=dict)  # canonical name -> roles (ROLES)
    metrics: list[str] = field(default_factory=list)              # canonical metric names
    new_metrics: list[dict] = field(default_factory=list)         # {"name", "family", "evidence"}
    extra: dict = field(default_factory=dict)                     # any other columns, kept as read

    @property
    def text(self) -> str:
        """What the taxonomy reads: title and abstract."""
        return f"{self.title}. {self.abstract}".strip()

    @property
    def peer_reviewed(self) -> bool:
        venue = self.venue.strip()
        return bool(venue) and not re.match(r"(?:arxiv|preprint|corr)\b", venue, re.IGNORECASE)

    def to_dict(self) -> dict:
        return asdict(self)


_FIELDS = {f.name for f in fields(Paper)}
_LIST_FIELDS = {"authors", "metrics"}


def arxiv_year(arxiv_id: str) -> int | None:
    """Submission year of a new-style arXiv id: ``2103.11078`` -> 2021."""
    m = re.match(r"^(\d{2})(\d{2})\.\d{4,5}", arxiv_id)
    return 2000 + int(m.group(1)) if m and 1 <= int(m.group(2)) <= 12 else None


def _int_or_none(value, where: str, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):     # OverflowError: 1e400 reads as infinity
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise InputError(f"{where}: {name} {shown} is not a whole number; give a number or leave it empty") from None


def _json_kind(value) -> str:
    """What a JSON value is, in JSON's words: "an object", "a list", "a string", "a number", ..."""
    if value is None:
        return "null"
    kinds = ((bool, "a boolean"), (dict, "an object"), (list, "a list"), (str, "a string"), ((int, float), "a number"))
    return next((kind for types, kind in kinds if isinstance(value, types)), type(value).__name__)


def _check_values(record: dict, where: str) -> None:
    """Refuse values that could not be written back: text holding half of a UTF-16 surrogate pair (a
    JSON ``\\ud83d`` escape without its partner) and values nested more than :data:`MAX_DEPTH` deep."""
    stack: list[tuple[object, int, str]] = [(v, 1, str(k)) for k, v in record.items()]
    while stack:
        value, depth, key = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as e:
                raise InputError(f"{where}: {key!r} holds {ascii(value[e.start])}, half of a surrogate pair, which "
                                 "is not text; write the whole pair (e.g. \\ud83d\\ude00) or remove it") from None
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise InputError(f"{where}: {key!r} is nested more than {MAX_DEPTH} deep; "
                                 "each paper must be a flat JSON object")
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((v, depth + 1, key) for v in items)


def _split(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def _parse_datasets(value, where: str) -> dict[str, list[str]]:
    """``{"HDTF": ["test"]}`` as is, or the CSV form ``"VoxCeleb2:train;HDTF:test+train"``."""
    items: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    else:
        for part in _split(value):
            name, _, role_text = part.partition(":")
            items.append((name.strip(), [r for r in role_text.split("+") if r] or ["used"]))
    out: dict[str, list[str]] = {}
    for name, given in items:
        if given is None or given == []:          # no role given: used, role not known
            given = ["used"]
        if not isinstance(given, (str, list)):
            raise InputError(f"{where}: dataset {name!r} has {_json_kind(given)} for its roles; give a role or a "
                             f"list of roles ({', '.join(ROLES)})")
        roles = [given] if isinstance(given, str) else given
        bad = [r for r in roles if r not in ROLES]
        if bad:
            raise InputError(f"{where}: dataset {name!r} has role {bad[0]!r}; roles are {', '.join(ROLES)}")
        kept = set(roles)
        if "both" in kept:
            kept = (kept - {"both"}) | {"train", "test"}
        out[str(name)] = sorted(kept)
    return out


def _new_metric(value) -> dict:
    """One proposed metric: ``name``, ``family`` and ``evidence`` as text (any other keys kept as read)."""
    entry = dict(value) if isinstance(value, dict) else {"name": value}
    for key in ("name", "family", "evidence"):
        v = entry.get(key)
        entry[key] = "" if v is None else v.strip() if isinstance(v, str) else str(v)
    return entry


def paper_from_dict(record: dict, where: str) -> Paper:
    """Build a Paper from one record; ``where`` (file:line) prefixes any error."""
    record = {str(k).strip(): v for k, v in record.items() if k is not None}
    _check_values(record, where)
    for key in ("id", "title"):
        if not str(record.get(key) or "").strip():
            raise InputError(f"{where}: the record has no {key!r}; every paper needs an id and a title")
    known = {k: v for k, v in record.items() if k in _FIELDS and k != "extra"}
    extra = {k: v for k, v in record.items() if k not in _FIELDS}
    if isinstance(record.get("extra"), dict):
        extra.update(record["extra"])
    pid = str(known.pop("id")).strip()
    m = ARXIV_ID.search(pid)
    if m and (m.group(2) or m.group(4)):  # drop the version: 2103.11078v3 -> 2103.11078
        pid = pid[: m.start()] + (m.group(1) or m.group(3))
    paper = Paper(id=pid, title=" ".join(str(known.pop("title")).split()))
    paper.abstract = " ".join(str(known.pop("abstract", "") or "").split())
    year = _int_or_none(known.pop("year", None), where, "year")
    if year and not YEARS[0] <= year <= YEARS[1]:
        raise InputError(f"{where}: year {year} is not a publication year; give a year from {YEARS[0]} to {YEARS[1]} "
                         "or leave it empty")
    paper.year = year or arxiv_year(pid)
    paper.stars = _int_or_none(known.pop("stars", None), where, "stars")
    paper.cluster = _int_or_none(known.pop("cluster", None), where, "cluster")
    paper.datasets = _parse_datasets(known.pop("datasets", None) or {}, where)
    for key in _LIST_FIELDS:
        if key in known:
            setattr(paper, key, _split(known.pop(key)))
    nm = known.pop("new_metrics", None)
    if nm:
        paper.new_metrics = [_new_metric(x) for x in (nm if isinstance(nm, list) else [nm] if isinstance(nm, dict)
                                                      else _split(nm))]
    for key, value in known.items():
        setattr(paper, key, "" if value is None else str(value).strip())
    paper.extra = extra
    return paper


def _json_error(e: ValueError) -> str:
    if isinstance(e, json.JSONDecodeError):
        return e.msg
    return "a number too long to read, over 4300 digits" if "digits" in str(e) else str(e)[:200]


def _read_jsonl(path: Path) -> list[Paper]:
    papers = []
    with path.open(encoding="utf-8-sig") as f:       # -sig: a byte order mark (Windows editors) is read past
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as e:     # JSONDecodeError, or a number of more digits than Python reads (4300)
                raise InputError(f"{path}:{n}: not valid JSON ({_json_error(e)}); "
                                 "each line must be one JSON object") from None
            if not isinstance(record, dict):
                raise InputError(f"{path}:{n}: a line holds {_json_kind(record)}; each line must be one JSON object")
            papers.append(paper_from_dict(record, f"{path}:{n}"))
    return papers


def _read_json(path: Path) -> list[Paper]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}); give a list of paper objects") from None
    except ValueError as e:             # a number of more digits than Python reads
        raise InputError(f"{path}: not valid JSON ({_json_error(e)}); give a list of paper objects") from None
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        data = data["papers"]
    if not isinstance(data, list):
        raise InputError(f"{path}: holds {_json_kind(data)}; give a list of paper objects")
    papers = []
    for i, record in enumerate(data, 1):
        if not isinstance(record, dict):
            raise InputError(f"{path}: item {i} is {_json_kind(record)}; give a list of paper objects")
        papers.append(paper_from_dict(record, f"{path}: item {i}"))
    return papers


def _read_csv(path: Path) -> list[Paper]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        try:
            if not reader.fieldnames or not {"id", "title"} <= set(reader.fieldnames):
                raise InputError(f"{path}: the CSV header needs columns 'id' and 'title' (found {reader.fieldnames})")
            return [paper_from_dict(row, f"{path}:{reader.line_num}") for row in reader]
        except csv.Error as e:          # e.g. a field over csv's limit: a quote left open swallows the rest
            raise InputError(f"{path}:{reader.line_num + 1}: not readable as CSV ({e}); check the quotes around "
                             "that line") from None


_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


_GITHUB = re.compile(r"https?://(?:www\.)?github\.com/([\w.\-]+)/([\w.\-]+)", re.IGNORECASE)


def github_link(text: str) -> str:
    """The first GitHub repository link in ``text`` ("" when none), e.g. from an arXiv comment."""
    m = _GITHUB.search(text)
    if not m:
        return ""
    repo = re.sub(r"\.git$", "", m.group(2).rstrip("."))
    return f"https://github.com/{m.group(1)}/{repo}"


def parse_atom(data: bytes | str, where: str) -> list[Paper]:
    """Papers from an arXiv API answer (Atom XML); ``where`` names the source in errors."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise InputError(f"{where}: not valid XML ({e}); give the arXiv API's Atom answer as saved") from None
    papers = []
    for n, entry in enumerate(root.iter(f"{_ATOM}entry"), 1):
        def text(tag: str, ns: str = _ATOM, entry: ET.Element = entry) -> str:
            node = entry.find(f"{ns}{tag}")
            return " ".join((node.text or "").split()) if node is not None else ""

        url = text("id")
        if "/api/errors" in url:        # the API reports a bad query as an entry
            raise InputError(f"{where}: the arXiv API refused the query: {text('summary')}")
        record: dict[str, Any] = {
            "id": url.rstrip("/").split("/abs/")[-1],
            "title": text("title"),
            "abstract": text("summary"),
            "authors": [" ".join((a.findtext(f"{_ATOM}name") or "").split()) for a in entry.findall(f"{_ATOM}author")],
            "venue": text("journal_ref", _ARXIV),
            "published": text("published"),
            "updated": text("updated"),
            "comment": text("comment", _ARXIV),
            "doi": text("doi", _ARXIV),
            "url": url,
        }
        record = {k: v for k, v in record.items() if v or k in ("id", "title", "abstract", "authors", "venue")}
        code = github_link(record.get("comment", "")) or github_link(record["abstract"])
        if code:
            record["code_url"] = code
        # the publication year (in the journal reference) when there is one, else the submission year
        published = re.search(r"\b(?:19|20)\d{2}\b", record["venue"])
        if published:
            record["year"] = published.group()
        elif record.get("published", "")[:4].isdigit():
            record["year"] = record["published"][:4]
        papers.append(paper_from_dict(record, f"{where}: entry {n}"))
    if not papers and root.tag != f"{_ATOM}feed":
        raise InputError(f"{where}: is XML but not an Atom feed; give the arXiv API's answer as saved")
    return papers


def _read_atom(path: Path) -> list[Paper]:
    return parse_atom(path.read_bytes(), str(path))


_BIB_ENTRY = re.compile(r"@(\w+)\s*\{\s*([^,\s]+)\s*,", re.IGNORECASE)


def _bib_fields(body: str) -> dict[str, str]:
    """``key = {value}`` / ``key = "value"`` / ``key = 2021`` pairs of one entry; braces may nest."""
    out: dict[str, str] = {}
    i = 0
    while True:
        m = re.compile(r"\s*,?\s*([A-Za-z_\-]+)\s*=\s*").match(body, i)
        if not m:
            return out
        key, i = m.group(1).lower(), m.end()
        if i < len(body) and body[i] in "{\"":
            close = "}" if body[i] == "{" else '"'
            depth, j = 0, i
            while j < len(body):
                c = body[j]
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                if (close == "}" and depth == 0 and c == "}") or (close == '"' and c == '"' and j > i and depth == 0):
                    break
                j += 1
            value, i = body[i + 1:j], j + 1
        else:
            m2 = re.compile(r"[^,}\s]+").match(body, i)
            value, i = (m2.group(), m2.end()) if m2 else ("", i)
        out[key] = " ".join(value.replace("{", "").replace("}", "").split())


def _read_bibtex(path: Path) -> list[Paper]:
    text = path.read_text(encoding="utf-8", errors="replace")
    starts = [m for m in _BIB_ENTRY.finditer(text) if m.group(1).lower() not in ("comment", "string", "preamble")]
    papers = []
    line, counted = 1, 0                  # the line of the entry, counted on from the previous one
    for n, m in enumerate(starts):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(text)
        f = _bib_fields(text[m.end():end])
        line, counted = line + text.count("\n", counted, m.start()), m.start()
        eprint = f.get("eprint", "")
        venue = f.get("booktitle") or f.get("journal") or ""
        if venue.lower().startswith("arxiv") or (not venue and eprint):
            venue = "arXiv"
        record = {"id": eprint or m.group(2), "title": f.get("title", ""), "abstract": f.get("abstract", ""),
                  "year": f.get("year"), "venue": venue,
                  "authors": [a.strip() for a in f.get("author", "").split(" and ") if a.strip()],
                  "bibkey": m.group(2)}
        if f.get("url"):
            record["url"] = f["url"]
        papers.append(paper_from_dict(record, f"{path}:{line}"))
    if not papers:
        raise InputError(f"{path}: no BibTeX entry found; entries look like @article{{key, title = {{...}}, ...}}")
    return papers


def load_corpus(path: str | Path) -> list[Paper]:
    """Read papers from .jsonl, .json, .csv, .bib or arXiv Atom .xml; ids must be unique."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: corpus file not found; give a .jsonl, .json, .csv, .bib or arXiv .xml file")
    readers = {".jsonl": _read_jsonl, ".ndjson": _read_jsonl, ".json": _read_json, ".csv": _read_csv,
               ".xml": _read_atom, ".atom": _read_atom, ".bib": _read_bibtex}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: unknown corpus format {path.suffix!r}; "
                         "use .jsonl, .json, .csv, .bib or .xml (arXiv Atom)")
    try:
        papers = reader(path)
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start} is {e.object[e.start]:#04x}); "
                         "give a text corpus file saved as UTF-8") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply to read; each paper must be one flat JSON object") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read the corpus file ({e.strerror or e}); check its permissions") from None
    seen: dict[str, int] = {}
    for i, p in enumerate(papers):
        if p.id in seen:
            raise InputError(f"{path}: paper id {p.id!r} appears twice (records {seen[p.id] + 1} and {i + 1}); "
                             "ids must be unique, merge or drop one")
        seen[p.id] = i
    return papers


def merge_corpora(groups: list[list[Paper]]) -> list[Paper]:
    """Join corpora; a paper seen again (same id) fills only the fields the first copy left empty."""
    out: dict[str, Paper] = {}
    for papers in groups:
        for p in papers:
            if p.id not in out:
                out[p.id] = p
                continue
            first = out[p.id]
            for f in fields(Paper):
                if f.name != "id" and getattr(first, f.name) in ("", None, [], {}):
                    setattr(first, f.name, getattr(p, f.name))
    return list(out.values())


def write_corpus(papers: list[Paper], path: Path) -> None:
    """Write JSON Lines (one paper per line) to ``path`` (callers wrap this in ``atomic_output``)."""
    with Path(path).open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in papers)
