"""Live sessions over WebRTC (aiortc): the browser receives the portrait's video and voice.

A session is a :class:`~thg.serve.talker.Talker` behind two aiortc tracks that share its clock:
the audio track sends 20 ms packets whose pts is the clock's sample count; the video track sends
frame ``k`` with pts ``k / fps`` on that clock. When rendering falls behind, frames are dropped (the
next one sent is the one due now), never the audio slowed, so the two stay in sync.

Routes (JSON): ``POST /api/live`` (an SDP offer + portrait + options -> the answer and a session id),
``POST /api/live/{id}/say``, ``POST /api/live/{id}/interrupt``, ``GET /api/live/{id}`` (counters),
``DELETE /api/live/{id}``. A browser that also sends its microphone has its voice relayed by the
portrait, the mouth opening with the loudness. Sessions keep everything in memory; closing one frees
all of it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fractions
import os
import time
import uuid
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from thg.errors import InputError
from thg.serve.limits import Limits, check_image, check_text
from thg.serve.ratelimit import RateLimiter
from thg.serve.rtc import SdpOffer, answer, end_with_connection, mono
from thg.serve.talker import RATE, Talker, prepare_speech

PACKET = RATE // 50              # 20 ms of audio
VIDEO_CLOCK = 90000              # RTP's video clock
MIC_LEAD = 0.06                  # s between a microphone packet's arrival and its place on the clock


def _tracks():
    """The aiortc track classes (aiortc is imported only when a live session starts)."""
    from aiortc import MediaStreamTrack
    from av import AudioFrame, VideoFrame

    class ClockAudio(MediaStreamTrack):
        kind = "audio"

        def __init__(self, session: LiveSession) -> None:
            super().__init__()
            self.session, self.sent = session, 0        # samples sent

        async def recv(self):
            s = self.session
            await s.wait_until(self.sent / RATE)
            pcm = s.talker.audio(self.sent, PACKET)
            frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = RATE, self.sent, fractions.Fraction(1, RATE)
            self.sent += PACKET
            s.stats["audio_packets"] += 1
            s.stats["audio_s"] = self.sent / RATE
            return frame

    class ClockVideo(MediaStreamTrack):
        kind = "video"

        def __init__(self, session: LiveSession) -> None:
            super().__init__()
            self.session, self.next = session, 0

        async def recv(self):
            s, talker = self.session, self.session.talker
            due_now = int(s.now() * talker.fps)
            if due_now > self.next:                     # behind: skip to the frame due now
                s.stats["dropped"] += due_now - self.next
                self.next = due_now
            k = self.next
            rgb = await asyncio.get_running_loop().run_in_executor(s.executor, talker.frame, k)
            await s.wait_until(k / talker.fps)
            frame = VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = round(k * VIDEO_CLOCK / talker.fps), fractions.Fraction(1, VIDEO_CLOCK)
            self.next = k + 1
            s.stats["frames"] += 1
            s.stats["video_s"] = self.next / talker.fps
            s.on_frame(k)
            return frame

    return ClockAudio, ClockVideo


class Loudness:
    """Mouth opening from a microphone's loudness: 0 below the noise floor, 0.35 at full voice, smoothed
    over about 40 ms (the lips do not follow single packets)."""

    FLOOR_DB, FULL_DB, OPEN, SMOOTH = -45.0, -15.0, 0.35, 0.5

    def __init__(self) -> None:
        self.value = 0.0

    def __call__(self, pcm: np.ndarray) -> float:
        rms = float(np.sqrt(np.mean((pcm.astype(np.float32) / 32768) ** 2))) if pcm.size else 0.0
        db = 20 * np.log10(rms + 1e-9)
        target = self.OPEN * float(np.clip((db - self.FLOOR_DB) / (self.FULL_DB - self.FLOOR_DB), 0, 1))
        self.value += self.SMOOTH * (target - self.value)
        return self.value


class LiveSession:
    def __init__(self, talker: Talker, pc, speech_pool=None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.id = uuid.uuid4().hex
        self.talker, self.pc, self.speech_pool = talker, pc, speech_pool
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"live-{self.id[:6]}")   # one renderer, one thread
        self.t0: float | None = None
        self.stats: dict[str, Any] = {"frames": 0, "dropped": 0, "audio_packets": 0, "audio_s": 0.0, "video_s": 0.0,
                      "utterances": 0, "last_latency_ms": None, "mic_packets": 0}
        self._said_at: tuple[int, float] | None = None           # (first frame of the utterance, when asked)
        self.watchdog: asyncio.Task | None = None
        self.listener: asyncio.Future | None = None
        audio_cls, video_cls = _tracks()
        self.audio, self.video = audio_cls(self), video_cls(self)

    def now(self) -> float:
        """Seconds on the session clock (it starts when the first packet is asked for)."""
        if self.t0 is None:
            self.t0 = time.monotonic()
        return time.monotonic() - self.t0

    async def wait_until(self, t: float) -> None:
        delay = t - self.now()
        if delay > 0:
            await asyncio.sleep(delay)

    def clock_sample(self, lead: float = 0.04) -> int:
        """The clock sample a new utterance may start at: a little ahead of now, so its first
        frame is not already late."""
        return int((self.now() + lead) * RATE)

    def on_frame(self, k: int) -> None:
        if self._said_at is not None and k >= self._said_at[0]:
            self.stats["last_latency_ms"] = round((time.monotonic() - self._said_at[1]) * 1000, 1)
            self._said_at = None
        if k % 250 == 0:
            self.talker.forget_before(self.talker.sample_of_frame(k) - RATE)

    async def say(self, text: str, interrupt: bool) -> dict:
        asked = time.monotonic()
        pcm, track = await asyncio.get_running_loop().run_in_executor(
            self.speech_pool, prepare_speech, text, self.talker.pipe.config)
        segment = self.talker.schedule(pcm, track, self.clock_sample(), interrupt=interrupt, text=text)
        self._said_at = (self.talker.frame_of_sample(segment.start), asked)
        self.stats["utterances"] += 1
        return {"starts_in_s": round(segment.start / RATE - self.now(), 3), "seconds": round(len(segment.pcm) / RATE, 3)}

    async def listen(self, track) -> None:
        """Relay a microphone track: its sound is voiced by the portrait, the mouth opening with its loudness."""
        level = Loudness()
        while True:
            try:
                frame = await track.recv()
            except Exception:   # the track ended (aiortc raises MediaStreamError)
                return
            pcm = mono(frame)
            if frame.sample_rate != RATE:
                from thg.io.audio import resample

                pcm = resample(pcm.astype(np.float32), frame.sample_rate, RATE)
            pcm = np.clip(pcm, -32768, 32767).astype(np.int16)
            self.talker.relay(pcm, level(pcm), self.clock_sample(MIC_LEAD))
            self.stats["mic_packets"] += 1

    async def close(self) -> None:
        await self.pc.close()
        self.executor.shutdown(wait=False, cancel_futures=True)


class Offer(SdpOffer):
    """The browser's SDP offer (receive audio and video), with the portrait and options."""

    example: str | None = Field(None, description="A bundled portrait by name")
    portrait: str | None = Field(None, description="Or a photo as a base64 data URL")
    lang: str = "en"
    emotion: str = "neutral"
    expression_scale: float = 1.0
    head_motion: float = 1.0
    blink_rate: float = 17.0
    seed: int = 0
    size: int = 512


