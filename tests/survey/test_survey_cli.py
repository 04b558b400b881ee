import csv
import json

import pytest
from click.testing import CliRunner

from thg.cli import main


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, ["survey", *map(str, args)])

    return invoke


def test_survey_is_a_listed_command(run):
    result = CliRunner().invoke(main, ["--help"])
    assert "survey" in result.output
    assert all(c in run("--help").output for c in ("methods", "taxonomy", "trends", "extract", "curate"))


def test_methods_filters_and_sorts(run):
    result = run("methods", "--cluster", 7, "--sort", "stars", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.output.splitlines()))
    assert {r["cluster"] for r in rows} == {"7"} and len(rows) == 6
    stars = [int(r["stars"] or 0) for r in rows]
    assert stars == sorted(stars, reverse=True) and rows[0]["method"] == "ER-NeRF"
    jsonl = run("methods", "--new-metrics", "--year", 2025, "--format", "jsonl").output.splitlines()
    assert jsonl and all(json.loads(line)["new_metrics"] and json.loads(line)["year"] == 2025 for line in jsonl)


def test_the_table_feeds_the_trend_analysis(run, tmp_path):
    table = tmp_path / "table1.jsonl"
    table.write_text(run("methods", "--format", "jsonl").output, encoding="utf-8")
    result = run("trends", table, "-o", tmp_path / "t")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "t" / "new_metrics.csv").open()))
    # Table 1 lists 31 new metrics over 21 methods; none has a family, so all count as "other"
    assert sum(int(r["papers"]) for r in rows) == 31 and {r["group"] for r in rows} == {"other"}


def test_usage_errors_exit_2_with_one_line(run):
    result = run("methods", "--cluster", 12)
    assert result.exit_code == 2
    assert result.output.strip() == "Error: --cluster 12 is not a cluster of the survey; use 1 to 10"
    assert run("taxonomy", "--corpus", "x.jsonl", "-o", "out", "--threshold", 1, "--clusters", 3).exit_code == 2


def test_normalize_and_terms(run):
    result = run("normalize", "VoxCeleb-2", "Sync-C")
    assert result.output.splitlines() == ["VoxCeleb-2\tVoxCeleb2\tdataset\taudiovisual", "Sync-C\tLSE-C\tmetric\tsync"]
    bad = run("normalize", "--kind", "metric", "PSNRR")
    assert bad.exit_code == 1 and "did you mean PSNR" in bad.output
    assert "HDTF" in run("terms", "datasets", "--group", "audiovisual").output
    assert "MEAD" not in run("terms", "datasets", "--group", "audiovisual").output


def test_pipeline_import_curate_extract_taxonomy_trends(run, data_dir, abstracts_path, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    result = run("import", data_dir / "arxiv_feed.xml", data_dir / "extra.csv", abstracts_path, "-o", corpus)
    assert result.exit_code == 0, result.output
    assert "21 papers from 23 records" in result.output

    curated, decisions = tmp_path / "curated.jsonl", tmp_path / "decisions.csv"
    result = run("curate", corpus, "-o", curated, "--min-stars", 0, "--decisions", decisions)
    assert result.exit_code == 0, result.output
    dropped = {r["id"]: r["reason"] for r in csv.DictReader(decisions.open()) if r["keep"] == "no"}
    assert "2305.20000" in dropped                                    # the vocoder paper

    ext_dir = tmp_path / "extracted"
    result = run("extract", "--input", data_dir / "tex", "--output", ext_dir, "--corpus", curated)
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in map(json.loads, (ext_dir / "extractions.jsonl").read_text().splitlines())}
    assert set(records) == {"2101.10000", "2201.10002", "2301.10001"}
    assert {"name": "HDTF", "role": "test"}.items() <= records["2301.10001"]["datasets"][2].items()
    assert [m["name"] for m in records["2201.10002"]["metrics"]] == ["EmotionAcc", "SSIM", "LSE-D", "F-LMD"]
    papers = {json.loads(line)["id"]: json.loads(line) for line in (ext_dir / "corpus.jsonl").read_text().splitlines()}
    assert papers["2301.10001"]["datasets"]["HDTF"] == ["test"]

    tax_dir = tmp_path / "taxonomy"
    result = run("taxonomy", "--corpus", ext_dir / "corpus.jsonl", "--output", tax_dir, "--clusters", 3)
    assert result.exit_code == 0, result.output
    assert {p.name for p in tax_dir.iterdir()} == {"assignments.csv", "clusters.csv", "taxonomy.json", "corpus.jsonl",
                                                   "dendrogram.png", "dendrogram.svg"}
    summary = json.loads((tax_dir / "taxonomy.json").read_text())
    assert sum(c["size"] for c in summary["clusters"]) == len(papers) and len(summary["clusters"]) == 3

    trend_dir = tmp_path / "trends"
    result = run("trends", tax_dir / "corpus.jsonl", "-o", trend_dir, "--figure", "svg")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((trend_dir / "datasets.csv").open()))
    assert {"year": "2023", "name": "HDTF", "group": "audiovisual", "role": "test", "papers": "1"} in rows
    assert (trend_dir / "radar.svg").stat().st_size > 1000
    report = (trend_dir / "report.md").read_text()
    assert "(datasets.svg)" in report and "| HDTF | audio-visual | 2 |" in report
    assert "share of metric use per family" in result.output


