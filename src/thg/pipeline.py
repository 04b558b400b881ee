"""The generation pipeline: portrait + speech/text/motion -> talking-head frames, streamed or as an MP4.

    pipe = TalkingHeadPipeline()                       # or TalkingHeadPipeline(renderer=MyRenderer())
    result = pipe("me.jpg", text="Hello there", output="hello.mp4")
    with pipe.stream("me.jpg", audio="speech.wav") as frames:   # frames as soon as they are made
        for frame in frames:
            show(frame.image, frame.audio, frame.time)

One streaming run serves both: the photo is analysed while the speech's prosody is read; then the
stages below run at once, joined by bounded queues, so memory stays flat however long the speech:

    speech blocks -> phonemes (as they settle) -> motion (each frame once its look-ahead is known)
                  -> render + post filters -> the caller (``generate`` encodes each frame as it comes)

Each stage is a component passed in (``renderer``, ``post``), so swapping one is one argument.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thg.blas import one_blas_thread
from thg.errors import InputError, UsageError
from thg.features.face import find_face
from thg.io.audio import (SAMPLE_RATE, Audio, Resampler, SpeechSource, analysis_blocks, check_samples, open_speech,
                          save_wav)
from thg.io.image import fit_long_side, load_image, to_rgb8
from thg.io.output import atomic_output, check_output_path
from thg.io.video import VideoWriter
from thg.limits import Limits, check_h264_frame
from thg.motion.speech import MotionStyle, SpeechMotion
from thg.motion.track import MotionTrack
from thg.options import check_drivers
from thg.post.credentials import pipeline_claims, sign_mp4
from thg.post.provenance import PROVENANCE
from thg.post.watermark import InvisibleWatermark
from thg.render.renderer import MeshWarpRenderer, Renderer

FrameFilter = Callable[[np.ndarray], np.ndarray]
QUEUE_FRAMES = 4   # frames each queue between two stages holds at most
#: motion rows (and their audio) the speech stage may run ahead of rendering: a second or two, so
#: that the phoneme recogniser decodes its next piece while the renderer works through the last
#: (with 4, each piece's decoding stalled the renderer: 300 frames/s at 256 px, of 500 it could do)
MOTION_AHEAD = 50


@dataclass(frozen=True)
class GenerateConfig:
    fps: float = 25.0
    max_size: int | None = 1280     # cap of the output's long side (None: the photo's own size)
    face_index: int = 0
    lang: str = "en"
    style: MotionStyle = field(default_factory=MotionStyle)
    crf: int = 18
    preset: str = "veryfast"
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if not 1 <= self.fps <= 120:
            raise UsageError(f"--fps {self.fps} is out of range; use 1 to 120 (25 is standard)")
        if self.max_size is not None and self.max_size < 64:
            raise UsageError(f"--size {self.max_size} is too small; use at least 64 (pixels of the long side)")


@dataclass
class GenerateResult:
    output: Path
    n_frames: int
    fps: float
    duration: float
    motion: MotionTrack
    timings: dict[str, float]


@dataclass
class Speech:
    """The driving speech: read in blocks at its own rate, the file muxed into a video, timed phonemes
    if known."""

    source: SpeechSource        # (an Audio in memory is taken as well)
    audio_file: Path | None     # the speech as a file (None: in memory only)
    phonemes: list | None       # exact phonemes (text input); None: recognise them from the audio
    phoneme_weight: float       # trust in phonemes versus loudness (lower for non-English audio)
    silent: bool = False        # no audible sample (found by plan_motion): nothing to recognise

    def __post_init__(self) -> None:
        if isinstance(self.source, Audio):
            self.source = SpeechSource.from_audio(self.source)

    @property
    def audio(self) -> Audio:
        """The whole speech at 16 kHz, read at once (the pipeline itself reads it in blocks)."""
        parts = list(analysis_blocks(self.source.blocks(5.0), self.source.sample_rate))
        return Audio(np.concatenate(parts) if parts else np.zeros(0, np.float32), SAMPLE_RATE, self.source.path)


@dataclass(frozen=True)
class StreamFrame:
    """One frame of a stream: the picture, the speech it shows and when."""

    index: int
    time: float             # s from the start of the clip: the frame covers [time, time + 1/fps)
    image: np.ndarray       # height × width × 3 RGB uint8
    audio: np.ndarray       # mono float32 samples of the frame's time at FrameStream.sample_rate (empty: no speech)
    motion: np.ndarray      # the frame's motion channels (a row of MotionTrack.values)




class TalkingHeadPipeline:
    """One pipeline renders one stream at a time (its renderer holds the prepared portrait)."""

    def __init__(self, renderer: Renderer | None = None, post: list[FrameFilter] | None = None,
                 config: GenerateConfig | None = None) -> None:
        self.renderer = renderer or MeshWarpRenderer()
        self.post = list(post) if post is not None else [InvisibleWatermark()]  # marked unless told
        self.config = config or GenerateConfig()
        self._prepared: tuple | None = None   # (key, portrait) of the photo the renderer is prepared for
        self._streaming = threading.Lock()    # held while a stream of this pipeline is open

    # 0. the whole run to an MP4 -----------------------------------------------------------------
    def __call__(self, image, *, audio: str | os.PathLike | None = None, text: str | None = None,
                 motion: str | os.PathLike | MotionTrack | None = None, output: str | os.PathLike,
                 overwrite: bool = False, save_motion: str | os.PathLike | None = None,
                 progress: Callable[[int, int], None] | None = None) -> GenerateResult:
        self.check_inputs(audio, text, motion)
        check_output_path(output, overwrite=overwrite)
        if save_motion:
            check_output_path(save_motion, overwrite=overwrite)
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="thg-") as tmp, \
                self.stream(image, audio=audio, text=text, motion=motion, reuse_frames=True, tmp=Path(tmp)) as frames:
            path = self.encode(frames, output, overwrite, progress)
        if save_motion:
            frames.motion.save(save_motion, overwrite=overwrite)
        timings = dict(frames.timings, total=time.perf_counter() - t0)
        track = frames.motion
        return GenerateResult(path, len(track), track.fps, track.duration, track, timings)

    def encode(self, frames: FrameStream, output, overwrite: bool, progress) -> Path:
        """Encode a stream's frames into ``output`` (H.264, its speech muxed in as AAC) as they come."""
        w, h = frames.size
        with atomic_output(output, overwrite=overwrite) as tmp_path:
            with VideoWriter(tmp_path, w, h, fps=frames.fps, audio_path=frames.audio_file, crf=self.config.crf,
                             preset=self.config.preset, comment=PROVENANCE,
                             duration=frames.n_frames / frames.fps) as writer:
                for frame in frames:
                    writer.write(frame.image)
                    if progress is not None:
                        progress(frame.index + 1, frames.n_frames)
            sign_mp4(tmp_path, pipeline_claims(self, frames.portrait, frames.audio_file, frames.motion))
        return Path(output)

    # 0'. the run as a stream of frames ----------------------------------------------------------
    def stream(self, image, *, audio: str | os.PathLike | None = None, text: str | None = None,
               motion: str | os.PathLike | MotionTrack | None = None, reuse_frames: bool = False,
               tmp: Path | None = None) -> FrameStream:
        """Start a run; returns its frames as they are made (:class:`FrameStream`).

        The photo and the speech are checked and analysed before this returns (bad input raises
        here); the frames then come from stages running in the background. ``reuse_frames``: each
        frame's image is overwritten a few frames later (saves a copy of every frame, for consumers
        that use a frame at once, like an encoder; ignored with post filters). ``tmp``: a folder where
        synthesised speech is saved as a file (for muxing).
        """
        self.check_inputs(audio, text, motion)
        if not self._streaming.acquire(blocking=False):
            raise UsageError("this pipeline is streaming already; close that stream first, or use one "
                             "TalkingHeadPipeline per concurrent stream")
        t0 = time.perf_counter()
        recognizer = None
        try:
            recognizer = _start_recognizer() if audio is not None and motion is None else None
            with ThreadPoolExecutor(1) as pool:                                   # 1. inputs, at once:
                photo = pool.submit(self.load_portrait, image)                    # photo, face, renderer
                speech = self.load_speech(audio, text, tmp)                       # speech and its prosody
                plan = self.plan_motion(speech, motion)
                portrait = photo.result()
        except BaseException:
            if recognizer is not None:
                recognizer.close()
            self._streaming.release()
            raise
        return FrameStream(self, portrait, speech, plan, recognizer, reuse_frames and not self.post, t0)

    # 1. inputs ----------------------------------------------------------------------------------
    def check_inputs(self, audio, text, motion) -> None:
        check_drivers(audio, text, motion)

    def load_portrait(self, image) -> np.ndarray:
        """Read and size the photo, find the face and prepare the renderer (skipped when the renderer
        is already prepared for the same pixels); returns the photo."""
        limits = self.config.limits
        name = str(image) if isinstance(image, (str, os.PathLike)) else "image"
        portrait = (load_image(image, max_megapixels=limits.megapixels) if isinstance(image, (str, os.PathLike))
                    else to_rgb8(image))
        portrait = fit_long_side(portrait, self.config.max_size)
        check_h264_frame(portrait.shape[1], portrait.shape[0], self.config.fps, name)
        key = (portrait.shape, self.config.face_index, hashlib.blake2b(portrait.tobytes(), digest_size=16).digest())
        if self._prepared is not None and self._prepared[0] == key:
            return self._prepared[1]
        self._prepared = None
        face = find_face(portrait, face_index=self.config.face_index, name=name)
        self.renderer.prepare(portrait, face)
        self._prepared = (key, portrait)
        return portrait

    def load_speech(self, audio, text, tmp: Path | None = None) -> Speech | None:
        """The driving speech (``tmp``: where synthesised speech is saved as a file, None: kept in memory)."""
        if text is not None:
            from thg.features.speech import synthesize

            self.config.limits.check_text(text)
            samples, phonemes = synthesize(text, self.config.lang)
            self.check_speech(samples.duration, "--text")
            wav = None
            if tmp is not None:
                wav = Path(tmp) / "speech.wav"
                save_wav(wav, samples)
            return Speech(SpeechSource.from_audio(samples), wav, phonemes, 1.0)
        if audio is not None:
            # the recogniser knows English phones; other languages lean on loudness more
            weight = 0.8 if self.config.lang.lower().startswith("en") else 0.35
            source = open_speech(audio, max_seconds=self.config.limits.seconds)
            if source.n_samples is not None:  # known before decoding (libsndfile formats)
                self.check_speech(source.n_samples / source.sample_rate, str(audio))
            return Speech(source, Path(audio), None, weight)
        return None

    def check_speech(self, seconds: float, name: str) -> None:
        """Speech must last at least one frame (a video needs one) and at most the time limit."""
        if seconds * self.config.fps < 1:
            raise InputError(f"{name}: the speech lasts {seconds * 1000:.0f} ms, less than one frame "
                             f"({1000 / self.config.fps:.0f} ms at {self.config.fps:g} fps); give longer speech")
        self.config.limits.check_seconds(seconds, name, "the speech")

    # 2-3. features and motion -------------------------------------------------------------------
    def plan_motion(self, speech: Speech | None, motion=None) -> SpeechMotion | MotionTrack:
        """The given motion, or the speech's motion with everything its prosody decides (one pass over
        the speech in blocks); the mouth follows as the phonemes are recognised (:func:`_speech_stage`)."""
        from thg.features.speech import prosody_of_blocks

        if motion is not None:
            if isinstance(motion, MotionTrack):
                return motion
            return MotionTrack.load(motion, max_seconds=self.config.limits.seconds)
        assert speech is not None
        count, peak = 0, 0.0

        def blocks():
            nonlocal count, peak
            for block in analysis_blocks(speech.source.blocks(5.0), speech.source.sample_rate):
                count += len(block)
                peak = max(peak, float(np.abs(block).max(initial=0.0)))
                yield block

        feats = prosody_of_blocks(blocks(), SAMPLE_RATE, self.config.fps)
        check_samples(speech.source.path or "speech", count)
        self.check_speech(count / SAMPLE_RATE, str(speech.source.path or "--text"))
        speech.silent = peak < 1e-3
        meta = {"driver": "text" if speech.phonemes is not None else "audio", "lang": self.config.lang}
        return SpeechMotion(feats, len(feats.pitch), self.config.style, phoneme_weight=speech.phoneme_weight,
                            meta=meta)

    def make_motion(self, speech: Speech | None, motion=None) -> MotionTrack:
        """The whole motion at once (what a stream makes on the way)."""
        plan = self.plan_motion(speech, motion)
        _speech_stage(speech, plan, lambda item: None)
        return plan if isinstance(plan, MotionTrack) else plan.track


