"""Video calls at a few kbit/s: a webcam tracked into thg's ``.thm`` motion stream, watched as the face.

The sender's page sends its camera over WebRTC (``POST /api/call``). The server samples that video at
25 frames/s by frame time and tracks each sampled frame into a motion row (:meth:`MotionEncoder.track`,
in the call's own thread); the first frame with a face is the key frame. Frames that come too late for
their slot (tracking fell behind) hold the motion, so the stream keeps 25 records a second.

A watcher's page (``POST /api/call/{id}/watch``) opens two data channels. On ``thm`` the server sends
it the stream's header (key frame and face mesh, once) and then one 9-byte record a frame, numbered
from 0 for that watcher: one who joins late gets a stream that decodes from its start. The page counts
those bytes (the bitrate it shows) and forwards every message, unchanged, on ``decode`` to a
:class:`~thg.codec.MotionDecoder` of its own, whose rendered frames come back as the page's video
track. So the picture is made only from the bytes the watcher's page received. In a real call the
decoder would run on the watcher's machine; in this demo it runs in the server.

A sender that also sends its microphone makes a stream with audio: its speech, as Opus at
:data:`SPEECH_KBPS`, goes into the record of the frame it ends in, and the watcher's decoder plays it
back on an audio track (held :data:`SOUND_PRIME` samples against jitter). Speech and face travel in
the same records, so they arrive together; nothing else keeps them in step.

Routes (JSON): ``POST /api/call`` (an SDP offer that sends one video track, and perhaps one audio
track -> the answer and the call id), ``GET /api/call/{id}`` (counters), ``DELETE /api/call/{id}``,
``POST /api/call/{id}/watch`` (an offer with the two data channels, a video track and perhaps an audio
track to receive -> the answer and the watcher id), ``GET``/``DELETE /api/call/{id}/watch/{watcher}``
(its counters, leave). Calls keep everything in memory; a peer that fails, closes or never connects,
or a DELETE, frees what it holds (a sender's call with its watchers).
"""

from __future__ import annotations

import asyncio
import fractions
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from thg.codec.format import pack_record
from thg.errors import InputError
from thg.serve.limits import Limits
from thg.serve.ratelimit import RateLimiter
from thg.serve.rtc import SdpOffer, answer, end_with_connection, mono

FPS = 25.0
VIDEO_CLOCK = 90000              # RTP's video clock
WATCHERS_PER_CALL = 2
CHUNK = 16384                    # bytes of a data-channel message at most (the header goes in several)
MAX_PENDING = 1 << 20            # bytes a watcher's decoder may have waiting before it is cut off
MAX_HOLD = int(FPS)              # records a late frame may hold the motion for (a stalled camera)
SPEECH_KBPS = 6.0                # Opus, for a sender that also sends its microphone
SOUND_RATE = 48000               # what a watcher's audio track sends (Opus decodes to it)
SOUND_PACKET = SOUND_RATE // 50  # 20 ms
SOUND_PRIME = SOUND_RATE // 10   # decoded speech held back before it plays (100 ms against jitter)
SOUND_MAX = SOUND_RATE // 2      # and the most held (older speech is dropped rather than delayed)


class BytePipe:
    """A blocking binary file object: the event loop writes what a data channel brings, a decoder's
    thread reads it. ``read`` waits for data and returns b"" once the pipe is closed and empty."""

    def __init__(self, limit: int = MAX_PENDING) -> None:
        self.limit = limit
        self._data = bytearray()
        self._closed = False
        self._ready = threading.Condition()

    def write(self, data: bytes) -> bool:
        """Add ``data``; False (and the pipe closes) past ``limit`` bytes unread: a reader that cannot
        keep up, or a flood."""
        with self._ready:
            if len(self._data) + len(data) > self.limit:
                self._closed = True
            if not self._closed:
                self._data += data
            self._ready.notify_all()
            return not self._closed

    def read(self, n: int) -> bytes:
        with self._ready:
            while not self._data and not self._closed:
                self._ready.wait()
            out = bytes(self._data[:n])
            del self._data[:n]
            return out

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()


class SoundBuffer:
    """Decoded speech between a decoder's thread (``add``) and an audio track (``take``): it plays once
    :data:`SOUND_PRIME` samples are held, pauses (silence) when it runs dry, and holds at most
    :data:`SOUND_MAX`."""

    def __init__(self) -> None:
        self._samples = np.zeros(0, np.float32)
        self._playing = False
        self._lock = threading.Lock()

    def add(self, samples: np.ndarray) -> None:
        with self._lock:
            self._samples = np.concatenate([self._samples, samples.astype(np.float32)])[-SOUND_MAX:]

    def take(self, n: int) -> np.ndarray:
        with self._lock:
            self._playing = len(self._samples) >= (n if self._playing else SOUND_PRIME)
            if not self._playing:
                return np.zeros(n, np.float32)
            out, self._samples = self._samples[:n], self._samples[n:]
            return out


