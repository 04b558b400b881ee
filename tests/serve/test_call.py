"""Calls: a fake webcam playing the carphone clip (a man talking) is tracked into the .thm motion stream,
and a second chromium watches it: the face arrives and talks, the bitrate shown is the bytes received,
a fake microphone's speech is heard, leaving and hanging up free the call, a camera without a face and an unknown call id say so. Without a
browser: the per-watcher packing (a late watcher's stream decodes from its start), the sampling at 25
frames/s by frame time, the pipe that feeds a watcher's decoder and the buffer of its speech."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import threading
import time

import numpy as np
import pytest
from _serve import CAPTURE_JS, Server, chromium, decode_frames, mouth_openings
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from thg.codec import MotionDecoder, MotionEncoder, StreamError
from thg.serve.call import SOUND_MAX, SOUND_PRIME, BytePipe, Call, SoundBuffer, Watcher

NO_MDNS = "--disable-features=WebRtcHideLocalIpsWithMdns"    # aiortc resolves no .local candidates


def webcam(clip, out, seconds: float | None = None):
    """``clip`` at 352×288 as a .y4m for chromium's fake camera (its first frame only, held for
    ``seconds``, when given: a face that keeps still)."""
    from thg.io.video import ffmpeg_exe

    still = ["-vf", "scale=352:288:flags=bicubic,trim=end_frame=1,loop=-1:1,setpts=N/30/TB", "-t", f"{seconds:g}"] \
        if seconds else ["-vf", "scale=352:288:flags=bicubic"]
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(clip), *still, "-pix_fmt", "yuv420p",
                    "-r", "30", str(out)], check=True)
    return out


@pytest.fixture(scope="module")
def call_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("call") / "data", "--rate-limit", "0", "--max-live-sessions", "0").start()
    yield s
    s.kill()


@pytest.fixture(scope="module")
def watcher():
    b = chromium(NO_MDNS)
    b.set_script_timeout(60)
    yield b
    b.quit()


def open_tab(browser, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.CSS_SELECTOR, "nav button[data-tab=call]").is_displayed())
    browser.find_element(By.CSS_SELECTOR, "nav button[data-tab=call]").click()


class Sender:
    """A chromium whose camera plays ``y4m`` (and its microphone ``microphone``, if given), sending
    them into a call from the Call tab."""

    def __init__(self, server, y4m, microphone=None) -> None:
        self.server, self.microphone = server, microphone
        mic = [f"--use-file-for-fake-audio-capture={microphone}"] if microphone else []
        self.browser = chromium("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                                f"--use-file-for-fake-video-capture={y4m}", *mic, NO_MDNS)

    def __enter__(self) -> Sender:
        open_tab(self.browser, self.server.url)
        if self.microphone:
            self.browser.find_element(By.ID, "call-mic").click()
        self.browser.find_element(By.ID, "call-send").click()
        self.state("sending", "no face found yet")
        self.call = self.browser.find_element(By.ID, "call-number").text
        self.link = self.browser.find_element(By.ID, "call-url").get_attribute("href")
        return self

    def state(self, *starts: str) -> str:
        """The page's state line once it starts with one of ``starts`` (no error shown meanwhile)."""
        WebDriverWait(self.browser, 60).until(lambda b: b.find_element(By.ID, "call-state").text.startswith(starts)
                                              or b.find_element(By.ID, "call-error").is_displayed())
        error = self.browser.find_element(By.ID, "call-error")
        assert not error.is_displayed(), error.text
        return self.browser.find_element(By.ID, "call-state").text

    def hang_up(self) -> None:
        """Click Stop; returns once the server has ended the call (asserted within 10 s)."""
        self.browser.find_element(By.ID, "call-hang-up").click()
        deadline = time.monotonic() + 10
        while self.server.get(f"/api/call/{self.call}")[0] != 404:
            assert time.monotonic() < deadline, "the call is still open after the sender hung up"
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        try:
            if self.browser.find_element(By.ID, "call-hang-up").is_enabled():
                self.hang_up()
        finally:
            self.browser.quit()


def watch(browser, link: str) -> None:
    """Open the watch link (it starts watching) and wait for the face to play."""
    browser.get(link)
    WebDriverWait(browser, 60).until(lambda b: b.execute_script(
        "const v = document.getElementById('call-video');"
        "return (v.videoWidth > 0 && v.currentTime > 0.5) || !document.getElementById('call-error').hidden"))
    error = browser.find_element(By.ID, "call-error")
    assert not error.is_displayed(), error.text


