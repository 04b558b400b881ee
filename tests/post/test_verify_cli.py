"""``thg verify`` on real thg outputs: marked and signed by default, `--no-watermark` says so, a
re-encoded copy keeps only the watermark, unmarked video has neither."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.post import attacks


def _run(*args):
    return CliRunner().invoke(main, list(map(str, args)))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    import os

    folder = tmp_path_factory.mktemp("verify")
    os.environ["THG_C2PA_DIR"] = str(folder / "identity")   # module-wide (the autouse fixture is per test)
    marked, plain = folder / "marked.mp4", folder / "plain.mp4"
    for path, extra in ((marked, []), (plain, ["--no-watermark"])):
        r = _run("demo", "-o", path, "--size", "512", "-q", "-t", "Hello, this video was made by a program.",
                 *extra)
        assert r.exit_code == 0, r.output
    return marked, plain


def test_generated_output_has_manifest_and_mark(outputs):
    marked, _ = outputs
    r = _run("verify", marked)
    assert r.exit_code == 0, r.output
    manifest, mark = r.output.strip().splitlines()
    assert "C2PA manifest: valid, signer untrusted" in manifest and "trainedAlgorithmicMedia" in manifest
    assert "watermark: found, id " in mark and "false-alarm probability" in mark
    data = json.loads(_run("verify", "--json", marked).output)
    assert data["from_thg"] and data["ids_agree"] is True
    assert data["manifest"]["thg"]["watermark"]["id"] == data["watermark"]["id"]
    assert data["watermark"]["false_alarm"] <= 1e-6


def test_no_watermark_is_stated_and_reencode_leaves_nothing(outputs, tmp_path):
    _, plain = outputs
    r = _run("verify", plain)
    assert r.exit_code == 0 and "no watermark" in r.output and "watermark: not found" in r.output
    copy = tmp_path / "copy.mp4"
    attacks.apply(plain, copy, ["-crf", "30"])
    r = _run("verify", copy)
    assert r.exit_code == 3 and "C2PA manifest: absent" in r.output and "watermark: not found" in r.output


def test_reencoded_copy_keeps_the_mark_alone(outputs, tmp_path):
    marked, _ = outputs
    copy = tmp_path / "copy.mp4"
    attacks.apply(marked, copy, attacks.ATTACKS["scale50"][0])
    data = json.loads(_run("verify", "--json", copy).output)
    assert data["manifest"]["state"] == "absent" and data["watermark"]["found"] and data["from_thg"]


def test_batch_exit_code_and_errors(outputs, tmp_path):
    marked, plain = outputs
    copy = tmp_path / "copy.mp4"
    attacks.apply(plain, copy, ["-crf", "23"])
    r = _run("verify", marked, copy)
    assert r.exit_code == 3 and len(r.output.strip().splitlines()) == 4
    r = _run("verify", tmp_path / "missing.mp4")
    assert r.exit_code == 1 and "missing.mp4: video not found" in r.output
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    r = _run("verify", junk)
    assert r.exit_code == 1 and "junk.mp4" in r.output and "Traceback" not in r.output


def test_codec_decoder_marks_and_signs_what_it_renders(outputs, tmp_path):
    marked, _ = outputs
    stream, decoded = tmp_path / "call.thm", tmp_path / "decoded.mp4"
    assert _run("encode", marked, "-o", stream, "-q").exit_code == 0
    r = _run("decode", stream, "-o", decoded, "-q")
    assert r.exit_code == 0, r.output
    data = json.loads(_run("verify", "--json", decoded).output)
    assert data["manifest"]["thg"]["action"] == "decode" and data["watermark"]["found"] and data["ids_agree"]