def _decoded_tracks():
    """The aiortc track classes of a watcher's rendered frames and decoded speech (aiortc is imported
    only when needed)."""
    from aiortc import MediaStreamTrack
    from aiortc.mediastreams import MediaStreamError
    from av import AudioFrame, VideoFrame

    class DecodedVideo(MediaStreamTrack):
        kind = "video"

        def __init__(self, watcher: Watcher) -> None:
            super().__init__()
            self.watcher = watcher

        async def recv(self):
            item = await self.watcher.frames.get()
            if item is None:
                self.stop()
                raise MediaStreamError
            k, rgb = item
            frame = VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = round(k * VIDEO_CLOCK / FPS), fractions.Fraction(1, VIDEO_CLOCK)
            return frame

    class DecodedSpeech(MediaStreamTrack):
        kind = "audio"

        def __init__(self, watcher: Watcher) -> None:
            super().__init__()
            self.watcher, self.sent, self.t0 = watcher, 0, None

        async def recv(self):
            self.t0 = self.t0 or time.monotonic()
            delay = self.sent / SOUND_RATE - (time.monotonic() - self.t0)     # 20 ms a packet, in real time
            if delay > 0:
                await asyncio.sleep(delay)
            pcm = np.clip(self.watcher.sound.take(SOUND_PACKET) * 32767, -32768, 32767).astype(np.int16)
            frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = SOUND_RATE, self.sent, fractions.Fraction(1, SOUND_RATE)
            self.sent += SOUND_PACKET
            return frame

    return DecodedVideo, DecodedSpeech


class Watcher:
    """One watching page: the records sent to it, and the decoder of what it forwards back."""

    def __init__(self, pc) -> None:
        self.id = uuid.uuid4().hex
        self.pc = pc
        self.channels: dict[str, Any] = {}      # "thm" (server -> page), "decode" (page -> server)
        self.pipe = BytePipe()
        self.frames: asyncio.Queue = asyncio.Queue()
        self.stats: dict[str, Any] = {"records": 0, "bytes": 0, "forwarded": 0, "rendered": 0, "error": None}
        self.sound = SoundBuffer()
        video, speech = _decoded_tracks()
        self.video, self.speech = video(self), speech(self)
        self.decoding: threading.Thread | None = None
        self.watchdog: asyncio.Task | None = None
        self.closing = False

    def open(self, channel) -> None:
        """A data channel the page opened; the decoder starts with the ``decode`` channel."""
        self.channels[channel.label] = channel
        if channel.label == "decode" and self.decoding is None:
            channel.on("message", self.forwarded)
            # a daemon thread: blocked on the pipe, it must not hold up the server's exit
            self.decoding = threading.Thread(target=self.decode, args=(asyncio.get_running_loop(),), daemon=True,
                                             name=f"call-decode-{self.id[:6]}")
            self.decoding.start()

    def forwarded(self, message) -> None:
        if isinstance(message, bytes):
            self.stats["forwarded"] += len(message)
            if not self.pipe.write(message) and self.stats["error"] is None:
                self.stats["error"] = (f"the page forwarded more than {MAX_PENDING >> 20} MB that the decoder had "
                                       f"not read yet; it stopped")

    def send(self, header: bytes, rows: list[np.ndarray], quantiser, speech: list[bytes] | None = None) -> None:
        """The header (before the first record) and a record per row, numbered for this watcher; in a
        stream with audio the last record carries ``speech`` (Opus packets), the others none."""
        channel = self.channels.get("thm")
        if channel is None or channel.readyState != "open" or "decode" not in self.channels:
            return
        messages = [header[i:i + CHUNK] for i in range(0, len(header), CHUNK)] if self.stats["records"] == 0 else []
        for i, row in enumerate(rows):
            packets = None if speech is None else speech if i == len(rows) - 1 else []
            messages.append(pack_record(quantiser, row, self.stats["records"], packets))
            self.stats["records"] += 1
        for message in messages:
            channel.send(message)
            self.stats["bytes"] += len(message)

    def decode(self, loop: asyncio.AbstractEventLoop) -> None:
        """In the watcher's thread: render the forwarded stream, frame by frame, onto :attr:`frames`."""
        from thg.codec import MotionDecoder, StreamError
        from thg.codec.audio import OpusDecoder

        def put(item) -> None:
            try:
                loop.call_soon_threadsafe(self.frames.put_nowait, item)
            except RuntimeError:      # the server is shutting down
                pass

        try:
            decoder = MotionDecoder(self.pipe, "the forwarded stream")
            speech = OpusDecoder() if decoder.header.audio else None
            for k, frame in enumerate(decoder.frames()):
                self.stats["rendered"] = k + 1
                put((k, frame))
                if speech is not None and decoder.audio_packets:     # the frame's record brought speech
                    self.sound.add(speech.decode(decoder.audio_packets))
                    decoder.audio_packets.clear()
        except StreamError as e:
            if not self.closing and self.stats["error"] is None:
                self.stats["error"] = str(e)
        finally:
            put(None)

    async def close(self) -> None:
        self.closing = True
        self.pipe.close()
        if self.pc is not None:
            await self.pc.close()