def capture(browser, n: int, every_ms: int = 80) -> list:
    return decode_frames(browser.execute_async_script(CAPTURE_JS, n, "call-video", every_ms))[1]


def shown(browser) -> dict:
    """What the page shows, read at one moment (in one script: read a field at a time, the page
    counted more records between two reads than the bytes read before them)."""
    keys = ("kbps", "motion-bytes", "records", "key-bytes")
    values = browser.execute_script(
        "return arguments[0].map((k) => document.getElementById('call-' + k).textContent.trim());", list(keys))
    return dict(zip(keys, values))


ENERGY_JS = """
const done = arguments[0];
window.thgCallPc.getStats().then((stats) => {
  let e = 0;
  stats.forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "audio") e = r.totalAudioEnergy || 0; });
  done(e);
});
"""


def energy(browser) -> float:
    """The audio energy the watcher's page has received so far (WebRTC stats)."""
    return browser.execute_async_script(ENERGY_JS)


@pytest.fixture(scope="module")
def talking(carphone_pristine, tmp_path_factory):
    return webcam(carphone_pristine, tmp_path_factory.mktemp("cam") / "talking.y4m")


@pytest.fixture(scope="module")
def still_noise(call_server, watcher, carphone_pristine, tmp_path_factory):
    """The mouth opening's range in the watched face while the sender's face keeps still (one frame of
    the clip, held): what the tracker, the renderer, two video codecs and the face mesh add."""
    y4m = webcam(carphone_pristine, tmp_path_factory.mktemp("cam") / "still.y4m", seconds=3)
    with Sender(call_server, y4m) as sender:
        watch(watcher, sender.link)
        mouth = mouth_openings(capture(watcher, 25))
    watcher.get("about:blank")
    print("still face mouth openings", np.round(mouth, 3))
    assert np.isfinite(mouth).mean() > 0.9
    return float(np.nanmax(mouth) - np.nanmin(mouth))


def test_the_watcher_sees_the_sender_talk_at_under_4_kbits(call_server, watcher, talking, still_noise):
    with Sender(call_server, talking) as sender:
        sender.state("sending")
        time.sleep(1.5)                                   # records go out before the watcher joins: it joins late
        before = call_server.get_json(f"/api/call/{sender.call}")[1]["records"]
        assert before > 10
        watch(watcher, sender.link)
        silence = energy(watcher)
        frames = capture(watcher, 50)                     # 4 s: the whole clip, once
        assert frames[0].shape[:2] == (288, 352)          # the key frame's size
        mouth = mouth_openings(frames)
        assert np.isfinite(mouth).mean() > 0.9            # a face in the picture
        talking = float(np.nanmax(mouth) - np.nanmin(mouth))
        print(f"mouth opening range: talking {talking:.3f}, still face {still_noise:.3f}")
        assert talking > max(4 * still_noise, 0.1)

        time.sleep(max(0.0, 5.5 - 4.0))                   # 5 s of records for the bitrate's window
        page = shown(watcher)
        status = call_server.get_json(f"/api/call/{sender.call}")[1]
        (mine,) = status["watchers"]
        print(f"shown: {page}; the server sent {mine['bytes']} bytes ({mine['records']} records)")
        kbps = float(page["kbps"])
        assert 1.0 <= kbps <= 4.0
        assert int(page["key-bytes"]) == status["key_frame_bytes"] > 1000       # the key frame, sent once
        received = int(page["motion-bytes"])
        sent = mine["bytes"] - status["key_frame_bytes"]
        assert 0 <= sent - received <= 2 * 25 * status["record_bytes"]          # what is on the way
        assert int(page["records"]) == received // status["record_bytes"]
        assert watcher.find_element(By.ID, "call-what").text == "motion"
        assert energy(watcher) - silence < 1e-4                                  # no microphone: silence
        assert mine["records"] < status["records"] - before + 25                 # numbered from its joining
        # the decoder got what the page received (and forwarded since it was shown), and rendered it
        assert mine["forwarded"] >= int(page["key-bytes"]) + received
        assert mine["rendered"] > 50 and mine["error"] is None
        assert watcher.find_element(By.ID, "call-watch-state").text.startswith("watching: ")
        assert sender.state("sending").endswith(", 1 watching")

        watcher.find_element(By.ID, "call-leave").click()                       # leaving frees the watcher
        WebDriverWait(watcher, 10).until(lambda b: not call_server.get_json(f"/api/call/{sender.call}")[1]["watchers"])
        sender.hang_up()                                                         # hanging up ends the call


