"""Capture the motion of a face in a video as a :class:`~thg.motion.MotionTrack`.

    result = track_video("driver.mp4")          # offline: whole clip, gaps interpolated
    result.track.save("track.json")

    tracker = StreamTracker(fps=25)             # live: one frame in, one channel row out
    for frame in frames:
        row = tracker.update(frame)

Per frame the face mesh runs in tracking mode; each frame is fitted rigidly to a reference face
(:mod:`thg.reenact.measure`) and turned into the renderer's channels by :class:`ChannelMapper`.
The reference is the first frame with a face, so the track is relative to the video's own first
frame, except ``mouth_open``, which is absolute (as in every motion file).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from thg.errors import NoFaceError
from thg.features.face import FaceGeometry, FaceMesher
from thg.motion.track import CHANNEL_NAMES, MotionTrack
from thg.reenact.measure import Features, FrameMeasure, face_size, measure, pivot

_CH = {name: i for i, name in enumerate(CHANNEL_NAMES)}

# How the renderer's channels show up in the face mesh (measured by rendering each channel alone
# and meshing the result): a full blink leaves about half the open lid gap to the mesh, a unit brow
# raise moves the brows by 0.06 interocular, a unit smile lifts the corners by 0.10 mouth widths and
# spreads them by 0.14; gaze moves the iris centres by 0.18 / 0.08 interocular.
BLINK_CLOSED_FRACTION = 0.5
BROW_PER_UNIT = 0.06
SMILE_LIFT = 0.10
SMILE_SPREAD = 0.14
GAZE_X_PER_UNIT = 0.18
GAZE_Y_PER_UNIT = 0.08
OPEN_EYE_PERCENTILE = 80
BLINK_DEAD_ZONE = 0.2   # lid changes under this much of a blink are not blinks
EYE_WINDOW_S = 1.0     # the open-eye level is taken over this much video around each frame


@dataclass(frozen=True)
class Neutral:
    """What zero means for the output: the face whose features the channels are measured against."""

    features: Features
    points: np.ndarray                # 478×3, the face the pose is fitted to
    eye_open_level: tuple[float, float]  # (right, left) lid gap of an open eye

    @classmethod
    def of(cls, points: np.ndarray, eye_open_level: tuple[float, float] | None = None) -> "Neutral":
        f = Features.of(points.astype(np.float64))
        return cls(f, np.asarray(points, np.float64), eye_open_level or (f.eye_r, f.eye_l))


@dataclass(frozen=True)
class ChannelMapper:
    """Turns one frame's measurement into a channel row.

    ``source`` is the driving face's neutral (its first frame); ``target`` the face the channels
    will be rendered on (the same face when tracking, the portrait when reenacting). Relative
    motion moves the target by the source's change from its neutral; ``mouth_open`` stays absolute.
    """

    source: Neutral
    target: Neutral | None = None

    def row(self, m: FrameMeasure, eye_open_level: tuple[float, float] | None = None) -> np.ndarray:
        s, t = self.source.features, (self.target or self.source).features
        levels = eye_open_level or self.source.eye_open_level
        f = m.features
        out = np.zeros(len(CHANNEL_NAMES), np.float32)
        out[_CH["yaw"]], out[_CH["pitch"]], out[_CH["roll"]] = m.fit.angles()
        ref = self.source.points
        c = pivot(ref)
        moved = m.fit.apply(c[None])[0]
        out[_CH["shift_x"]], out[_CH["shift_y"]] = (moved[:2] - c[:2]) / face_size(ref)
        out[_CH["mouth_open"]] = max(0.0, t.mouth_open + f.mouth_open - s.mouth_open)
        smile = -(f.corner_height - s.corner_height) / (SMILE_LIFT * s.mouth_width)
        out[_CH["smile"]] = smile
        out[_CH["mouth_wide"]] = f.mouth_width / s.mouth_width - 1 - SMILE_SPREAD * smile
        for ch, now, level in (("blink_r", f.eye_r, levels[0]), ("blink_l", f.eye_l, levels[1])):
            closure = (level - now) / (BLINK_CLOSED_FRACTION * max(level, 1e-6))
            # small changes of the lid gap are measurement noise or pose, not blinks
            shrunk = np.sign(closure) * max(abs(closure) - BLINK_DEAD_ZONE, 0.0) / (1 - BLINK_DEAD_ZONE)
            out[_CH[ch]] = np.clip(shrunk, -0.3, 1.0)
        out[_CH["brow_r"]] = (f.brow_r - s.brow_r) / BROW_PER_UNIT
        out[_CH["brow_l"]] = (f.brow_l - s.brow_l) / BROW_PER_UNIT
        out[_CH["gaze_x"]] = (f.gaze_x - s.gaze_x) / GAZE_X_PER_UNIT
        out[_CH["gaze_y"]] = (f.gaze_y - s.gaze_y) / GAZE_Y_PER_UNIT
        return out


class OneEuro:
    """The 1€ filter (Casiez et al. 2012) on a vector: smooths jitter at rest, follows fast moves."""

    def __init__(self, fps: float, min_cutoff: float = 1.5, beta: float = 0.05, d_cutoff: float = 1.0) -> None:
        self.rate, self.min_cutoff, self.beta, self.d_cutoff = fps, min_cutoff, beta, d_cutoff
        self.x: np.ndarray | None = None
        self.dx: np.ndarray | None = None

    def _alpha(self, cutoff: np.ndarray | float) -> np.ndarray | float:
        tau = 1.0 / (2 * np.pi * cutoff)
        return 1.0 / (1.0 + tau * self.rate)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.x is None:
            self.x, self.dx = x.copy(), np.zeros_like(x)
            return x
        dx = (x - self.x) * self.rate
        self.dx = self.dx + self._alpha(self.d_cutoff) * (dx - self.dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self.dx)
        self.x = self.x + self._alpha(cutoff) * (x - self.x)
        return self.x.copy()


#: Channels smoothed with the 1€ filter (slow, jittery); mouth and lids are left sharp.
SMOOTHED = ("yaw", "pitch", "roll", "shift_x", "shift_y", "mouth_wide", "smile", "brow_l", "brow_r", "gaze_x", "gaze_y")


class Smoother:
    def __init__(self, fps: float, strength: float = 1.0) -> None:
        self.idx = np.array([_CH[c] for c in SMOOTHED])
        self.filter = OneEuro(fps, min_cutoff=1.5 / max(strength, 1e-3)) if strength > 0 else None

    def __call__(self, row: np.ndarray) -> np.ndarray:
        if self.filter is None:
            return row
        row = row.copy()
        row[self.idx] = self.filter(row[self.idx].astype(np.float64))
        return row


def _largest(faces: list[FaceGeometry]) -> FaceGeometry | None:
    return faces[0] if faces else None


def _settle(mesher: FaceMesher, frame: np.ndarray, face: FaceGeometry) -> FaceGeometry:
    """The first detection of a face comes from the detector's box, later ones from the tracked
    region, and they differ by a few degrees of head pose. The first face is the reference of the
    whole track, so it is measured again the way every later frame is (from the tracked region)."""
    again = _largest(mesher.detect(frame))
    return again if again is not None else face


@dataclass
class Measurements:
    """Raw per-frame measurements of a clip: ``points[i]`` is None where no face was found."""

    fps: float
    points: list[np.ndarray | None]
    size: tuple[int, int] = (0, 0)

    @property
    def missing(self) -> list[int]:
        return [i for i, p in enumerate(self.points) if p is None]

    def first_face(self) -> tuple[int, np.ndarray]:
        """The first frame with a face, and its points."""
        for i, p in enumerate(self.points):
            if p is not None:
                return i, p
        raise NoFaceError("no face found in any frame")

    def open_eye_levels(self, window_s: float = EYE_WINDOW_S) -> np.ndarray:
        """Per frame, the open-eye lid gap of each eye (n×2): a high percentile of the pose-free lid
        gap over the frames around it, so blinks do not count and slow drifts (head turns, a
        changing distance to the camera) do not read as blinks."""
        _, ref = self.first_face()
        eyes = np.array([[np.nan, np.nan] if p is None else
                         [(f := measure(ref, p).features).eye_r, f.eye_l] for p in self.points])
        half = max(1, int(round(window_s * self.fps / 2)))
        levels = np.empty_like(eyes)
        for i in range(len(eyes)):
            win = eyes[max(0, i - half): i + half + 1]
            win = win[~np.isnan(win[:, 0])]
            levels[i] = np.percentile(win, OPEN_EYE_PERCENTILE, axis=0) if len(win) else np.nan
        return levels


def measure_frames(frames: Iterable[np.ndarray], fps: float) -> Measurements:
    """Run the face mesh over frames (tracking mode) and keep the largest face's points per frame."""
    points: list[np.ndarray | None] = []
    size = (0, 0)
    with FaceMesher(static=False, max_faces=1) as mesher:
        primed = False
        for frame in frames:
            size = (frame.shape[1], frame.shape[0])
            face = _largest(mesher.detect(frame))
            if face is not None and not primed:
                face, primed = _settle(mesher, frame, face), True
            points.append(None if face is None else face.points.astype(np.float32))
    return Measurements(fps, points, size)