def test_outputs_are_not_overwritten_unless_asked(run, abstracts_path, tmp_path):
    out = tmp_path / "t"
    assert run("taxonomy", "--corpus", abstracts_path, "-o", out).exit_code == 0
    again = run("taxonomy", "--corpus", abstracts_path, "-o", out)
    assert again.exit_code == 1 and "pass --overwrite" in again.output
    assert run("taxonomy", "--corpus", abstracts_path, "-o", out, "--overwrite").exit_code == 0


def test_taxonomy_writes_the_issue_outputs(run, abstracts_path, tmp_path):
    out = tmp_path / "tax"
    result = run("taxonomy", "--corpus", abstracts_path, "--output", out, "--threshold", 1.6)
    assert result.exit_code == 0, result.output
    lines = (out / "assignments.csv").read_text().splitlines()
    assert lines[0] == "id,cluster,label" and len(lines) == 19
    rows = list(csv.DictReader(lines))
    theme = {json.loads(x)["id"]: json.loads(x)["theme"] for x in abstracts_path.read_text().splitlines()}
    by_cluster: dict = {}
    for r in rows:
        by_cluster.setdefault(r["cluster"], set()).add(theme[r["id"]])
    assert len(by_cluster) == 3 and all(len(t) == 1 for t in by_cluster.values())
    summary = list(csv.DictReader((out / "clusters.csv").open()))
    assert [int(r["size"]) for r in summary] == [6, 6, 6] and all(r["label"] for r in summary)
    assert (out / "dendrogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (out / "dendrogram.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_extract_one_source_writes_one_record(run, data_dir, tmp_path):
    result = run("extract", "--input", data_dir / "tex" / "2201.10002.tex", "--output", tmp_path / "x")
    assert result.exit_code == 0, result.output
    [record] = [json.loads(x) for x in (tmp_path / "x" / "extractions.jsonl").read_text().splitlines()]
    assert record["id"] == "2201.10002"
    assert [(d["name"], d["role"]) for d in record["datasets"]] == [("MEAD", "both"), ("CREMA-D", "train"),
                                                                   ("RAVDESS", "test")]
    assert {m["name"]: m["family"] for m in record["metrics"]}["LSE-D"] == "sync"
    assert all(d["name"] in d["evidence"] for d in record["datasets"])
    missing = run("extract", "--input", data_dir / "nope.tex", "--output", tmp_path / "y")
    assert missing.exit_code == 1 and "not found" in missing.output


def _damaged_gzip(path):
    import gzip

    data = bytearray(gzip.compress(b"\\section{Experiments} We test on HDTF. " * 500))
    for i in range(12, 40):                 # garble the deflate block header: zlib refuses it
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


HOSTILE = {
    "year": (lambda d: (d / "c.jsonl").write_text('{"id": "a", "title": "t", "year": 1e400}\n'),
             ["taxonomy", "--corpus", "c.jsonl", "-o", "out/x"], 1, "year inf is not a whole number"),
    "binary": (lambda d: (d / "c.jsonl").write_bytes(bytes(range(256)) * 8),
               ["taxonomy", "--corpus", "c.jsonl", "-o", "out"], 1, "not UTF-8 text"),
    "deep": (lambda d: (d / "c.json").write_text("[" * 100_000 + "]" * 100_000),
             ["trends", "c.json", "-o", "out"], 1, "nested too deeply"),
    "tex.gz": (lambda d: _damaged_gzip(d / "p.tex.gz"),
               ["extract", "--input", "p.tex.gz", "-o", "out"], 1, "not a readable arXiv e-print archive"),
    "llm-url": (lambda d: (d / "c.jsonl").write_text('{"id": "a", "title": "t"}\n{"id": "b", "title": "u"}\n'),
                ["taxonomy", "--corpus", "c.jsonl", "-o", "out", "--llm-url", "notaurl", "--llm-model", "m"], 2,
                "--llm-url 'notaurl' is not a web address"),
    "unreachable-llm": (lambda d: (d / "c.jsonl").write_text('{"id": "a", "title": "talking heads"}\n'
                                                               '{"id": "b", "title": "lip sync"}\n'),
                        ["taxonomy", "--corpus", "c.jsonl", "-o", "out", "--llm-url", "http://127.0.0.1:9/v1",
                         "--llm-model", "m"], 1, "cannot reach language model"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_inputs_get_one_line_and_leave_nothing(case, tmp_path, monkeypatch):
    make, args, code, message = HOSTILE[case]
    make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["survey", *args])
    assert result.exit_code == code, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before          # not even an empty folder


def test_a_failed_run_in_an_existing_folder_keeps_what_was_there(run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"id": "a", "title": "t", "stars": "many"}\n')
    result = run("taxonomy", "--corpus", bad, "-o", out)
    assert result.exit_code == 1 and "stars 'many' is not a whole number" in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