class Call:
    """One sender's camera, tracked into motion rows that go to every watcher."""

    def __init__(self, pc, encoder) -> None:
        self.id = uuid.uuid4().hex
        self.pc, self.encoder = pc, encoder
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"call-{self.id[:6]}")   # one tracker, one thread
        self.watchers: dict[str, Watcher] = {}
        self.stats: dict[str, Any] = {"frames_received": 0, "frames_tracked": 0, "records": 0, "held": 0,
                                      "speech_packets": 0}
        self._latest = None
        self._arrived = asyncio.Event()
        self._t0: float | None = None
        self._sampled = -1                      # the slot of the last frame tracked
        self._last_slot: int | None = None      # the slot of the last record (None before the first face)
        self._last_row: np.ndarray | None = None
        self._header = b""
        self._speech: list[bytes] = []          # Opus packets for the next record
        self.tasks: list[asyncio.Task] = []
        self.watchdog: asyncio.Task | None = None

    def receive(self, track) -> None:
        """Follow the sender's video track (keeping only its newest frame) and track it."""
        self.tasks += [asyncio.ensure_future(self._receive(track)), asyncio.ensure_future(self._track())]

    def listen(self, track) -> None:
        """Follow the sender's microphone (a call whose stream carries speech)."""
        self.tasks.append(asyncio.ensure_future(self._listen(track)))

    async def _listen(self, track) -> None:
        from thg.codec.audio import SAMPLE_RATE
        from thg.io.audio import Resampler

        resampler = None
        while True:
            try:
                frame = await track.recv()
            except Exception:   # the track ended (aiortc raises MediaStreamError)
                return
            resampler = resampler or Resampler(frame.sample_rate, SAMPLE_RATE)
            pcm = resampler(mono(frame) / 32768)
            if self.face:       # before the first face there is no stream to put speech in
                packets = self.encoder.encode_audio(pcm)
                self._speech += packets
                self.stats["speech_packets"] += len(packets)

    async def _receive(self, track) -> None:
        while True:
            try:
                frame = await track.recv()
            except Exception:   # the track ended (aiortc raises MediaStreamError)
                return
            self._latest = frame
            self.stats["frames_received"] += 1
            self._arrived.set()

    def _slot(self, frame) -> int:
        """The 25 fps slot of a frame, by its time since the first frame."""
        t = float(frame.time or 0.0)
        if self._t0 is None:
            self._t0 = t
        return int((t - self._t0) * FPS + 1e-6)

    async def _track(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            frame = self._latest
            slot = self._slot(frame)
            if slot <= self._sampled:
                continue                                   # a second frame in the same slot
            self._sampled = slot
            row = await loop.run_in_executor(self.executor, self._track_frame, frame)
            self.stats["frames_tracked"] += 1
            if row is None:
                continue                                   # no face seen yet
            if not self._header:
                self._header = self.encoder.header.pack()
            held = 0 if self._last_slot is None else min(slot - self._last_slot, MAX_HOLD) - 1
            previous = row if self._last_row is None else self._last_row
            rows = [previous] * held + [row]                # the slots no frame was tracked for hold the motion
            self._last_slot, self._last_row = slot, row
            self.stats["records"] += len(rows)
            self.stats["held"] += held
            speech, self._speech = (self._speech[-255:] if self.encoder.audio else None), []
            for watcher in list(self.watchers.values()):
                watcher.send(self._header, rows, self.encoder.quantiser, speech)

    def _track_frame(self, frame) -> np.ndarray | None:
        return self.encoder.track(frame.to_ndarray(format="rgb24"))

    @property
    def face(self) -> bool:
        """Whether a face has been seen (the stream's header exists)."""
        return bool(self._header)

    def status(self) -> dict:
        return self.stats | {"face": self.face, "frames_without_face": self.encoder.missing,
                             "key_frame_bytes": len(self._header), "record_bytes": self.encoder.quantiser.payload_bytes + 1,
                             "fps": FPS, "watchers": [w.stats for w in self.watchers.values()]}

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for watcher in list(self.watchers.values()):
            await watcher.close()
        self.watchers.clear()
        await self.pc.close()
        self.executor.submit(self.encoder.close)          # after any frame being tracked
        self.executor.shutdown(wait=False)


def _offers(offer: SdpOffer, kind: str) -> bool:
    """Whether the offer has a media section of ``kind`` (audio, video)."""
    return any(line.startswith(f"m={kind} ") for line in offer.sdp.splitlines())


def mount_call(app: FastAPI, limits: Limits, max_calls: int = 1) -> None:
    """Add the call routes to ``app``: at most ``max_calls`` calls at once, each watched by at most
    :data:`WATCHERS_PER_CALL` pages; calls and watchers opened count against the per-client rate limit."""
    from thg.serve.app import Busy, NotFound, client_address

    calls: dict[str, Call] = {}
    openings = RateLimiter(limits.jobs_per_minute, "calls and watchers opened")
    app.state.calls = calls

    def get(call_id: str) -> Call:
        if call_id not in calls:
            raise NotFound(f"call {call_id!r} is not open (it ended or never began); ask the sender for a new link")
        return calls[call_id]

    async def end_call(call: Call) -> None:
        if calls.pop(call.id, None) is not None:
            await call.close()

    async def end_watcher(call: Call, watcher: Watcher) -> None:
        if call.watchers.pop(watcher.id, None) is not None:
            await watcher.close()

    @app.post("/api/call", summary="Send a camera into a call (WebRTC offer -> answer)", tags=["call"])
    async def open_call(offer: SdpOffer, request: Request) -> dict:
        from aiortc import RTCPeerConnection

        from thg.codec import MotionEncoder

        openings.take(client_address(request))
        if len(calls) >= max_calls:
            raise Busy(f"all {max_calls} calls of this server are in use; try again later "
                       f"(the server's --max-calls sets the number)")
        pc = RTCPeerConnection()
        speech = SPEECH_KBPS if _offers(offer, "audio") else None     # the sender sends its microphone too
        call = Call(pc, await run_in_threadpool(MotionEncoder, FPS, None, speech))
        calls[call.id] = call

        @pc.on("track")
        def on_track(track) -> None:
            (call.receive if track.kind == "video" else call.listen)(track)

        call.watchdog = end_with_connection(pc, lambda: end_call(call))
        try:
            sdp = await answer(pc, offer.sdp, offer.type,
                               expected="offer to send one video track (the camera), and perhaps one audio track")
        except InputError:
            await end_call(call)
            raise
        return sdp | {"call": call.id, "watch": f"/?call={call.id}", "fps": FPS}

    @app.post("/api/call/{call_id}/watch", summary="Watch a call (WebRTC offer -> answer)", tags=["call"])
    async def watch(call_id: str, offer: SdpOffer, request: Request) -> dict:
        from aiortc import RTCPeerConnection

        call = get(call_id)
        openings.take(client_address(request))
        if len(call.watchers) >= WATCHERS_PER_CALL:
            raise Busy(f"call {call_id!r} has its {WATCHERS_PER_CALL} watchers already; try again later")
        pc = RTCPeerConnection()
        watcher = Watcher(pc)
        call.watchers[watcher.id] = watcher
        pc.on("datachannel", watcher.open)
        watcher.watchdog = end_with_connection(pc, lambda: end_watcher(call, watcher))
        try:
            tracks = (watcher.video, watcher.speech) if _offers(offer, "audio") else (watcher.video,)
            sdp = await answer(pc, offer.sdp, offer.type, tracks,
                               expected="offer the data channels 'thm' and 'decode' and to receive one video track "
                                        "(and perhaps one audio track)")
        except InputError:
            await end_watcher(call, watcher)
            raise
        return sdp | {"watcher": watcher.id, "call": call.id}

    @app.get("/api/call/{call_id}", summary="A call's counters and its watchers'", tags=["call"])
    async def status(call_id: str) -> dict:
        return get(call_id).status()

    @app.get("/api/call/{call_id}/watch/{watcher_id}", summary="A watcher's counters", tags=["call"])
    async def watcher_status(call_id: str, watcher_id: str) -> dict:
        call = get(call_id)
        if watcher_id not in call.watchers:
            raise NotFound(f"watcher {watcher_id!r} of call {call_id!r} is not watching (it left or never began)")
        return call.watchers[watcher_id].stats | {"face": call.face}

    @app.delete("/api/call/{call_id}", summary="End a call (and its watchers)", tags=["call"])
    async def close(call_id: str) -> dict:
        call = calls.get(call_id)
        if call is not None:
            await end_call(call)
        return {"ok": True}

    @app.delete("/api/call/{call_id}/watch/{watcher_id}", summary="Stop watching a call", tags=["call"])
    async def leave(call_id: str, watcher_id: str) -> dict:
        call = calls.get(call_id)
        watcher = call.watchers.get(watcher_id) if call is not None else None
        if call is not None and watcher is not None:
            await end_watcher(call, watcher)
        return {"ok": True}