def _start_recognizer():
    """The phoneme recogniser in its own process, started at once so that it loads its models while
    the photo and the prosody are analysed."""
    from thg.features.speech import PhoneRecognizer

    return PhoneRecognizer(process=True)


def _speech_stage(speech: Speech | None, plan: SpeechMotion | MotionTrack, send: Callable[[tuple], None],
                  recognizer=None) -> None:
    """Stages 2-3: read the speech in blocks, recognise its phonemes as they settle, finalise the
    motion of each frame whose look-ahead is known, and ``send`` (index, motion row, audio) for it,
    in order. A frame's audio is its share of the speech at the speech's own rate; the last frame of
    speech-driven motion takes the rest, so that the frames' audio joins up to the whole speech.
    ``recognizer``: a started :class:`PhoneRecognizer` to use (closed here in any case)."""
    try:
        _speech_frames(speech, plan, send, recognizer)
    finally:
        if recognizer is not None:
            recognizer.close()


def _speech_frames(speech, plan, send, recognizer) -> None:
    from thg.features.speech import PhoneRecognizer

    track = plan.track if isinstance(plan, SpeechMotion) else plan
    n = len(track)
    if speech is None:
        for i in range(n):
            send((i, track.values[i], np.zeros(0, np.float32)))
        return
    bounds = np.round(np.arange(n + 1) * speech.source.sample_rate / track.fps).astype(np.int64)
    if isinstance(plan, SpeechMotion) and (speech.phonemes is not None or speech.silent):
        plan.add(speech.phonemes or [])
        recognizer = None
    elif isinstance(plan, SpeechMotion):
        recognizer = recognizer or PhoneRecognizer()
        resample = Resampler(speech.source.sample_rate)
    else:
        recognizer = None
    pending, start, sent = np.zeros(0, np.float32), 0, 0   # speech not sent yet, from sample ``start`` on

    def flush(ready: int, last: bool = False) -> None:
        nonlocal pending, start, sent
        takes_rest = isinstance(plan, SpeechMotion)  # the last frame of speech-driven motion: waits for the end
        while sent < ready and (last or (bounds[sent + 1] <= start + len(pending)
                                         and not (takes_rest and sent == n - 1))):
            end = None if last and sent == n - 1 and takes_rest else bounds[sent + 1] - start
            send((sent, track.values[sent], pending[max(bounds[sent] - start, 0): end]))
            sent += 1
        keep = int(np.clip(bounds[min(sent, n)] - start, 0, len(pending)))
        pending, start = pending[keep:], start + keep

    ready = n if recognizer is None else 0
    with contextlib.closing(speech.source.blocks()) as blocks:
        for block in blocks:
            pending = np.concatenate([pending, block]) if len(pending) else block
            if recognizer is not None:
                ready = plan.add(recognizer.feed(resample(block)), recognizer.settled_until)
            flush(ready)
            if sent == n and not isinstance(plan, SpeechMotion):  # given motion: speech past its end is cut
                break
    if recognizer is not None:
        plan.add(recognizer.feed(resample.finish()) + recognizer.finish())
    flush(n, last=True)


