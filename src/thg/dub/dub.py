"""Dubbing: an existing clip of a person plus new speech in, the same clip with new lips out.

    dub = Dubber(DubConfig(fit="pingpong"))
    result = dub("clip.mp4", text="A new line.", output="dubbed.mp4")

The run reads as four steps: inputs, motion, schedule, stream. Per frame the face mesh tracks the
face; the frame's lower face is re-rendered from the frame itself (:mod:`thg.dub.render`) with
the original pose, blinks and brows, and the mouth channels of the new speech
(:func:`thg.motion.speech.motion_from_speech`) in place of the original speaker's: ``mouth_open``
is absolute, so the mouth closes in the new speech's pauses whatever the original did, and the
original's mouth width is measured and replaced by the new one. Frames without a usable face pass
through untouched and are reported. Nothing of the clip is held: frames stream from the decoder
to the encoder.
"""

from __future__ import annotations


import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from thg.blas import one_blas_thread
from thg.dub.fit import DEFAULT_FIT, check_fit, schedule
from thg.dub.render import LowerFaceRenderer
from thg.dub.source import (MAX_PITCH, MAX_YAW, FaceFollower, at_edge, count_frames, frames_in_order,
                            head_angles, is_cut, thumbnail)
from thg.errors import InputError, NoFaceError, UsageError
from thg.features.face import FaceGeometry
from thg.io.output import atomic_output, check_output_path
from thg.io.video import VideoWriter, probe_video
from thg.limits import Limits, check_h264_frame
from thg.motion.track import CHANNEL_NAMES, MotionTrack
from thg.options import check_drivers
from thg.post.credentials import Claims, sign_mp4
from thg.post.provenance import PROVENANCE
from thg.post.watermark import InvisibleWatermark

#: the channels a dub takes from the new speech; everything else is the original's own
MOUTH = ("mouth_open", "mouth_wide", "mouth_round", "tongue")
#: the renderer widens the mouth by this fraction of its width per unit of ``mouth_wide``
#: (its corners move 0.35 mouth widths each, thg.render.rig.Deformer._mouth)
WIDE_GAIN = 0.7
WIDTH_WINDOW_S = 4.0   # the original's resting mouth width: the median over this much of the clip

PASS_REASONS = ("no face", "face at the frame's edge", "extreme pose")
_CH = {name: i for i, name in enumerate(CHANNEL_NAMES)}


@dataclass(frozen=True)
class DubConfig:
    fit: str = DEFAULT_FIT
    face_index: int = 0
    lang: str = "en"
    expression_scale: float = 1.0   # scales the new mouth motion
    # near-lossless, so that a dub's untouched pixels stay as they were: x264's superfast at CRF 14
    # keeps them within 0.5 dB of veryfast at CRF 12 (the carphone clip at 352 px: 42.0 against 42.4
    # dB above the nose, unmarked) for half the encoder's CPU, in a file 11-14 % larger
    crf: int = 14
    preset: str = "superfast"
    watermark: bool = True          # thg's invisible mark in every output frame (thg.post.watermark)
    limits: Limits = field(default_factory=Limits)   # the speech's length, the clip's frame size

    def __post_init__(self) -> None:
        check_fit(self.fit)
        if self.face_index < 0:
            raise UsageError(f"--face-index {self.face_index} must be 0 or more (0 = the largest face)")
        if self.expression_scale < 0:
            raise UsageError(f"--expression-scale {self.expression_scale} must not be negative")


@dataclass
class DubResult:
    output: Path
    n_frames: int
    fps: float
    size: tuple[int, int]                     # (width, height), the input's
    dubbed: int                               # frames whose mouth was re-rendered
    passed: dict[str, list[int]]              # reason -> output frames passed through untouched
    cuts: list[int]                           # output frames where a new shot begins
    notes: list[str] = field(default_factory=list)
    motion: MotionTrack | None = None         # the mouth motion used, one row per output frame
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for people: what was dubbed, what passed through and why."""
        parts = [f"dubbed {self.dubbed} of {self.n_frames} frames"]
        for reason, frames in self.passed.items():
            if frames:
                parts.append(f"{len(frames)} passed through ({reason}: {_spans(frames)})")
        if self.cuts:
            parts.append(f"scene cuts at frames {_spans(self.cuts)}")
        return "; ".join(parts + self.notes)


def _spans(frames: list[int], most: int = 6) -> str:
    spans: list[str] = []
    start = frames[0]
    for k, a in enumerate(frames):
        if k + 1 == len(frames) or frames[k + 1] != a + 1:
            spans.append(f"{start}" if start == a else f"{start}-{a}")
            start = frames[k + 1] if k + 1 < len(frames) else a
    return ", ".join(spans[:most]) + (f" and {len(spans) - most} more" if len(spans) > most else "")


class MouthWidth:
    """The original's mouth width relative to its resting width (a running median), so that it can
    be replaced by the new speech's."""

    def __init__(self, fps: float) -> None:
        self._recent: deque[float] = deque(maxlen=max(3, int(round(WIDTH_WINDOW_S * fps))))

    def reset(self) -> None:
        self._recent.clear()

    def __call__(self, face: FaceGeometry) -> float:
        ratio = face.mouth_width / max(face.interocular, 1e-6)
        self._recent.append(ratio)
        return ratio / float(np.median(self._recent)) - 1.0


