"""The optional language-model steps against a local OpenAI-compatible stand-in on 127.0.0.1."""

from __future__ import annotations

import csv
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.survey.collect import Cache, Fetcher
from thg.survey.extract import read_tex_source
from thg.survey.llm import (
    DATASET_METRIC_PROMPT,
    NEW_METRIC_PROMPT,
    ChatClient,
    LlmExtractor,
)

LABELS = {"radiance": "Neural radiance field heads", "diffusion": "Diffusion portrait animation",
          "emotion": "Emotion-controllable talking faces"}


class FakeModel:
    """Answers chat completions: recorded answers for the survey's two prompts, labels by key word."""

    def __init__(self, folder):
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model.requests.append(body)
                model.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    self.send_response(404)
                    self.end_headers()
                    return
                prompt = body["messages"][0]["content"]
                if prompt.startswith(DATASET_METRIC_PROMPT):
                    answer = (folder / "llm_datasets.json").read_bytes()
                elif prompt.startswith(NEW_METRIC_PROMPT):
                    name = "llm_new_metrics.json" if "Emotion Intensity" in prompt else "llm_no_new_metrics.json"
                    answer = (folder / name).read_bytes()
                else:
                    terms = prompt.split("Distinctive terms:")[1].split("\n")[0]
                    label = next((v for k, v in LABELS.items() if k in terms), "Other")
                    answer = json.dumps({"choices": [{"message": {"role": "assistant", "content": f'"{label}"'}}]}
                                        ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def model(data_dir):
    m = FakeModel(data_dir / "recorded")
    yield m
    m.server.shutdown()
    m.server.server_close()


def test_the_llm_extractor_sends_the_survey_prompts_and_returns_the_same_record(model, data_dir, monkeypatch):
    monkeypatch.setenv("THG_LLM_API_KEY", "test-key")
    chat = ChatClient.from_env(Fetcher(Cache(None)), model.url, "survey-model", interval=0.0)
    found = LlmExtractor(chat).extract_tex(read_tex_source(data_dir / "tex" / "2301.10001"))
    record = found.to_record("2301.10001")
    assert [(d["name"], d["role"]) for d in record["datasets"]] == [
        ("VoxCeleb2", "train"), ("MEAD", "train"), ("HDTF", "test"), ("CREMA-D", "test")]
    assert [m["name"] for m in record["metrics"]] == ["PSNR", "SSIM", "LPIPS", "FID", "LSE-C", "LSE-D", "LMD",
                                                      "Diversity"]
    assert [(m["name"], m["family"]) for m in record["new_metrics"]] == [("EIE", "expression")]
    sent = [r["messages"][0]["content"] for r in model.requests]
    assert sent[0].startswith(DATASET_METRIC_PROMPT) and sent[1].startswith(NEW_METRIC_PROMPT)
    assert "HDTF" in sent[0] and "\\cite" not in sent[0]                 # the cleaned experiment section
    assert "GRID" not in sent[0]                                         # not the introduction
    assert all(r["model"] == "survey-model" and r["temperature"] == 0 for r in model.requests)
    assert model.headers[0]["Authorization"] == "Bearer test-key"


def test_a_paper_without_new_metrics(model, data_dir):
    chat = ChatClient(Fetcher(Cache(None)), model.url, "survey-model", interval=0.0)
    found = LlmExtractor(chat).extract_tex(read_tex_source(data_dir / "tex" / "2201.10002.tex"))
    assert found.new_metrics == []


def test_taxonomy_labels_from_the_model_are_cached(model, abstracts_path, tmp_path):
    args = ["survey", "taxonomy", "--corpus", str(abstracts_path), "-o", str(tmp_path / "t"), "--clusters", "3",
            "--llm-url", model.url, "--llm-model", "survey-model"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "t" / "assignments.csv").open()))
    assert {r["label"] for r in rows} == set(LABELS.values())
    summary = {r["label"]: r["terms"] for r in csv.DictReader((tmp_path / "t" / "clusters.csv").open())}
    assert "radiance" in summary["Neural radiance field heads"]         # the distinctive terms are kept
    asked = len(model.requests)
    assert asked == 3
    assert CliRunner().invoke(main, [*args, "--overwrite"]).exit_code == 0
    assert len(model.requests) == asked                                 # answered from the cache


def test_llm_options_must_come_together(abstracts_path, data_dir, tmp_path):
    result = CliRunner().invoke(main, ["survey", "taxonomy", "--corpus", str(abstracts_path), "-o", str(tmp_path),
                                       "--llm-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 2 and "--llm-url and --llm-model go together" in result.output
    result = CliRunner().invoke(main, ["survey", "extract", "--input", str(data_dir / "tex"), "-o", str(tmp_path),
                                       "--extractor", "llm"])
    assert result.exit_code == 2 and "--extractor llm" in result.output


def test_extract_command_with_the_llm(model, data_dir, tmp_path):
    result = CliRunner().invoke(main, ["survey", "extract", "--input", str(data_dir / "tex" / "2301.10001"),
                                       "-o", str(tmp_path / "x"), "--extractor", "llm", "--llm-url", model.url,
                                       "--llm-model", "survey-model"])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(x) for x in (tmp_path / "x" / "extractions.jsonl").read_text().splitlines()]
    assert record["id"] == "2301.10001" and record["new_metrics"][0]["name"] == "EIE"
    assert "Testing: HDTF" in {d["name"]: d["evidence"] for d in record["datasets"]}["HDTF"]