def channels(meas: Measurements, mapper: ChannelMapper, *, smooth: float = 1.0,
             eye_levels: np.ndarray | None = None) -> np.ndarray:
    """Channel rows for every frame; frames without a face are interpolated between their
    neighbours (held at the ends). ``eye_levels`` (n×2) overrides the source's open-eye level."""
    n = len(meas.points)
    rows = np.zeros((n, len(CHANNEL_NAMES)), np.float32)
    have = np.array([p is not None for p in meas.points])
    ref = mapper.source.points
    for i, p in enumerate(meas.points):
        if p is not None:
            level = None if eye_levels is None else (float(eye_levels[i, 0]), float(eye_levels[i, 1]))
            rows[i] = mapper.row(measure(ref, p), level)
    if have.any() and not have.all():
        t = np.arange(n)
        for c in range(rows.shape[1]):
            rows[~have, c] = np.interp(t[~have], t[have], rows[have, c])
    smoother = Smoother(meas.fps, smooth)
    return np.stack([smoother(r) for r in rows]) if n else rows


@dataclass
class TrackResult:
    track: MotionTrack
    missing: list[int] = field(default_factory=list)   # frames without a face (interpolated / held)
    measurements: Measurements | None = None


def _video_frames(video: str | os.PathLike) -> tuple[Iterator[np.ndarray], float]:
    from thg.io.video import probe_video, read_video_frames

    info = probe_video(video)
    return read_video_frames(video), info.fps