# ----------------------------------------------------------------------------------------------
# the stream: stages on threads, joined by bounded queues
# ----------------------------------------------------------------------------------------------
class _Stopped(Exception):
    """Raised inside a stage when the stream was closed."""


_END = object()


class _Stages:
    """Threads joined by bounded queues; the first error stops them all and reaches the consumer."""

    def __init__(self, on_close: Callable[[], None] = lambda: None) -> None:
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.cpu: dict[str, float] = {}   # CPU seconds each stage's thread used
        self._threads: list[threading.Thread] = []
        self._on_close: Callable[[], None] | None = on_close
        self._blas = contextlib.ExitStack()
        self._blas.enter_context(one_blas_thread())

    def start(self, name: str, fn: Callable, *args) -> None:
        thread = threading.Thread(target=self._guard, args=(name, fn, *args), name=f"thg-{name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _guard(self, name: str, fn: Callable, *args) -> None:
        try:
            fn(*args)
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the consumer, which raises it
            if self.error is None:
                self.error = exc
            self.stop.set()
        finally:
            self.cpu[f"{name}_cpu"] = time.thread_time()

    def put(self, q: queue.Queue, item) -> None:
        while True:
            if self.stop.is_set():
                raise _Stopped
            with contextlib.suppress(queue.Full):
                q.put(item, timeout=0.05)
                return

    def get(self, q: queue.Queue):
        while True:
            with contextlib.suppress(queue.Empty):
                return q.get(timeout=0.05)
            if self.error is not None:
                raise self.error
            if self.stop.is_set():
                raise _Stopped

    def close(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join()
        self._blas.close()
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()


class FrameStream:
    """The frames of one run, in order, each with its audio and time (an iterator).

    Closing it (``close()``, leaving its ``with`` block, or dropping it) stops every stage and waits
    for their threads; an error in any stage is raised from the iteration. ``motion`` is the run's
    motion track, complete once the last frame is out.
    """

    def __init__(self, pipe: TalkingHeadPipeline, portrait: np.ndarray, speech: Speech | None,
                 plan: SpeechMotion | MotionTrack, recognizer, reuse_frames: bool, t0: float) -> None:
        self.motion = plan.track if isinstance(plan, SpeechMotion) else plan
        self.fps, self.n_frames = self.motion.fps, len(self.motion)
        self.portrait = portrait
        self.size = (portrait.shape[1], portrait.shape[0])   # width, height
        self.sample_rate = speech.source.sample_rate if speech else SAMPLE_RATE
        self.audio_file = speech.audio_file if speech else None
        self.timings = {"start": time.perf_counter() - t0}
        # the stages see the queues, not this object, so that dropping it closes them
        self._stages = stages = _Stages(on_close=pipe._streaming.release)
        motion_q: queue.Queue = queue.Queue(MOTION_AHEAD)
        frames_q: queue.Queue = queue.Queue(QUEUE_FRAMES)
        buffers = [portrait.copy() for _ in range(QUEUE_FRAMES + 3)] if reuse_frames else None
        stages.start("speech", _speech_thread, stages, speech, plan, recognizer, motion_q)
        stages.start("render", _render_thread, stages, pipe.renderer, pipe.post, buffers, self.fps, motion_q, frames_q)
        self._iter = _yield_frames(stages, frames_q, self.timings, t0)

    def __iter__(self) -> FrameStream:
        return self

    def __next__(self) -> StreamFrame:
        return next(self._iter)

    def close(self) -> None:
        if hasattr(self, "_iter"):
            self._iter.close()
            self._stages.close()

    def __enter__(self) -> FrameStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def _speech_thread(stages: _Stages, speech, plan, recognizer, out: queue.Queue) -> None:
    _speech_stage(speech, plan, lambda item: stages.put(out, item), recognizer)
    stages.put(out, _END)


def _render_thread(stages: _Stages, renderer: Renderer, post: list[FrameFilter], buffers: list[np.ndarray] | None,
                   fps: float, inp: queue.Queue, out: queue.Queue) -> None:
    """Stage 4: render and post-process each frame (into a ring of buffers when frames are reused)."""
    while (item := stages.get(inp)) is not _END:
        i, row, chunk = item
        image = renderer.render(row, out=buffers[i % len(buffers)] if buffers else None)
        for step in post:
            image = step(image)
        stages.put(out, StreamFrame(i, i / fps, image, chunk, row))
    stages.put(out, _END)


def _yield_frames(stages: _Stages, inp: queue.Queue, timings: dict, t0: float) -> Generator[StreamFrame, None, None]:
    try:
        while (frame := stages.get(inp)) is not _END:
            if frame.index == 0:
                timings["first_frame"] = time.perf_counter() - t0
            yield frame
    finally:
        stages.close()
        timings.update(stages.cpu)
