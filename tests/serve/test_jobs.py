"""Jobs survive the server: a kill mid-queue and a restart lose none; a job the server keeps dying on fails."""

from __future__ import annotations

import json
import time

import numpy as np

from thg.io import probe_video, read_video_frames
from thg.serve.jobs import MAX_ATTEMPTS, JobOptions, JobStore

N_JOBS = 5


def test_kill_and_restart_mid_queue_loses_no_job(start_server, tmp_path):
    """A bounded load test: N queued jobs, SIGKILL while one runs, restart, every accepted job finishes."""
    data = tmp_path / "data"
    first = start_server("--rate-limit", "0", data=data)
    ids = []
    for i in range(N_JOBS):
        status, job = first.submit({"text": f"Job number {i} says hello.", "example": "grace_hopper", "size": "256",
                                    "seed": str(i)})
        assert status == 202, job
        ids.append(job["id"])
    deadline = time.monotonic() + 120
    while first.get_json(f"/api/jobs/{ids[1]}")[1]["state"] == "queued":   # the kill lands with work in flight
        assert time.monotonic() < deadline, "the queue never started"
        time.sleep(0.1)
    first.kill()
    states = {json.loads((data / "jobs" / i / "job.json").read_text())["state"] for i in ids}
    assert "queued" in states   # some were still waiting when the server died

    second = start_server("--rate-limit", "0", data=data)
    for i, job_id in enumerate(ids):
        job = second.wait(job_id)
        assert job["state"] == "done", (job_id, job["error"])
        status, body = second.get(job["downloads"]["video"])
        video = tmp_path / f"job{i}.mp4"
        video.write_bytes(body)
        assert probe_video(video).has_audio
        assert abs(len(list(read_video_frames(video))) - job["result"]["frames"]) <= 1
    assert not list((data / "jobs").glob("*/.*.part*"))   # no half-written file left behind
    seeds = [json.loads(second.get(f"/api/jobs/{i}/report")[1])["options"]["seed"] for i in ids]
    assert seeds == list(range(N_JOBS))


def test_job_the_server_keeps_dying_on_is_reported_failed(tmp_path):
    store = JobStore(tmp_path)
    job = store.submit(JobOptions(text="hi", example="astronaut"), {})
    record = json.loads((job.folder / "job.json").read_text())
    record.update(state="running", attempts=MAX_ATTEMPTS)          # as a server killed mid-run leaves it
    (job.folder / "job.json").write_text(json.dumps(record))
    (tmp_path / "jobs" / ".new-deadbeef").mkdir()                  # a submit the server died in
    again = JobStore(tmp_path).get(job.id)
    assert again.state == "failed" and "stopped 3 times" in again.error
    assert not (tmp_path / "jobs" / ".new-deadbeef").exists()


def test_worker_reports_input_errors_and_keeps_going(tmp_path):
    from thg.errors import NoFaceError

    store = JobStore(tmp_path)
    bad = store.submit(JobOptions(text="hi", example="astronaut"), {"portrait": (b"x", ".png")})
    good = store.submit(JobOptions(text="hi", example="astronaut"), {})

    def runner(job, progress):
        progress("rendering", 0.5)
        if job.input_path("portrait") is not None:
            raise NoFaceError("portrait: no face found; use a photo that shows a face")
        return {"frames": 1}

    store.start(runner)
    deadline = time.monotonic() + 30
    while good.state != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    store.stop(5)
    assert bad.state == "failed" and bad.error.startswith("portrait: no face found")
    assert good.state == "done" and good.result == {"frames": 1}
    reloaded = JobStore(tmp_path)
    assert reloaded.get(bad.id).state == "failed" and reloaded.get(good.id).state == "done"
    assert np.isclose(reloaded.get(good.id).status()["progress"], 1.0)


def test_dub_and_reenactment_jobs_come_back_after_a_restart_as_they_were_submitted(tmp_path):
    from thg.serve.jobs import DubOptions, ReenactOptions

    store = JobStore(tmp_path)
    dub = store.submit(DubOptions(text="A new line.", lang="de", fit="trim"), {"video": (b"clip", ".mp4")})
    reenact = store.submit(ReenactOptions(example="grace_hopper", regions="pose,mouth", size=256),
                           {"driving": (b"clip", ".mov")})
    again = JobStore(tmp_path)            # a new server on the same folder queues both again
    d, r = again.get(dub.id), again.get(reenact.id)
    assert (d.kind, d.options, d.state) == ("dub", dub.options, "queued")
    assert (r.kind, r.options, r.state) == ("reenact", reenact.options, "queued")
    assert d.input_path("video").read_bytes() == b"clip" and r.input_path("driving").name == "driving.mov"
    assert d.output_path("video") != d.input_path("video")   # the dub never writes over its clip