def track_video(video: str | os.PathLike | Iterable[np.ndarray], *, fps: float | None = None,
                smooth: float = 1.0, name: str | None = None) -> TrackResult:
    """The motion of the (largest) face in a video, relative to its first frame with a face."""
    if isinstance(video, (str, os.PathLike)):
        frames, native = _video_frames(video)
        fps = fps or native
        name = name or str(video)
    else:
        frames, fps, name = iter(video), fps or 25.0, name or "video"
    meas = measure_frames(frames, fps)
    if not meas.points:
        raise NoFaceError(f"{name}: no frames could be read; check that it is a playable video")
    try:
        first, first_points = meas.first_face()
    except NoFaceError:
        raise NoFaceError(f"{name}: no face found in any of its {len(meas.points)} frames; "
                          f"use a video with one clearly visible face") from None
    neutral = Neutral.of(first_points)
    rows = channels(meas, ChannelMapper(neutral), smooth=smooth, eye_levels=meas.open_eye_levels())
    missing = meas.missing
    meta = {"driver": "video", "source": os.path.basename(str(name)), "reference_frame": first,
            "frames_without_face": len(missing)}
    return TrackResult(MotionTrack(fps, rows, meta), missing, meas)


class StreamTracker:
    """Frame-by-frame tracking for live use: ``update(frame)`` returns the frame's channel row at once.

    The first frame with a face becomes the neutral; the open-eye level is a high percentile of
    the last :data:`EYE_WINDOW_S` seconds. Frames without a face repeat the last row (neutral before the first
    face); :attr:`missing` counts them.
    """

    def __init__(self, fps: float = 25.0, smooth: float = 1.0, history_s: float = EYE_WINDOW_S) -> None:
        self.fps = fps
        self._mesher = FaceMesher(static=False, max_faces=1)
        self._neutral: Neutral | None = None
        self._smoother = Smoother(fps, smooth)
        self._eyes: list[tuple[float, float]] = []
        self._history = max(2, int(round(history_s * fps)))
        self._last = np.zeros(len(CHANNEL_NAMES), np.float32)
        self.missing = 0
        self.n_frames = 0

    @property
    def neutral(self) -> Neutral | None:
        return self._neutral

    def update(self, frame: np.ndarray) -> np.ndarray:
        self.n_frames += 1
        face = _largest(self._mesher.detect(frame))
        if face is None:
            self.missing += 1
            return self._last.copy()
        if self._neutral is None:
            face = _settle(self._mesher, frame, face)
        pts = face.points.astype(np.float64)
        if self._neutral is None:
            self._neutral = Neutral.of(pts)
        m = measure(self._neutral.points, pts)
        self._eyes.append((m.features.eye_r, m.features.eye_l))
        self._eyes = self._eyes[-self._history:]
        level = np.percentile(np.array(self._eyes), OPEN_EYE_PERCENTILE, axis=0)
        self._last = self._smoother(ChannelMapper(self._neutral).row(m, (float(level[0]), float(level[1]))))
        return self._last.copy()

    def close(self) -> None:
        self._mesher.close()

    def __enter__(self) -> "StreamTracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