class Dubber:
    """Clip + speech (or text, or a saved motion) -> the clip with its lips following the speech."""

    def __init__(self, config: DubConfig | None = None, renderer: LowerFaceRenderer | None = None,
                 mark: InvisibleWatermark | None = None) -> None:
        self.config = config or DubConfig()
        self.renderer = renderer or LowerFaceRenderer()
        self.mark = mark   # the watermark (config.watermark); None: a fresh id for every output

    def __call__(self, video: str | os.PathLike, *, audio: str | os.PathLike | None = None,
                 text: str | None = None, motion: str | os.PathLike | MotionTrack | None = None,
                 output: str | os.PathLike, overwrite: bool = False,
                 save_motion: str | os.PathLike | None = None,
                 progress: Callable[[int, int], None] | None = None) -> DubResult:
        t0 = time.perf_counter()
        # 1. inputs
        self.check_inputs(video, audio, text, motion, output, overwrite, save_motion)
        info = probe_video(video)
        self.config.limits.check_pixels(info.width, info.height, str(video))
        check_h264_frame(info.width + info.width % 2, info.height + info.height % 2, info.fps, str(video))
        n_video = count_frames(video)
        notes = self.frame_rate_notes(info, n_video)
        with tempfile.TemporaryDirectory(prefix="thg-dub-") as tmp:
            # 2. the new mouth motion, at the clip's frame rate
            speech, track = self.make_motion(info.fps, audio, text, motion, Path(tmp))
            # 3. which original frame shows at each output frame
            n_out, runs = schedule(n_video, len(track), self.config.fit)
            mouth = self.mouth_track(track, n_out, video)
            sound = speech.audio_file if speech is not None else None
            # 4. stream: decode, track, re-render, encode
            result = self.stream(video, info, n_video, runs, mouth, sound, output, overwrite, progress)
        if save_motion:   # only for a dub that was written
            mouth.save(save_motion, overwrite=overwrite)
        result.notes = notes + result.notes
        result.timings["total"] = time.perf_counter() - t0
        return result

    # 1. inputs ----------------------------------------------------------------------------------
    def check_inputs(self, video, audio, text, motion, output, overwrite, save_motion) -> None:
        check_drivers(audio, text, motion, nothing="nothing to dub with")
        if not Path(video).is_file():
            raise InputError(f"{video}: video not found; check the path")
        check_output_path(output, overwrite=overwrite, inputs=(video, audio), kind="video")
        if save_motion:
            check_output_path(save_motion, overwrite=overwrite, inputs=(video, audio), kind="motion")

    @staticmethod
    def frame_rate_notes(info, n_video: int) -> list[str]:
        """A note when the container's frame count and duration disagree with its frame rate (a
        variable frame rate): the frames are then written at a constant ``info.fps``."""
        if info.duration > 0 and abs(n_video / info.duration - info.fps) > 0.02 * info.fps:
            return [f"variable frame rate ({n_video / info.duration:.2f} fps on average) normalised "
                    f"to a constant {info.fps:g} fps"]
        return []

    # 2. motion ----------------------------------------------------------------------------------
    def make_motion(self, fps: float, audio, text, motion, tmp: Path):
        from thg.pipeline import GenerateConfig, TalkingHeadPipeline
        from thg.motion.speech import MotionStyle

        pipe = TalkingHeadPipeline(config=GenerateConfig(
            fps=fps, lang=self.config.lang, style=MotionStyle(expression_scale=self.config.expression_scale),
            limits=self.config.limits))
        speech = pipe.load_speech(audio, text, tmp)
        track = pipe.make_motion(speech, motion)
        if abs(track.fps - fps) > 1e-3:
            from thg.reenact.reenact import resample

            track = resample(track, fps)
        return speech, track

    def mouth_track(self, track: MotionTrack, n_out: int, video) -> MotionTrack:
        """The mouth channels of ``track`` for ``n_out`` frames (at rest past its end); the rest 0."""
        values = np.zeros((n_out, len(CHANNEL_NAMES)), np.float32)
        n = min(n_out, len(track))
        for ch in MOUTH:
            values[:n, _CH[ch]] = track[ch][:n]
        meta = {**track.meta, "dub": {"video": os.path.basename(str(video)), "fit": self.config.fit,
                                      "channels": list(MOUTH)}}
        return MotionTrack(track.fps, values, meta)

    # 4. stream ----------------------------------------------------------------------------------
    def channels(self, mouth_row: np.ndarray, original_wide: float) -> np.ndarray:
        """The row to render one frame with: the new mouth, the original's width taken out."""
        row = np.zeros(len(CHANNEL_NAMES), np.float32)
        row[_CH["mouth_open"]] = max(float(mouth_row[_CH["mouth_open"]]), 0.0)
        row[_CH["mouth_round"]] = mouth_row[_CH["mouth_round"]]
        row[_CH["tongue"]] = mouth_row[_CH["tongue"]]
        row[_CH["mouth_wide"]] = mouth_row[_CH["mouth_wide"]] - original_wide / WIDE_GAIN
        return row

    @staticmethod
    def unusable(face: FaceGeometry | None) -> str | None:
        """Why a frame's face cannot be dubbed (one of :data:`PASS_REASONS`), or None."""
        if face is None:
            return PASS_REASONS[0]
        if at_edge(face):
            return PASS_REASONS[1]
        yaw, pitch = head_angles(face.points)
        if abs(yaw) > MAX_YAW or abs(pitch) > MAX_PITCH:
            return PASS_REASONS[2]
        return None

    def nothing_dubbed(self, video, n_frames: int, seen_faces: int) -> NoFaceError:
        k = self.config.face_index
        if seen_faces == 0:
            return NoFaceError(f"{video}: no face found in any of its {n_frames} frames; "
                               f"use a clip with one clearly visible face")
        if k >= seen_faces:
            return NoFaceError(f"{video}: --face-index {k} asked for, but at most {seen_faces} face(s) "
                               f"are in any frame; use --face-index 0 to {seen_faces - 1}")
        return NoFaceError(f"{video}: the face is turned too far or cut by the frame's edge in all "
                           f"{n_frames} frames; use a clip with a roughly frontal, whole face")

    def stream(self, video, info, n_video: int, runs, mouth: MotionTrack, sound: Path | None, output, overwrite,
               progress) -> DubResult:
        w, h = info.width, info.height
        pad = (h % 2, w % 2)   # H.264 needs even sides: one row / column repeated
        notes = [f"odd size {w}×{h} padded to {w + pad[1]}×{h + pad[0]} for H.264"] if any(pad) else []
        log = _Log()
        mark = (self.mark or InvisibleWatermark()) if self.config.watermark else None
        with one_blas_thread(), atomic_output(output, overwrite=overwrite) as tmp_path, \
                VideoWriter(tmp_path, w + pad[1], h + pad[0], fps=info.fps, audio_path=sound,
                            duration=len(mouth) / info.fps,   # the speech cut or padded with silence
                            crf=self.config.crf, preset=self.config.preset, comment=PROVENANCE) as writer:
            for j, frame in enumerate(self.frames(video, info, runs, mouth, log)):
                if any(pad):
                    frame = np.pad(frame, ((0, pad[0]), (0, pad[1]), (0, 0)), mode="edge")
                writer.write(frame if mark is None else mark(frame))
                if progress is not None:
                    progress(j + 1, len(mouth))
            if log.dubbed == 0:
                raise self.nothing_dubbed(video, n_video, log.seen_faces)
            writer.close()   # finished: sign it before the rename
            sign_mp4(tmp_path, Claims("dub", asdict(self.config), {"video": video, "audio": sound},
                                      None if mark is None else mark.output_id))
        return DubResult(Path(output), len(mouth), info.fps, (w, h), log.dubbed,
                         {r: f for r, f in log.passed.items() if f}, log.cuts, notes, mouth)

    def frames(self, video, info, runs, mouth: MotionTrack, log: "_Log") -> Iterator[np.ndarray]:
        """The output frames in order. The face mesh of frame j + 1 runs while frame j is
        re-rendered in a second thread (both release Python's lock for most of their work)."""
        follower = FaceFollower(self.config.face_index)
        widths = MouthWidth(info.fps)
        pending: deque = deque()
        try:
            with ThreadPoolExecutor(1) as pool:
                previous, last_index = None, None
                fresh = True   # the next frame dubbed measures its mouth's look afresh (see SteadyLook)
                for j, (i, frame) in enumerate(frames_in_order(video, info, runs)):
                    thumb = thumbnail(frame)
                    if is_cut(previous, thumb):
                        log.cuts.append(j)
                    if j in log.cuts[-1:] or (last_index is not None and abs(i - last_index) > 1):
                        follower.reset()    # a new shot, or a loop's seam: track afresh
                        widths.reset()
                        fresh = True
                    previous, last_index = thumb, i
                    face = follower(frame)
                    reason = self.unusable(face)
                    if reason is None and face is not None:
                        row = self.channels(mouth.values[j], widths(face))
                        pending.append(pool.submit(self.renderer.render, frame, face, row, fresh))
                        log.dubbed += 1
                        fresh = False
                    else:
                        log.passed[reason or PASS_REASONS[0]].append(j)
                        fresh = True
                        pending.append(frame)
                    if len(pending) > 1:
                        yield _done(pending.popleft())
                while pending:
                    yield _done(pending.popleft())
        finally:
            log.seen_faces = follower.seen_faces
            follower.close()


@dataclass
class _Log:
    """What happened to the frames of one dub, filled in as they stream."""

    dubbed: int = 0
    passed: dict[str, list[int]] = field(default_factory=lambda: {r: [] for r in PASS_REASONS})
    cuts: list[int] = field(default_factory=list)
    seen_faces: int = 0


def _done(item) -> np.ndarray:
    return item.result() if isinstance(item, Future) else item
