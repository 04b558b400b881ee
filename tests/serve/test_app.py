"""The HTTP API of a real ``thg serve`` on 127.0.0.1: jobs, results, limits and content checks."""

from __future__ import annotations

import io
import json
import subprocess

import numpy as np
import pytest

from thg.io import probe_video, read_video_frames
from thg.io.video import ffmpeg_exe
from thg.motion.track import MotionTrack
from thg.post.provenance import PROVENANCE

from _serve import mouth_openings


def png_bytes(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def test_text_job_makes_a_speaking_video_with_motion_and_report(server, tmp_path):
    status, job = server.submit({"text": "Hello, Bob opens a big map.", "example": "astronaut", "size": "512",
                                 "seed": "3"})
    assert status == 202 and job["state"] == "queued"
    job = server.wait(job["id"])
    assert job["state"] == "done", job["error"]
    # the video: frames for the whole speech, with sound and the provenance tag
    status, body = server.get(job["downloads"]["video"])
    assert status == 200
    video = tmp_path / "out.mp4"
    video.write_bytes(body)
    info = probe_video(video)
    assert info.has_audio and max(info.width, info.height) == 512
    frames = np.stack(list(read_video_frames(video)))
    assert abs(len(frames) - job["result"]["frames"]) <= 1 and len(frames) > 25
    header = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(video)], capture_output=True, text=True).stderr
    assert PROVENANCE in header
    # the mouth opens while speaking and is closed at the ends
    mouth = mouth_openings(frames)
    assert np.nanmax(mouth) > 0.2 and mouth[0] < 0.08 and mouth[-1] < 0.08
    # the motion file is a real track of the same length
    status, body = server.get(job["downloads"]["motion"])
    motion = tmp_path / "motion.json"
    motion.write_bytes(body)
    track = MotionTrack.load(motion)
    assert len(track) == job["result"]["frames"] and track["mouth_open"].max() > 0.2
    # the report measured the video: lips follow the speech
    status, body = server.get(job["downloads"]["report"])
    report = json.loads(body)
    assert report["provenance"] == PROVENANCE and report["options"]["seed"] == 3
    assert report["metrics"]["mouth-sync"]["value"] > 0.4
    assert abs(report["metrics"]["mouth-av-offset"]["value"]) <= 1


def test_audio_upload_is_recognised_by_content_not_name(server, speech_path, portrait):
    status, job = server.submit({"size": "256"}, {"portrait": ("photo.txt", png_bytes(portrait[::2, ::2])),
                                                  "audio": ("speech.bin", speech_path.read_bytes())})
    assert status == 202, job
    job = server.wait(job["id"])
    assert job["state"] == "done", job["error"]
    assert 2.0 < job["result"]["duration_s"] < 5.0   # the uploaded speech's length, not a text's


