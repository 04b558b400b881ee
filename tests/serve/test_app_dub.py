"""``POST /api/dubs`` on a real ``thg serve``: a real clip (carphone, 1.5 s) dubbed with espeak-ng speech."""

from __future__ import annotations

import numpy as np
import pytest

from thg.io import probe_video, read_video_frames
from thg.io.audio import load_audio
from thg.motion.track import MotionTrack

from _serve import mouth_openings


def test_a_dub_keeps_the_clips_frame_and_takes_the_new_speech(server, carphone_short, speech_path, tmp_path):
    job = server.finished("/api/dubs", {}, {"video": ("clip.mp4", carphone_short.read_bytes()),
                                             "audio": ("line.wav", speech_path.read_bytes())})
    assert job["kind"] == "dub"
    assert set(job["downloads"]) == {"video", "motion"}
    video = server.download(job, "video", tmp_path / "dubbed.mp4")
    info, clip = probe_video(video), probe_video(carphone_short)
    assert (info.width, info.height) == (clip.width, clip.height) and info.has_audio
    # the default fit (pingpong) runs the 1.5 s clip for the whole 3 s speech
    speech = load_audio(speech_path).duration
    frames = np.stack(list(read_video_frames(video)))
    assert abs(len(frames) / info.fps - speech) < 2 / info.fps, (len(frames), info.fps, speech)
    assert job["result"]["dubbed"] == len(frames)
    # the lips follow the new speech: the mouth measured in the video against the motion it was given
    track = MotionTrack.load(server.download(job, "motion", tmp_path / "motion.json"))
    assert len(track) == len(frames)
    mouth = mouth_openings(frames)
    r = np.corrcoef(np.nan_to_num(mouth), track["mouth_open"])[0, 1]
    assert r > 0.6, r
    shut = track["mouth_open"] < 0.02          # the speech's pause and its ends
    assert shut.sum() > 10 and np.nanmedian(mouth[shut]) < 0.08
    assert np.nanmax(mouth) > 0.15
    assert server.get_json(f"/api/jobs/{job['id']}/report")[0] == 404   # a dub offers no report


def test_a_text_dub_trimmed_to_the_clip(server, carphone_short, tmp_path):
    job = server.finished("/api/dubs", {"text": "Bob opens a big blue map, and reads it aloud.",
                                         "fit": "trim"},
                           {"video": ("clip.mov", carphone_short.read_bytes())})
    clip = probe_video(carphone_short)
    frames = list(read_video_frames(server.download(job, "video", tmp_path / "dubbed.mp4")))
    assert abs(len(frames) - clip.duration * clip.fps) <= 1     # the longer speech is cut to the clip


def test_a_clip_without_a_face_fails_with_its_reason_and_no_server_path(server, faceless, speech_path):
    status, job = server.submit_to("/api/dubs", {"text": "Hello there."}, {"video": ("grey.mp4", faceless.read_bytes())})
    assert status == 202, job
    job = server.wait(job["id"])
    assert job["state"] == "failed" and "no face found" in job["error"], job
    assert str(server.data) not in job["error"] and "\n" not in job["error"]


@pytest.mark.parametrize("fields, files, needle", [
    ({"text": "hi"}, {}, "video: none given"),
    ({"text": "hi"}, {"video": ("clip.mp4", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)}, "video: not an MP4, MOV"),
    ({"text": "hi"}, {"video": ("clip.mp4", b"\0\0\0\x18ftypisom" + b"\0" * 64)}, "no readable video stream"),
    ({"text": "hi", "fit": "stretch"}, "clip", "fit 'stretch' is not known; choose one of pingpong, loop, trim, pad"),
    ({}, "clip", "text: nothing to say"),
    ({"text": "hi", "lang": "../x"}, "clip", "not a language code"),
    ({"text": "hi", "expression_scale": "9"}, "clip", "expression_scale"),
])
def test_bad_dubs_get_one_clear_line(server, carphone_short, fields, files, needle):
    uploads = {"video": ("clip.mp4", carphone_short.read_bytes())} if files == "clip" else files
    status, body = server.submit_to("/api/dubs", fields, uploads)
    assert status in (400, 422) and needle in body["detail"], body
    assert "\n" not in body["detail"] and "Traceback" not in body["detail"]


def test_bad_speech_upload_for_a_dub(server, carphone_short):
    status, body = server.submit_to("/api/dubs", {}, {"video": ("clip.mp4", carphone_short.read_bytes()),
                                                     "audio": ("a.wav", b"RIFF\0\0\0\0WAVEjunk")})
    assert status == 400 and body["detail"].startswith("audio: cannot decode"), body
