"""Survey test data: a small corpus of abstracts in three themes, LaTeX sources, an arXiv API answer."""

from __future__ import annotations

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def abstracts_path() -> Path:
    """18 papers, 6 each on radiance fields, diffusion and emotion control (theme in field 'theme')."""
    return DATA / "abstracts.jsonl"


class Recorded:
    """A local stand-in for arXiv, Semantic Scholar, CrossRef and GitHub that serves recorded answers."""

    def __init__(self, folder):
        self.folder = folder
        self.log: list[str] = []             # every request path+query, in order
        self.fail: dict[str, list[int]] = {}  # path prefix -> statuses to answer first (then the recorded one)
        self.empty_pages = 0                  # answer the second arXiv page this often with no entries
        recorded = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                recorded.log.append(self.path)
                status, body, headers = recorded.answer(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def file(self, name: str) -> tuple[int, bytes, dict]:
        path = self.folder / name
        if not path.is_file():
            return 404, b'{"error": "Not found"}', {"Content-Type": "application/json"}
        kind = "application/atom+xml" if name.endswith(".xml") else "application/json"
        return 200, path.read_bytes(), {"Content-Type": kind}

    def answer(self, raw: str) -> tuple[int, bytes, dict]:
        parts = urllib.parse.urlsplit(raw)
        query = urllib.parse.parse_qs(parts.query)
        path = urllib.parse.unquote(parts.path)
        for prefix, statuses in self.fail.items():
            if path.startswith(prefix) and statuses:
                status = statuses.pop(0)
                return status, b"busy", {"Retry-After": "0"} if status == 429 else {}
        if path == "/arxiv/api/query":
            if query["start"][0] == "2" and self.empty_pages > 0:
                self.empty_pages -= 1
                return self.file("arxiv_empty.xml")
            return self.file(f"arxiv_start{query['start'][0]}.xml")
        if path.startswith("/s2/graph/v1/paper/arXiv:"):
            return self.file(f"s2_{path.rsplit(':', 1)[1]}.json")
        if path == "/crossref/works":
            hit = "AD-NeRF" in query.get("query.bibliographic", [""])[0]
            return self.file("crossref_search_ad-nerf.json" if hit else "crossref_search_empty.json")
        if path.startswith("/crossref/works/"):
            return self.file("crossref_doi_none.json")
        if path.startswith("/github/repos/"):
            return self.file("github_" + "_".join(path.split("/")[3:5]) + ".json")
        return 404, b"unknown", {}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(data_dir):
    server = Recorded(data_dir / "recorded")
    yield server
    server.close()
