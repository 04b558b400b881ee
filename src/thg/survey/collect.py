"""Corpus building from the web (survey appendix B.1): arXiv retrieval, venues, code and stars.

1. :class:`ArxivClient` asks the arXiv API (Atom) for every paper whose title or abstract holds one of
   the survey's keywords, submitted in a date range, page by page;
2. :class:`SemanticScholarClient` gives each paper's venue, publication types and citation count
   (peer review is a venue other than arXiv), :class:`CrossrefClient` the venue of a DOI or, for a
   paper Semantic Scholar does not place, of the best title match;
3. code links come from the arXiv comment or abstract; :class:`GithubClient` counts their stars.

Every request goes through one :class:`Fetcher`: at most one request per ``interval`` seconds to each
host (the services' published limits by default), retries with exponential back-off on network errors,
429 and 5xx (``Retry-After`` is honoured), and an on-disk SQLite cache of every final answer (200 and
404), so a run that stops half-way resumes where it stopped and nothing is fetched twice. Each client
takes a base URL, so the clients can be pointed at a mirror or at recorded answers.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from thg.errors import InputError, PipelineError, UsageError
from thg.survey.corpus import Paper, parse_atom
from thg.survey.curate import KEYWORDS

ARXIV_URL = "https://export.arxiv.org/api/query"
SEMANTIC_SCHOLAR_URL = "https://api.semanticscholar.org/graph/v1"
CROSSREF_URL = "https://api.crossref.org"
GITHUB_URL = "https://api.github.com"

#: seconds between two requests to one service: arXiv asks for 3 s; Semantic Scholar allows about
#: one request per second without a key; GitHub allows 60 an hour without a token (one a second with)
INTERVALS = {"arxiv": 3.0, "semantic_scholar": 1.1, "crossref": 0.2, "github": 1.0}

RETRY_STATUS = {429, 500, 502, 503, 504}
USER_AGENT = "thg-survey/0.1 (talking-head literature survey; https://pypi.org/project/thg)"


def check_base_url(url: str, option: str) -> str:
    """``url`` when it is an http(s) address with a host, else a UsageError naming ``option``."""
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{option} {url!r} is not a web address; give an http:// or https:// address with a host")
    return url


class OfflineError(PipelineError):
    """A service could not be reached at all (no network, wrong base URL)."""


@dataclass
class Response:
    url: str
    status: int
    body: bytes
    cached: bool = False

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise PipelineError(f"{self.url}: the answer is not JSON; check the service's base URL") from None


class Cache:
    """Final answers (status and body) by URL, in one SQLite file; safe to share between runs."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self._db = sqlite3.connect(str(self.path) if self.path else ":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        try:
            self._db.execute("CREATE TABLE IF NOT EXISTS answers (url TEXT PRIMARY KEY, status INTEGER NOT NULL, "
                             "body BLOB NOT NULL, fetched REAL NOT NULL)")
            self._db.commit()
        except sqlite3.DatabaseError as e:
            raise InputError(f"{self.path}: not a usable cache file ({e}); give a new file name") from None

    def get(self, url: str) -> tuple[int, bytes] | None:
        with self._lock:
            row = self._db.execute("SELECT status, body FROM answers WHERE url = ?", (url,)).fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    def put(self, url: str, status: int, body: bytes) -> None:
        with self._lock:  # committed at once: an interrupted run keeps everything fetched so far
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)", (url, status, body, time.time()))
            self._db.commit()

    def forget(self, url: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM answers WHERE url = ?", (url,))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        self._db.close()


@dataclass
class Fetcher:
    """Polite HTTP GET: rate limit per host, retries with exponential back-off, cache of final answers."""

    cache: Cache = field(default_factory=lambda: Cache(None))
    retries: int = 4                     # extra attempts after the first
    backoff: float = 2.0                 # seconds before the first retry; doubled each time
    max_wait: float = 120.0              # longest single wait (Retry-After included)
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0                    # requests sent over the network (not answered by the cache)
    offline: bool = False                # answer from the cache only; a miss is an OfflineError
    _last: dict = field(default_factory=dict)

    def _wait_turn(self, host_key: str, interval: float) -> None:
        last = self._last.get(host_key)
        if last is not None:
            wait = last + interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last[host_key] = time.monotonic()

    def get(self, url: str, *, service: str, interval: float, headers: dict | None = None,
            data: bytes | None = None) -> Response:
        """GET ``url`` (POST ``data`` when given; the cache then keys on the URL and the body's hash)."""
        key = url if data is None else f"POST {url} {hashlib.sha256(data).hexdigest()}"
        hit = self.cache.get(key)
        if hit is not None:
            return Response(url, hit[0], hit[1], cached=True)
        if self.offline:
            where = f"the cache {self.cache.path}" if self.cache.path else "an in-memory cache"
            raise OfflineError(f"offline, and an answer of {service} this run needs is not in {where}; "
                               "run once without --offline to fetch it")
        host = urllib.parse.urlsplit(url).netloc
        request = urllib.request.Request(url, data=data, headers={"User-Agent": USER_AGENT, **(headers or {})})
        problem, wait = "", None
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(min(self.max_wait, wait if wait is not None else self.backoff * 2 ** (attempt - 1)))
            self._wait_turn(host, interval)
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    body = answer.read()
                    self.cache.put(key, answer.status, body)
                    return Response(url, answer.status, body)
            except urllib.error.HTTPError as e:
                body, wait = e.read(), _retry_after(e.headers)
                limited = e.code == 403 and e.headers is not None and e.headers.get("X-RateLimit-Remaining") == "0"
                if e.code not in RETRY_STATUS and not limited:
                    if e.code == 404:      # a definite "not known": cached like an answer
                        self.cache.put(key, 404, body)
                    return Response(url, e.code, body)
                problem = "rate limit reached" if limited else f"HTTP {e.code}"
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as e:
                reason = getattr(e, "reason", e)
                problem, wait = f"{reason}", None
                if isinstance(reason, socket.gaierror):     # no name resolution: offline, do not insist
                    break
                problem = f"network: {reason}"
        if not problem.startswith(("HTTP", "rate")):
            raise OfflineError(f"cannot reach {service} at {host} ({problem.removeprefix('network: ')}); this needs "
                               "internet access: run it online (answers fetched so far are cached and a rerun "
                               "resumes), or build the corpus from saved files with `thg survey import`")
        raise PipelineError(f"{service} at {host} kept failing ({problem}) after {attempt + 1} attempts; "
                            "try again later (answers fetched so far are cached)")


def _retry_after(headers) -> float | None:
    """Seconds a 429 / 503 / rate-limit answer asks to wait (Retry-After, or GitHub's reset time), if it says."""
    if headers is None:
        return None
    value = (headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    reset = (headers.get("X-RateLimit-Reset") or "").strip()
    if reset.isdigit():
        return max(0.0, float(reset) - time.time())
    return None


def _quote_phrase(keyword: str) -> str:
    return '"' + keyword.replace('"', "") + '"' if " " in keyword or "-" in keyword else keyword


def arxiv_query(keywords: Iterable[str], start: str, end: str) -> str:
    """The arXiv search query: any keyword in title or abstract, submitted from ``start`` to ``end``
    (``YYYY-MM-DD``, both included)."""
    terms = " OR ".join(f"ti:{_quote_phrase(k)} OR abs:{_quote_phrase(k)}" for k in keywords)
    return f"({terms}) AND submittedDate:[{_day(start, 'start')}0000 TO {_day(end, 'end')}2359]"


def _day(value: str, name: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
        raise InputError(f"{name} date {value!r} is not YYYY-MM-DD; give e.g. 2021-01-01")
    return value.replace("-", "")


@dataclass
class ArxivClient:
    fetcher: Fetcher
    base_url: str = ARXIV_URL
    interval: float = INTERVALS["arxiv"]
    page_size: int = 100

    def search(self, keywords: Iterable[str], start: str, end: str, *, limit: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[Paper]:
        """All papers matching the query, oldest first, at most ``limit``."""
        query = arxiv_query(list(keywords), start, end)
        papers: list[Paper] = []
        offset, total = 0, None
        while total is None or offset < total:
            size = self.page_size if limit is None else min(self.page_size, limit - len(papers))
            if size <= 0:
                break
            params = urllib.parse.urlencode({"search_query": query, "start": offset, "max_results": size,
                                             "sortBy": "submittedDate", "sortOrder": "ascending"})
            url = f"{self.base_url}?{params}"
            for attempt in range(self.fetcher.retries + 1):
                answer = self.fetcher.get(url, service="arXiv API", interval=self.interval)
                if answer.status != 200:
                    raise PipelineError(f"arXiv API answered HTTP {answer.status} for {url}; check --arxiv-url")
                page = parse_atom(answer.body, "arXiv API answer")
                m = re.search(rb"<opensearch:totalResults[^>]*>(\d+)<", answer.body)
                total = int(m.group(1)) if m else offset + len(page)
                if page or offset >= total:
                    break
                # the API sometimes answers a page inside the results with no entries: ask again later
                self.fetcher.cache.forget(url)
                self.fetcher.sleep(self.fetcher.backoff * 2 ** attempt)
            assert total is not None            # every answer above set it
            if not page:
                if offset < total:
                    raise PipelineError(f"arXiv API kept answering no entries at result {offset} of {total}; "
                                        "rerun later to resume (the pages fetched so far are cached)")
                break
            papers.extend(page)
            offset += len(page)
            if progress:
                progress(len(papers), total if limit is None else min(total, limit))
        return papers


@dataclass
class SemanticScholarClient:
    fetcher: Fetcher
    base_url: str = SEMANTIC_SCHOLAR_URL
    interval: float = INTERVALS["semantic_scholar"]
    api_key: str = ""
    fields: str = "title,venue,year,publicationVenue,publicationTypes,journal,citationCount,externalIds"

    def paper(self, arxiv_id: str) -> dict | None:
        """``{"venue", "year", "citations", "doi", "types"}`` for an arXiv id, or None when unknown."""
        url = f"{self.base_url}/paper/arXiv:{urllib.parse.quote(arxiv_id)}?fields={self.fields}"
        headers = {"x-api-key": self.api_key} if self.api_key else None
        answer = self.fetcher.get(url, service="Semantic Scholar", interval=self.interval, headers=headers)
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise PipelineError(f"Semantic Scholar answered HTTP {answer.status} for {url}")
        data = answer.json()
        venue = (data.get("publicationVenue") or {}).get("name") or data.get("venue") or ""
        journal = (data.get("journal") or {}).get("name") or ""
        if not venue or _is_preprint(venue):
            venue = journal if journal and not _is_preprint(journal) else venue
        # the venue's own year ("2023 IEEE/CVF Conference ...") before S2's year, often the preprint's
        named = re.search(r"\b(?:19|20)\d{2}\b", f"{journal} {venue}")
        return {"venue": venue, "year": int(named.group()) if named else data.get("year"),
                "citations": data.get("citationCount"),
                "doi": (data.get("externalIds") or {}).get("DOI") or "",
                "types": data.get("publicationTypes") or []}


@dataclass
class CrossrefClient:
    fetcher: Fetcher
    base_url: str = CROSSREF_URL
    interval: float = INTERVALS["crossref"]
    mailto: str = ""                      # joins CrossRef's "polite pool" when given

    def _get(self, path: str, params: dict | None = None) -> dict | None:
        params = dict(params or {})
        if self.mailto:
            params["mailto"] = self.mailto
        url = f"{self.base_url}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        answer = self.fetcher.get(url, service="CrossRef", interval=self.interval)
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise PipelineError(f"CrossRef answered HTTP {answer.status} for {url}")
        return answer.json().get("message") or {}

    @staticmethod
    def _work(item: dict) -> dict:
        titles = item.get("container-title") or []
        issued = ((item.get("issued") or {}).get("date-parts") or [[None]])[0][0]
        return {"venue": titles[0] if titles else "", "year": issued, "type": item.get("type", ""),
                "doi": item.get("DOI", ""), "title": " ".join((item.get("title") or [""])[0].split())}

    def by_doi(self, doi: str) -> dict | None:
        item = self._get(f"/works/{urllib.parse.quote(doi, safe='/')}")
        return self._work(item) if item else None

    def by_title(self, title: str, *, min_similarity: float = 0.9) -> dict | None:
        """The published work whose title matches ``title`` (case and punctuation aside), or None."""
        found = self._get("/works", {"query.bibliographic": title, "rows": 3,
                                     "select": "DOI,title,container-title,issued,type"})
        for item in (found or {}).get("items", []):
            work = self._work(item)
            if work["venue"] and difflib.SequenceMatcher(None, _plain(title), _plain(work["title"])).ratio() \
                    >= min_similarity:
                return work
        return None


@dataclass
class GithubClient:
    fetcher: Fetcher
    base_url: str = GITHUB_URL
    interval: float = INTERVALS["github"]
    token: str = ""

    def stars(self, code_url: str) -> int | None:
        """Stars of a github.com repository link, or None when it is not one or does not exist."""
        m = re.match(r"https?://(?:www\.)?github\.com/([\w.\-]+)/([\w.\-]+)", code_url or "")
        if not m:
            return None
        url = f"{self.base_url}/repos/{m.group(1)}/{re.sub(r'[.]git$', '', m.group(2))}"
        headers = {"Accept": "application/vnd.github+json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        answer = self.fetcher.get(url, service="GitHub API", interval=self.interval, headers=headers)
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise PipelineError(f"GitHub API answered HTTP {answer.status} for {url}; a token may be needed "
                                "(set GITHUB_TOKEN)")
        return int(answer.json().get("stargazers_count") or 0)


def _plain(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _is_preprint(venue: str) -> bool:
    return re.match(r"\s*(?:arxiv|preprint|corr|biorxiv|ssrn)\b", venue, re.IGNORECASE) is not None


#: long venue names as Semantic Scholar / CrossRef write them -> the short names of the tier list
VENUE_NAMES = (
    (r"computer vision and pattern recognition|\bcvpr\b", "CVPR"),
    (r"international conference on computer vision|\biccv\b", "ICCV"),
    (r"european conference on computer vision|\beccv\b", "ECCV"),
    (r"neural information processing systems|\bneurips\b|\bnips\b", "NeurIPS"),
    (r"international conference on learning representations|\biclr\b", "ICLR"),
    (r"international conference on machine learning|\bicml\b", "ICML"),
    (r"aaai", "AAAI"),
    (r"international joint conference on artificial intelligence|\bijcai\b", "IJCAI"),
    (r"acm (?:international conference on )?multimedia|\bacm mm\b", "ACM MM"),
    (r"siggraph asia", "SIGGRAPH Asia"),
    (r"siggraph", "SIGGRAPH"),
    (r"transactions on graphics|\btog\b", "TOG"),
    (r"pattern analysis and machine intelligence|\btpami\b", "TPAMI"),
    (r"transactions on multimedia|\btmm\b", "TMM"),
    (r"visualization and computer graphics|\btvcg\b", "TVCG"),
    (r"transactions on image processing|\btip\b", "TIP"),
    (r"international journal of computer vision|\bijcv\b", "IJCV"),
    (r"^pattern recognition$", "PR"),
    (r"winter conference on applications of computer vision|\bwacv\b", "WACV"),
    (r"british machine vision conference|\bbmvc\b", "BMVC"),
    (r"acoustics, speech,? and signal processing|\bicassp\b", "ICASSP"),
    (r"interspeech", "Interspeech"),
)


def short_venue(venue: str) -> str:
    """``"2023 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)"`` -> ``"CVPR"``;
    a name not in :data:`VENUE_NAMES` is returned as given."""
    for pattern, short in VENUE_NAMES:
        if re.search(pattern, venue, re.IGNORECASE):
            return short
    return venue.strip()


@dataclass
class Collector:
    """The whole corpus step: search, then venue, code and stars for each paper."""

    arxiv: ArxivClient
    semantic_scholar: SemanticScholarClient | None = None
    crossref: CrossrefClient | None = None
    github: GithubClient | None = None

    def enrich(self, paper: Paper) -> None:
        """Venue (peer review), citations and stars for one paper, in place."""
        doi = str(paper.extra.get("doi", ""))
        venue = ""
        if self.semantic_scholar is not None:
            info = self.semantic_scholar.paper(paper.id)
            if info:
                paper.extra["citations"] = info["citations"]
                doi = doi or info["doi"]
                if info["venue"] and not _is_preprint(info["venue"]):
                    venue = info["venue"]
                    if info["year"]:
                        paper.year = int(info["year"])
        if not venue and self.crossref is not None:
            work = self.crossref.by_doi(doi) if doi and not doi.lower().startswith("10.48550/") else None
            work = work or self.crossref.by_title(paper.title)
            if work and work["venue"] and not _is_preprint(work["venue"]) and work["type"] != "posted-content":
                venue = work["venue"]
                if work["year"]:
                    paper.year = int(work["year"])
        if venue:
            paper.extra["venue_full"] = venue
            paper.venue = short_venue(venue)
        elif not paper.venue:
            paper.venue = "arXiv"
        if self.github is not None and paper.code_url:
            paper.stars = self.github.stars(paper.code_url)

    def run(self, keywords: Iterable[str], start: str, end: str, *, limit: int | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> list[Paper]:
        papers = self.arxiv.search(keywords, start, end, limit=limit,
                                   progress=(lambda i, n: progress("search", i, n)) if progress else None)
        for i, paper in enumerate(papers, 1):
            self.enrich(paper)
            if progress:
                progress("enrich", i, len(papers))
        return papers


__all__ = [
    "ARXIV_URL",
    "CROSSREF_URL",
    "GITHUB_URL",
    "INTERVALS",
    "KEYWORDS",
    "SEMANTIC_SCHOLAR_URL",
    "ArxivClient",
    "Cache",
    "Collector",
    "CrossrefClient",
    "Fetcher",
    "GithubClient",
    "OfflineError",
    "Response",
    "SemanticScholarClient",
    "arxiv_query",
    "short_venue",
]
