"""The generation pipeline: portrait + speech/text/motion -> talking-head MP4.

    pipe = TalkingHeadPipeline()                       # or TalkingHeadPipeline(renderer=MyRenderer())
    result = pipe("me.jpg", text="Hello there", output="hello.mp4")

The run reads as five named steps: load inputs, extract features, make motion, render + encode,
finish. Each stage is a component passed in (``renderer``, ``post``), so swapping one is one argument.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thg.errors import InputError, UsageError
from thg.features.face import find_face
from thg.io.audio import Audio, load_audio, save_wav
from thg.io.image import fit_long_side, load_image, to_rgb8
from thg.io.output import atomic_output, check_output_path
from thg.io.video import VideoWriter
from thg.limits import Limits, check_h264_frame
from thg.motion.speech import MotionStyle, motion_from_speech
from thg.motion.track import MotionTrack
from thg.post.provenance import PROVENANCE
from thg.render.renderer import MeshWarpRenderer, Renderer

FrameFilter = Callable[[np.ndarray], np.ndarray]


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
    """The driving speech, normalised: samples, the file muxed into the video, timed phonemes if known."""

    audio: Audio
    audio_file: Path
    phonemes: list | None       # exact phonemes (text input); None: recognise them from the audio
    phoneme_weight: float       # trust in phonemes versus loudness (lower for non-English audio)


class TalkingHeadPipeline:
    def __init__(self, renderer: Renderer | None = None, post: list[FrameFilter] | None = None,
                 config: GenerateConfig | None = None) -> None:
        self.renderer = renderer or MeshWarpRenderer()
        self.post = list(post or [])
        self.config = config or GenerateConfig()

    # 0. the whole run ---------------------------------------------------------------------------
    def __call__(self, image, *, audio: str | os.PathLike | None = None, text: str | None = None,
                 motion: str | os.PathLike | MotionTrack | None = None, output: str | os.PathLike,
                 overwrite: bool = False, save_motion: str | os.PathLike | None = None,
                 progress: Callable[[int, int], None] | None = None) -> GenerateResult:
        self.check_inputs(audio, text, motion, output, overwrite)
        if save_motion:
            check_output_path(save_motion, overwrite=overwrite)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="thg-") as tmp, ThreadPoolExecutor(1) as pool:
            photo = pool.submit(self.load_portrait, image)                       # 1a. photo, face, renderer
            speech = self.load_speech(audio, text, Path(tmp))                    # 1b. speech (meanwhile)
            track = self.make_motion(speech, motion)                             # 2-3. features, motion
            portrait = photo.result()
            timings["features_motion"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            audio_file = speech.audio_file if speech else None
            path = self.render_video(portrait, audio_file, track, output, overwrite, progress, timings)  # 4.
            timings["render_encode"] = time.perf_counter() - t1
            if save_motion:  # only once the video is there: a failed run leaves neither
                track.save(save_motion, overwrite=overwrite)
        timings["total"] = time.perf_counter() - t0
        return GenerateResult(path, len(track), track.fps, track.duration, track, timings)   # 5. done

    # 1. inputs ----------------------------------------------------------------------------------
    def check_inputs(self, audio, text, motion, output, overwrite) -> None:
        if audio is not None and text is not None:
            raise UsageError("give either --audio or --text, not both")
        if audio is None and text is None and motion is None:
            raise UsageError("nothing drives the face; give --audio SPEECH, --text \"...\" or --motion FILE")
        if text is not None and motion is not None:
            raise UsageError("--motion replaces the speech-driven motion; give --audio with it, not --text")
        check_output_path(output, overwrite=overwrite)

    def load_portrait(self, image) -> np.ndarray:
        """Read and size the photo, find the face and prepare the renderer; returns the photo."""
        limits = self.config.limits
        name = str(image) if isinstance(image, (str, os.PathLike)) else "image"
        portrait = (load_image(image, max_megapixels=limits.megapixels) if isinstance(image, (str, os.PathLike))
                    else to_rgb8(image))
        portrait = fit_long_side(portrait, self.config.max_size)
        check_h264_frame(portrait.shape[1], portrait.shape[0], self.config.fps, name)
        face = find_face(portrait, face_index=self.config.face_index, name=name)
        self.renderer.prepare(portrait, face)
        return portrait

    def load_speech(self, audio, text, tmp: Path) -> Speech | None:
        if text is not None:
            from thg.features.speech import synthesize

            self.config.limits.check_text(text)
            samples, phonemes = synthesize(text, self.config.lang)
            self.check_speech(samples, "--text")
            wav = tmp / "speech.wav"
            save_wav(wav, samples)
            return Speech(samples, wav, phonemes, 1.0)
        if audio is not None:
            # the recogniser knows English phones; other languages lean on loudness more
            weight = 0.8 if self.config.lang.lower().startswith("en") else 0.35
            speech = load_audio(audio, max_seconds=self.config.limits.seconds)
            self.check_speech(speech, str(audio))
            return Speech(speech, Path(audio), None, weight)
        return None

    def check_speech(self, audio: Audio, name: str) -> None:
        """Speech must last at least one frame (a video needs one) and at most the time limit."""
        if audio.duration * self.config.fps < 1:
            raise InputError(f"{name}: the speech lasts {audio.duration * 1000:.0f} ms, less than one frame "
                             f"({1000 / self.config.fps:.0f} ms at {self.config.fps:g} fps); give longer speech")
        self.config.limits.check_seconds(audio.duration, name, "the speech")

    # 2-3. features and motion -------------------------------------------------------------------
    def make_motion(self, speech: Speech | None, motion=None) -> MotionTrack:
        from thg.features.speech import prosody, recognize_phonemes

        if motion is not None:
            if isinstance(motion, MotionTrack):
                return motion
            return MotionTrack.load(motion, max_seconds=self.config.limits.seconds)
        assert speech is not None
        fps = self.config.fps
        n_frames = max(1, int(round(speech.audio.duration * fps)))
        phonemes = speech.phonemes
        driver = "text" if phonemes is not None else "audio"
        if phonemes is None:
            phonemes = [] if speech.audio.is_silent else recognize_phonemes(speech.audio)
        feats = prosody(speech.audio, fps, n_frames)
        meta = {"driver": driver, "lang": self.config.lang}
        return motion_from_speech(phonemes, feats, n_frames, self.config.style,
                                  phoneme_weight=speech.phoneme_weight, meta=meta)

    # 4. render and encode -----------------------------------------------------------------------
    def frames(self, portrait: np.ndarray, track: MotionTrack) -> Iterator[np.ndarray]:
        """Rendered, post-processed frames, one at a time (nothing is kept); the renderer must be
        prepared (``load_portrait`` does it)."""
        buffer = portrait.copy()
        for row in track.values:
            frame = self.renderer.render(row, out=buffer)
            if self.post:
                frame = frame.copy()  # filters may draw outside the re-rendered crop
                for step in self.post:
                    frame = step(frame)
            yield frame

    def render_video(self, portrait: np.ndarray, audio_file: Path | None, track: MotionTrack, output,
                     overwrite: bool, progress, timings: dict[str, float]) -> Path:
        h, w = portrait.shape[:2]
        with atomic_output(output, overwrite=overwrite) as tmp_path:
            with VideoWriter(tmp_path, w, h, fps=track.fps, audio_path=audio_file, crf=self.config.crf,
                             preset=self.config.preset, comment=PROVENANCE, duration=track.duration) as writer:
                start = time.perf_counter()
                for i, frame in enumerate(self.frames(portrait, track)):
                    writer.write(frame)
                    if i == 0:
                        timings["first_frame"] = time.perf_counter() - start
                    if progress is not None:
                        progress(i + 1, len(track))
        return Path(output)