class Say(BaseModel):
    text: str
    interrupt: bool = Field(True, description="Cut what is being said (false: speak after it)")


def _portrait(offer: Offer, limits: Limits):
    from thg.serve.examples import EXAMPLES, example_portrait

    if offer.portrait:
        try:
            data = base64.b64decode(offer.portrait.split(",", 1)[-1], validate=True)
        except (binascii.Error, ValueError):
            raise InputError("portrait: not a base64 data URL; send the photo as read by FileReader.readAsDataURL") from None
        check_image(data, "portrait", limits)
        import cv2

        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1].copy()
    if offer.example not in EXAMPLES:
        raise InputError(f"example {offer.example!r} is not known; choose one of {', '.join(EXAMPLES)}")
    return example_portrait(offer.example)


def _config(offer: Offer):
    """The same checks and settings as a job's."""
    from thg.serve.generate import pipeline_config
    from thg.serve.jobs import JobOptions

    return pipeline_config(JobOptions(lang=offer.lang, emotion=offer.emotion, expression_scale=offer.expression_scale,
                                      head_motion=offer.head_motion, blink_rate=offer.blink_rate, seed=offer.seed,
                                      size=offer.size))


def _exit_with_parent() -> None:
    """In a pool worker: end when the server that started it is gone (a killed server would
    otherwise leave its speech process behind for good)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _speech_pool():
    """One process that turns text into speech and motion for every session, started (and warmed up)
    with the server: in-process it would wait for the interpreter lock while frames render."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from thg.pipeline import GenerateConfig

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_with_parent)
    pool.submit(prepare_speech, "Hello.", GenerateConfig())
    return pool


