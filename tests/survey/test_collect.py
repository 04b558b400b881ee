"""The web clients against recorded API answers served on 127.0.0.1 (nothing leaves loopback)."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.errors import PipelineError
from thg.survey import collect as c
from thg.survey.corpus import load_corpus


def _collector(api, cache, **fetch):
    fetcher = c.Fetcher(cache, backoff=0.01, **fetch)
    return c.Collector(c.ArxivClient(fetcher, f"{api.url}/arxiv/api/query", 0.0, page_size=2),
                       c.SemanticScholarClient(fetcher, f"{api.url}/s2/graph/v1", 0.0),
                       c.CrossrefClient(fetcher, f"{api.url}/crossref", 0.0),
                       c.GithubClient(fetcher, f"{api.url}/github", 0.0)), fetcher


def test_search_pages_through_arxiv_with_the_keywords_and_dates(api):
    collector, _ = _collector(api, c.Cache(None))
    papers = collector.arxiv.search(c.KEYWORDS, "2021-01-01", "2025-12-31")
    assert [p.id for p in papers] == ["2103.11078", "2211.12194", "2407.03168"]
    assert papers[0].title == "AD-NeRF: Audio Driven Neural Radiance Fields for Talking Head Synthesis"
    assert papers[0].code_url == "https://github.com/YudongGuo/AD-NeRF"
    assert papers[1].extra["doi"] == "10.1109/CVPR52729.2023.00836"
    first = urllib.parse.parse_qs(urllib.parse.urlsplit(api.log[0]).query)
    assert first["start"] == ["0"] and first["max_results"] == ["2"]
    query = first["search_query"][0]
    assert 'abs:"lip-synchronization"' in query and "ti:wav2lip" in query and query.count(" OR ") == 33
    assert query.endswith("AND submittedDate:[202101010000 TO 202512312359]")


def test_an_empty_page_inside_the_results_is_asked_again(api, tmp_path):
    api.empty_pages = 2
    collector, _ = _collector(api, c.Cache(tmp_path / "c.sqlite"))
    assert len(collector.arxiv.search(["talking head"], "2021-01-01", "2025-12-31")) == 3
    assert sum("start=2" in r for r in api.log) == 3
    api.empty_pages = 99
    collector, _ = _collector(api, c.Cache(None), retries=1)
    with pytest.raises(PipelineError, match="no entries at result 2 of 3; rerun later"):
        collector.arxiv.search(["talking head"], "2021-01-01", "2025-12-31")


def test_venues_citations_and_stars(api):
    collector, _ = _collector(api, c.Cache(None))
    papers = {p.id: p for p in collector.run(c.KEYWORDS, "2021-01-01", "2025-12-31")}
    sad, ad, live = papers["2211.12194"], papers["2103.11078"], papers["2407.03168"]
    assert (sad.venue, sad.year, sad.extra["citations"], sad.stars) == ("CVPR", 2023, 512, 13395)
    assert sad.peer_reviewed
    # Semantic Scholar knows only the preprint; CrossRef finds the ICCV version by its title
    assert (ad.venue, ad.year, ad.stars) == ("ICCV", 2021, 1066)
    assert ad.extra["venue_full"].startswith("2021 IEEE/CVF International Conference on Computer Vision")
    # unknown to Semantic Scholar, CrossRef's best hit is another paper, no code link: a preprint
    assert (live.venue, live.stars, live.peer_reviewed) == ("arXiv", None, False)


def test_the_cache_means_a_rerun_sends_nothing(api, tmp_path):
    cache_file = tmp_path / "cache.sqlite"
    collector, fetcher = _collector(api, c.Cache(cache_file))
    first = collector.run(["talking head"], "2021-01-01", "2025-12-31")
    sent = len(api.log)
    assert sent == fetcher.requests > 5
    collector.arxiv.fetcher.cache.close()
    again, fetcher2 = _collector(api, c.Cache(cache_file))                # a new run, same cache file
    second = again.run(["talking head"], "2021-01-01", "2025-12-31")
    assert len(api.log) == sent and fetcher2.requests == 0             # 404s are remembered as well
    assert [p.to_dict() for p in first] == [p.to_dict() for p in second]


def test_an_interrupted_run_resumes_from_the_cache(api, tmp_path):
    cache_file = tmp_path / "cache.sqlite"
    collector, _ = _collector(api, c.Cache(cache_file), retries=0)
    api.fail["/github/"] = [500]                                      # stops the run at the first star count
    with pytest.raises(PipelineError, match="GitHub API at 127.0.0.1:.* kept failing \\(HTTP 500\\) after 1 attempts"):
        collector.run(["talking head"], "2021-01-01", "2025-12-31")
    done = len(api.log)
    collector, _ = _collector(api, c.Cache(cache_file))
    papers = collector.run(["talking head"], "2021-01-01", "2025-12-31")
    resumed = api.log[done:]
    assert not any("/arxiv/" in r or "arXiv:2103.11078" in r for r in resumed)   # fetched before the failure
    assert resumed[0] == "/github/repos/YudongGuo/AD-NeRF" and len(papers) == 3


def test_retries_back_off_exponentially(api):
    waits = []
    fetcher = c.Fetcher(c.Cache(None), retries=3, backoff=0.5, sleep=waits.append)
    api.fail["/github/"] = [503, 502]
    stars = c.GithubClient(fetcher, f"{api.url}/github", 0.0).stars("https://github.com/OpenTalker/SadTalker")
    assert stars == 13395 and len(api.log) == 3
    assert waits == [0.5, 1.0]


def test_retry_after_is_honoured_and_requests_are_spaced(api):
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        time.sleep(seconds)

    fetcher = c.Fetcher(c.Cache(None), backoff=5.0, sleep=sleep)
    api.fail["/s2/"] = [429]                                        # answered with Retry-After: 0
    client = c.SemanticScholarClient(fetcher, f"{api.url}/s2/graph/v1", interval=0.3)
    t0 = time.monotonic()
    assert client.paper("2211.12194")["venue"] == "Computer Vision and Pattern Recognition"
    assert client.paper("2103.11078")["citations"] == 301
    assert slept[0] == 0.0 and 5.0 not in slept                     # Retry-After, not the back-off
    assert time.monotonic() - t0 >= 0.55                            # 3 requests, 0.3 s apart


def test_an_offline_run_fails_with_one_clear_line(tmp_path):
    import socket

    with socket.socket() as s:                       # a port on loopback where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "corpus.jsonl"
    result = CliRunner().invoke(main, ["survey", "collect", "-o", str(out), "--arxiv-url",
                                       f"http://127.0.0.1:{port}/api/query", "--retries", "1", "--backoff", "0",
                                       "--interval", "0"])
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and line.startswith(f"Error: cannot reach arXiv API at 127.0.0.1:{port}")
    assert "needs internet access" in line and not out.exists()


def test_collect_command_writes_a_corpus_the_other_commands_read(api, tmp_path):
    out = tmp_path / "corpus.jsonl"
    args = ["survey", "collect", "-o", str(out), "--interval", "0", "--from", "2021-01-01", "--to", "2025-12-31",
            "--arxiv-url", f"{api.url}/arxiv/api/query", "--semantic-scholar-url", f"{api.url}/s2/graph/v1",
            "--crossref-url", f"{api.url}/crossref", "--github-url", f"{api.url}/github", "--limit", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2 papers (2 peer reviewed, 2 with code)" in result.output
    papers = load_corpus(out)
    assert {p.venue for p in papers} == {"CVPR", "ICCV"} and (tmp_path / "corpus.cache.sqlite").is_file()
    json.loads(out.read_text().splitlines()[0])


@pytest.mark.parametrize("venue,short", [
    ("2023 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)", "CVPR"),
    ("IEEE Transactions on Pattern Analysis and Machine Intelligence", "TPAMI"),
    ("Proceedings of the 31st ACM International Conference on Multimedia", "ACM MM"),
    ("ACM Transactions on Graphics", "TOG"),
    ("Some Workshop", "Some Workshop"),
])
def test_venue_names_are_shortened_for_the_tier_list(venue, short):
    assert c.short_venue(venue) == short


def test_bad_dates_are_refused():
    from thg.errors import InputError

    with pytest.raises(InputError, match="start date '2021/01/01' is not YYYY-MM-DD"):
        c.arxiv_query(["talking head"], "2021/01/01", "2025-12-31")