def test_the_senders_speech_is_heard_at_about_8_kbits(call_server, watcher, talking, speech_path):
    """With its microphone (espeak-ng speech with a pause, looped), the stream carries Opus: the
    watcher hears it, and the bitrate shown is motion and speech together."""
    with Sender(call_server, talking, microphone=speech_path) as sender:
        sender.state("sending")
        watch(watcher, sender.link)
        before = energy(watcher)
        time.sleep(5.5)
        heard, page = energy(watcher) - before, shown(watcher)
        status = call_server.get_json(f"/api/call/{sender.call}")[1]
        print(f"speech: shown {page}, audio energy received {heard:.4f}, {status['speech_packets']} Opus packets")
        assert watcher.find_element(By.ID, "call-what").text == "motion and speech"
        assert 5.0 <= float(page["kbps"]) <= 12.0          # 1.8 of motion, about 6 of Opus and its framing
        assert heard > 0.01                                 # a spoken second adds several hundredths
        (mine,) = status["watchers"]
        assert mine["error"] is None and mine["rendered"] > 50
    watcher.get("about:blank")


def test_a_camera_without_a_face_says_so_in_both_pages(call_server, watcher, faceless, tmp_path):
    from thg.io.video import ffmpeg_exe

    y4m = tmp_path / "grey.y4m"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(faceless), "-pix_fmt", "yuv420p", str(y4m)],
                   check=True)
    with Sender(call_server, y4m) as sender:
        WebDriverWait(sender.browser, 30).until(lambda b: re.fullmatch(
            r"no face found yet in [1-9]\d* frames; face the camera, in good light", b.find_element(By.ID, "call-state").text))
        watcher.get(sender.link)
        WebDriverWait(watcher, 30).until(lambda b: b.find_element(By.ID, "call-watch-state").text ==
                                         "connected; no face found yet in the sender's camera")
        assert shown(watcher) == {"kbps": "–", "motion-bytes": "0", "records": "0", "key-bytes": "–"}
    watcher.get("about:blank")


def test_an_unknown_call_id_shows_its_error(call_server, watcher):
    watcher.get(f"{call_server.url}/?call=0123456789abcdef")
    error = watcher.find_element(By.ID, "call-error")
    WebDriverWait(watcher, 30).until(lambda b: error.is_displayed())
    assert "call '0123456789abcdef' is not open" in error.text
    assert watcher.find_element(By.ID, "call-watch-state").text == "not watching"


# --- the per-watcher packing, without a browser ---------------------------------------------------
class Channel:
    def __init__(self, label: str) -> None:
        self.label, self.readyState, self.sent = label, "open", []

    def send(self, message: bytes) -> None:
        self.sent.append(message)

    def on(self, event, handler) -> None:
        pass


def joined(watcher: Watcher) -> Channel:
    """Open the watcher's channels as its page would (the decoder is not started); its motion channel."""
    motion = Channel("thm")
    watcher.channels.update(thm=motion, decode=Channel("decode"))
    return motion


def test_a_late_watcher_gets_a_stream_that_decodes_from_its_start(carphone_pristine):
    from thg.io import read_video_frames

    enc = MotionEncoder(25)
    rows = [r for r in (enc.track(f) for f in read_video_frames(carphone_pristine, fps=25)) if r is not None]
    enc.close()
    assert enc.header is not None and len(rows) > 60
    header = enc.header.pack()
    early, late = Watcher(None), Watcher(None)
    early_channel = joined(early)
    for i, row in enumerate(rows):
        if i == 30:
            late_channel = joined(late)
        for w in (early, late):
            w.send(header, [row], enc.quantiser)
    for w, channel, first in ((early, early_channel, 0), (late, late_channel, 30)):
        stream = b"".join(channel.sent)
        assert stream.startswith(header) and len(stream) == len(header) + (len(rows) - first) * 9
        decoder = MotionDecoder(io.BytesIO(stream), "watcher")
        got = []
        with pytest.raises(StreamError, match="without its end marker"):     # a live stream has none yet
            got.extend(decoder.rows())
        assert len(got) == len(rows) - first
        want = [enc.quantiser.unpack(enc.quantiser.pack(r)) for r in rows[first:]]
        np.testing.assert_array_equal(np.array(got), np.array(want))
        assert w.stats == {"records": len(rows) - first, "bytes": len(stream), "forwarded": 0, "rendered": 0,
                           "error": None}


