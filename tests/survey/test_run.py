"""`thg survey run` end to end against the recorded-response server of test_collect.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from thg.cli import main


def _args(api, out, *extra):
    return ["survey", "run", "talking head", "--output", str(out), "--interval", "0", "--backoff", "0",
            "--min-stars", "0", "--arxiv-url", f"{api.url}/arxiv/api/query",
            "--semantic-scholar-url", f"{api.url}/s2/graph/v1", "--crossref-url", f"{api.url}/crossref",
            "--github-url", f"{api.url}/github", *map(str, extra)]


def test_run_end_to_end_resumes_and_works_offline(api, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, _args(api, out, "--clusters", 2))
    assert result.exit_code == 0, result.output
    assert "3 papers collected" in result.output
    for name in ("cache.sqlite", "corpus.jsonl", "curated.jsonl", "decisions.csv", "taxonomy/dendrogram.png",
                 "extractions.jsonl", "trends/datasets.png", "report.md", "report.html", "run.json"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and 'src="taxonomy/dendrogram.png"' in html
    assert 'src="trends/metrics.png"' in html and "<table>" in html
    md = (out / "report.md").read_text()
    assert "## Taxonomy" in md and "(trends/datasets.png)" in md
    state = json.loads((out / "run.json").read_text())
    assert list(state["stages"]) == ["collect", "curate", "taxonomy", "extract", "trends", "report"]

    sent = len(api.log)
    again = CliRunner().invoke(main, _args(api, out, "--clusters", 2))            # nothing to do
    assert again.exit_code == 0, again.output
    assert "reused from the last run: collect, curate, taxonomy, extract, trends, report" in again.output
    assert len(api.log) == sent

    other = CliRunner().invoke(main, _args(api, out, "--clusters", 3, "--offline"))   # redo from the taxonomy
    assert other.exit_code == 0, other.output
    assert "reused from the last run: collect, curate" in other.output and "3 clusters" in other.output
    assert len(api.log) == sent

    (out / "corpus.jsonl").unlink()                      # collect again, from the cache alone
    offline = CliRunner().invoke(main, _args(api, out, "--clusters", 3, "--offline"))
    assert offline.exit_code == 0, offline.output
    assert len(api.log) == sent
    assert "reused" not in offline.output


def test_run_interrupted_then_resumed(api, tmp_path):
    out = tmp_path / "run"
    api.fail["/github/"] = [500] * 10
    failed = CliRunner().invoke(main, _args(api, out, "--retries", 0))
    assert failed.exit_code == 1 and "GitHub API" in failed.output.strip().splitlines()[-1]
    assert (out / "cache.sqlite").is_file()                                         # kept to resume from
    assert json.loads((out / "run.json").read_text())["stages"] == {}
    done = len(api.log)
    api.fail.clear()
    result = CliRunner().invoke(main, _args(api, out))
    assert result.exit_code == 0, result.output
    assert not any("/arxiv/" in r for r in api.log[done:])          # the search was not asked again


def test_offline_without_a_cache_leaves_nothing(api, tmp_path):
    out = tmp_path / "new" / "run"
    result = CliRunner().invoke(main, _args(api, out, "--offline"))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: offline, and an answer of arXiv API")        # after the bar's label
    assert sum(line.startswith("Error") for line in lines) == 1
    assert not (tmp_path / "new").exists() and api.log == []


@pytest.mark.parametrize("extra,code,message", [
    (["--arxiv-url", "notaurl"], 2, "is not a web address"),
    (["--threshold", "1", "--clusters", "2"], 2, "give one of them"),
    (["--from", "2021"], 1, "is not YYYY-MM-DD"),
])
def test_run_refuses_bad_options_with_one_line(api, tmp_path, extra, code, message):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, _args(api, out, *extra))
    assert result.exit_code == code, result.output
    assert message in result.output.strip().splitlines()[-1] and not out.exists()
