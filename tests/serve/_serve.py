"""Test helpers: a real ``thg serve`` process on 127.0.0.1 with a small client, and a mouth measure."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``thg serve`` in a subprocess; ``kill()`` ends it with SIGKILL (no clean shutdown), ``start()`` again."""

    def __init__(self, data: Path, *args: str) -> None:
        self.data, self.args, self.port, self.proc = data, args, free_port(), None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
        self.log = open(self.data.parent / f"server-{self.port}.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "thg.cli", "serve", "--port", str(self.port),
                                      "--data", str(self.data), *self.args], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"thg serve exited with {self.proc.returncode}: {self.log_text()}")
            try:
                self.get("/api/health")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"thg serve did not answer within {timeout} s: {self.log_text()}")

    def log_text(self) -> str:
        return (self.data.parent / f"server-{self.port}.log").read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()

    # --- a client that returns (status, body) ------------------------------------------------------
    def request(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def get(self, path: str):
        return self.request("GET", path)

    def get_json(self, path: str):
        status, body = self.get(path)
        return status, json.loads(body)

    def submit(self, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        """POST a generation job; files: field -> (file name, content)."""
        return self.submit_to("/api/jobs", fields, files)

    def submit_to(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        """POST a multipart form to ``path``; files: field -> (file name, content)."""
        boundary = "thgtestboundary7f3a"
        parts = []
        for k, v in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        for k, (name, content) in (files or {}).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                         f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, raw = self.request("POST", path, body,
                                   {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return status, json.loads(raw)

    def finished(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> dict:
        """POST a job to ``path`` and wait for it; the job, asserted accepted and done."""
        status, job = self.submit_to(path, fields, files)
        assert status == 202, job
        job = self.wait(job["id"])
        assert job["state"] == "done", job["error"]
        return job

    def download(self, job: dict, what: str, path: Path) -> Path:
        """A finished job's ``what`` (video, motion, report) saved to ``path``."""
        status, body = self.get(job["downloads"][what])
        assert status == 200, body
        path.write_bytes(body)
        return path

    def wait(self, job_id: str, timeout: float = 240.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, job = self.get_json(f"/api/jobs/{job_id}")
            assert status == 200, job
            if job["state"] in ("done", "failed"):
                return job
            time.sleep(0.3)
        raise AssertionError(f"job {job_id} did not finish within {timeout} s")



def mouth_openings(frames) -> "np.ndarray":
    """The face mesh's mouth opening in each frame (lip gap / mouth width; closed lips read below 0.08)."""
    import numpy as np

    from thg.features import FaceMesher

    out = []
    with FaceMesher(static=False) as mesher:
        for frame in frames:
            faces = mesher.detect(np.ascontiguousarray(frame))
            out.append(faces[0].mouth_opening() if faces else np.nan)
    return np.array(out)


def chromium(*flags: str):
    """Headless Debian chromium through chromedriver (Selenium), with autoplay allowed."""
    import shutil

    from selenium import webdriver

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        raise RuntimeError("chromium and chromedriver are not installed; run scripts/setup.sh --test")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--autoplay-policy=no-user-gesture-required", "--mute-audio", *flags):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))


#: JavaScript: capture ``arguments[0]`` frames of the video element ``arguments[1]``, one every
#: ``arguments[2]`` ms, as JPEG data URLs, with the inbound audio energy at each (WebRTC stats).
CAPTURE_JS = """
const [n, id, every, done] = arguments;
const v = document.getElementById(id);
const c = document.createElement("canvas");
const out = [];
async function energy() {
  const pc = window.thgLivePc;
  if (!pc) return null;
  let e = null;
  (await pc.getStats()).forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "audio") e = r.totalAudioEnergy || 0; });
  return e;
}
(async () => {
  for (let i = 0; i < n; i++) {
    c.width = v.videoWidth; c.height = v.videoHeight;
    c.getContext("2d").drawImage(v, 0, 0);
    out.push([performance.now(), c.toDataURL("image/jpeg", 0.95), await energy()]);
    await new Promise((ok) => setTimeout(ok, every));
  }
  done(out);
})();
"""


def decode_frames(captured) -> tuple[list, list, list]:
    """(times in s, RGB frames, audio energies) from :data:`CAPTURE_JS`'s result."""
    import base64

    import cv2
    import numpy as np

    times, frames, energies = [], [], []
    for t, url, e in captured:
        data = np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)
        frames.append(cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1].copy())
        times.append(t / 1000)
        energies.append(e)
    return times, frames, energies