@pytest.mark.parametrize("fields, files, needle", [
    ({"text": "hi"}, {"portrait": ("face.jpg", b"this is no image at all")}, "not a JPEG, PNG, WebP or BMP"),
    ({"text": "hi"}, {"portrait": ("face.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50)}, "corrupt or truncated"),
    ({"example": "astronaut"}, {"audio": ("a.wav", b"RIFF\0\0\0\0WAVEjunk")}, "cannot decode"),
    ({"example": "astronaut"}, {"audio": ("a.wav", png_bytes(np.zeros((40, 40, 3), np.uint8)))}, "not a WAV"),
    ({"example": "astronaut", "text": "x" * 201}, {}, "--max-text-chars"),
    ({"example": "astronaut", "text": "   "}, {}, "nothing to say"),
    ({"text": "hi"}, {}, "upload a photo or pick an example"),
    ({"example": "../../etc/passwd", "text": "hi"}, {}, "is not known"),
    ({"example": "astronaut", "text": "hi", "emotion": "bored"}, {}, "emotion 'bored' is not known"),
    ({"example": "astronaut", "text": "hi", "lang": "../x"}, {}, "not a language code"),
    ({"example": "astronaut", "text": "hi", "size": "99999"}, {}, "size"),
])
def test_bad_requests_get_one_clear_line(server, fields, files, needle):
    status, body = server.submit(fields, files)
    assert status in (400, 422) and needle in body["detail"], body
    assert "\n" not in body["detail"] and "Traceback" not in body["detail"]


def test_limits_name_their_flag(server, tmp_path):
    big = np.full((1200, 1000, 3), 128, np.uint8)   # 1.2 MP, over the 1 MP cap (and a small file)
    status, body = server.submit({"text": "hi"}, {"portrait": ("big.png", png_bytes(big))})
    assert status == 400 and "--max-pixels" in body["detail"] and "1000×1200" in body["detail"]
    status, body = server.submit({"text": "hi"}, {"portrait": ("huge.png", b"\x89PNG\r\n\x1a\n" + bytes(5 * 2**20))})
    assert status in (400, 413) and "--max-upload-mb" in body["detail"]
    wav = tmp_path / "long.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "Hello there. " * 12], check=True)
    status, body = server.submit({"example": "astronaut"}, {"audio": ("long.wav", wav.read_bytes())})
    assert status == 400 and "--max-audio-seconds" in body["detail"]
    assert server.get_json("/api/health")[0] == 200   # and the server keeps serving


def test_ids_never_name_paths(server):
    for bad in ("0" * 32, "nope", "..", "%2e%2e"):
        status, body = server.get_json(f"/api/jobs/{bad}")
        assert status == 404 and "not known" in body["detail"]
    status, body = server.get("/api/jobs/..%2F..%2F..%2Fetc%2Fpasswd")
    assert status == 404 and b"root:" not in body
    status, body = server.get_json(f"/api/jobs/{'0' * 32}/video")
    assert status == 404
    status, body = server.get_json("/api/jobs/abc/passwd")
    assert status == 422


def test_a_photo_without_a_face_fails_with_its_reason_and_no_server_path(server):
    sky = np.zeros((300, 300, 3), np.uint8)
    sky[:] = (90, 140, 220)
    status, job = server.submit({"text": "Hello."}, {"portrait": ("me.png", png_bytes(sky))})
    assert status == 202
    job = server.wait(job["id"])
    assert job["state"] == "failed" and job["error"].startswith("portrait.png: ") and "face" in job["error"]
    assert str(server.data) not in job["error"] and "/" not in job["error"].split(":")[0]


def test_results_of_an_unfinished_job_are_refused(server):
    status, job = server.submit({"text": "One more sentence to say.", "example": "grace_hopper", "size": "256"})
    status, body = server.get_json(f"/api/jobs/{job['id']}/video")
    if status != 200:   # it may already be done on a fast machine
        assert status == 409 and "fetch its results once its state is done" in body["detail"]
    assert server.wait(job["id"])["state"] == "done"


def test_page_docs_and_assets_are_served_without_any_outside_address(server):
    status, spec = server.get_json("/openapi.json")
    assert status == 200 and {"/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/{what}"} <= set(spec["paths"])
    for path in ("/", "/docs", "/redoc"):
        status, body = server.get(path)
        assert status == 200
        html = body.decode()
        assert "http://" not in html and "https://" not in html.replace("https://github.com", ""), path


def test_rate_limit_per_client(start_server):
    s = start_server("--rate-limit", "2")
    codes = [s.submit({"text": f"Number {i}.", "example": "astronaut", "size": "128"})[0] for i in range(3)]
    assert codes == [202, 202, 429]
    status, body = s.submit({"text": "again", "example": "astronaut"})
    assert status == 429 and "at most 2 a minute" in body["detail"]


def test_help_says_it_serves_localhost_and_how_to_expose_it():
    from click.testing import CliRunner

    from thg.cli import main

    out = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "127.0.0.1" in out and "0.0.0.0" in out


@pytest.fixture(scope="module")
def made_video(server, tmp_path_factory):
    """A video this server made (astronaut, 512 px), as a file."""
    status, job = server.submit({"text": "Hello, Bob opens a big map.", "example": "astronaut", "size": "512"})
    job = server.wait(job["id"])
    path = tmp_path_factory.mktemp("made") / "made.mp4"
    path.write_bytes(server.get(job["downloads"]["video"])[1])
    return path


def test_evaluation_of_an_uploaded_video(server, made_video):
    status, job = server.submit_to("/api/evaluations", {"metrics": "mouth-sync,diversity"},
                                   {"pred": ("clip.bin", made_video.read_bytes())})
    assert status == 202, job
    job = server.wait(job["id"])
    assert job["state"] == "done", job["error"]
    assert set(job["downloads"]) == {"report"}
    report = json.loads(server.get(job["downloads"]["report"])[1])
    assert report["metrics"]["mouth-sync"]["value"] > 0.4         # the video's own sound drives the sync
    assert report["metrics"]["diversity"]["value"] > 0
    assert server.get_json(f"/api/jobs/{job['id']}/video")[0] == 404   # an evaluation has no video


@pytest.mark.parametrize("fields, files, needle", [
    ({"metrics": "mouth-sinc"}, "made", "mouth-sync"),              # did you mean
    ({"metrics": "psnr"}, "png", "not an MP4, MOV, MKV/WebM or AVI video"),
    ({"metrics": "psnr"}, None, "pred"),
])
def test_bad_evaluations_get_one_clear_line(server, made_video, fields, files, needle):
    uploads = {"made": {"pred": ("a.mp4", made_video.read_bytes())},
               "png": {"pred": ("a.mp4", png_bytes(np.zeros((64, 64, 3), np.uint8)))}, None: {}}[files]
    status, body = server.submit_to("/api/evaluations", fields, uploads)
    assert status in (400, 422) and needle in body["detail"], body


def test_a_port_in_use_is_one_line(tmp_path):
    import socket

    from click.testing import CliRunner

    from thg.cli import main

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port), "--data", str(tmp_path / "d")])
    assert result.exit_code == 1 and result.output.startswith(f"Error: --host 127.0.0.1 --port {port}: cannot listen")
    assert "Traceback" not in result.output and not (tmp_path / "d").exists()