def mount_live(app: FastAPI, limits: Limits, max_sessions: int = 2) -> None:
    """Add the live routes to ``app``; at most ``max_sessions`` run at once."""
    from thg.serve.app import Busy, NotFound, client_address

    sessions: dict[str, LiveSession] = {}
    speech_pool = _speech_pool()
    utterances = RateLimiter(limits.jobs_per_minute * 6, "utterances")
    app.state.live_sessions = sessions

    def get(session_id: str) -> LiveSession:
        if session_id not in sessions:
            raise NotFound(f"live session {session_id!r} is not open (it ended or never began); start a new one")
        return sessions[session_id]

    @app.post("/api/live", summary="Open a live session (WebRTC offer -> answer)", tags=["live"])
    async def open_session(offer: Offer) -> dict:
        from aiortc import RTCPeerConnection

        if len(sessions) >= max_sessions:
            raise Busy(f"all {max_sessions} live sessions of this server are in use; try again later "
                       f"(the server's --max-live-sessions sets the number)")
        config, portrait = _config(offer), await run_in_threadpool(_portrait, offer, limits)
        talker = await run_in_threadpool(Talker, portrait, config)
        pc = RTCPeerConnection()
        session = LiveSession(talker, pc, speech_pool)
        sessions[session.id] = session

        async def end() -> None:
            if sessions.pop(session.id, None) is not None:
                await session.close()

        @pc.on("track")
        def on_track(track) -> None:
            if track.kind == "audio":      # the browser sends its microphone
                session.listener = asyncio.ensure_future(session.listen(track))

        session.watchdog = end_with_connection(pc, end)
        try:
            sdp = await answer(pc, offer.sdp, offer.type, (session.audio, session.video),
                               expected="offer to receive one audio and one video track")
        except InputError:
            await end()
            raise
        h, w = talker.portrait.shape[:2]
        return sdp | {"session": session.id, "width": w, "height": h, "fps": talker.fps}

    @app.post("/api/live/{session_id}/say", summary="Speak text in a live session", tags=["live"])
    async def say(session_id: str, body: Say, request: Request) -> dict:
        session = get(session_id)
        utterances.take(client_address(request))
        return await session.say(check_text(body.text, limits), body.interrupt)

    @app.post("/api/live/{session_id}/interrupt", summary="Stop speaking now", tags=["live"])
    async def interrupt(session_id: str) -> dict:
        session = get(session_id)
        session.talker.interrupt(session.clock_sample(0.0))
        return {"ok": True}

    @app.get("/api/live/{session_id}", summary="A live session's counters", tags=["live"])
    async def status(session_id: str) -> dict:
        session = get(session_id)
        return session.stats | {"speaking": session.talker.speaking(session.clock_sample(0.0)),
                                "clock_s": round(session.now(), 3)}

    @app.delete("/api/live/{session_id}", summary="End a live session", tags=["live"])
    async def close(session_id: str) -> dict:
        session = sessions.pop(session_id, None)
        if session is not None:
            await session.close()
        return {"ok": True}