def test_the_camera_is_sampled_at_25fps_by_frame_time_and_late_frames_hold_the_motion():
    """A 30 fps camera whose frames arrive at once (the frame time counts, not the arrival), with a
    0.8 s stall after 2 s; tracking is instant, so only the stall holds the motion."""
    from fractions import Fraction

    from thg.codec.format import DEFAULT_QUANTISER, Header

    class Frame:
        def __init__(self, t: float) -> None:
            self.time = t

        def to_ndarray(self, format: str) -> float:
            return self.time

    class Encoder:           # the row is the frame's time; the face is seen from 0.5 s on
        quantiser, missing, audio = DEFAULT_QUANTISER, 0, False
        header = Header(25.0, 64, 64, np.zeros((478, 3), np.float32), b"", quantiser=DEFAULT_QUANTISER)

        def track(self, t: float):
            return None if t < 0.5 else np.full(16, t, np.float32)

    class Camera:
        def __init__(self, times) -> None:
            self.times = list(times)

        async def recv(self):
            await asyncio.sleep(0.02)     # the next frame, long before its time, after the last was tracked
            if not self.times:
                raise EOFError
            return Frame(self.times.pop(0))

    times = [float(Fraction(k, 30)) for k in range(60)] + [float(Fraction(k, 30)) for k in range(84, 120)]
    sent: list[np.ndarray] = []

    class Probe:
        def send(self, header, rows, quantiser, speech) -> None:
            assert speech is None
            sent.extend(rows)

    async def run() -> dict:
        call = Call(None, Encoder())
        call.watchers["probe"] = Probe()
        camera = Camera(times)
        call.receive(camera)
        while camera.times:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        for task in call.tasks:
            task.cancel()
        return call.stats

    stats = asyncio.run(run())
    assert stats["frames_received"] == 96
    # slots 12 (0.5 s: the first face) to 99 (3.97 s) give 88 records, whatever the 30 fps source; the
    # 20 slots of the stall (50 to 69) hold the row of the last frame before it
    assert (stats["records"], len(sent), stats["held"]) == (88, 88, 20)
    got = np.array([r[0] for r in sent])
    assert np.all(np.diff(got) >= 0) and got[0] >= 0.5
    stall = np.isclose(got, 59 / 30)
    assert stall.sum() == 21             # the last frame before the stall: once for its slot, 20 times held
    assert got[-1] == pytest.approx(119 / 30)


def test_a_byte_pipe_feeds_a_decoder_in_its_thread(carphone_pristine):
    from thg.codec import encode_frames
    from thg.io import read_video_frames

    stream = b"".join(encode_frames(list(read_video_frames(carphone_pristine, fps=25))[:20]))
    pipe, frames = BytePipe(), []

    def decode() -> None:
        frames.extend(MotionDecoder(pipe, "pipe").frames())

    thread = threading.Thread(target=decode)
    thread.start()
    for i in range(0, len(stream), 700):        # in messages, as a data channel brings them
        pipe.write(stream[i:i + 700])
        time.sleep(0.001)
    thread.join(30)
    assert len(frames) == 20 and frames[0].shape == (144, 176, 3)
    flooded = BytePipe(limit=100)
    flooded.write(b"x" * 101)                   # over the limit: the pipe ends, the decoder with it
    assert flooded.read(10) == b""




def test_a_watchers_speech_plays_once_primed_pauses_when_dry_and_drops_the_oldest():
    sound = SoundBuffer()
    sound.add(np.ones(SOUND_PRIME - 1, np.float32))
    assert not sound.take(10).any()                          # not yet 100 ms held: silence
    sound.add(np.full(1, 2.0, np.float32))
    assert (sound.take(SOUND_PRIME - 1) == 1).all()          # then it plays, in order
    assert not sound.take(5).any()                           # dry: silence, the one sample left waits
    sound.add(np.arange(SOUND_MAX + 100, dtype=np.float32))  # more than it holds: the newest stay
    assert sound.take(1)[0] == 100
