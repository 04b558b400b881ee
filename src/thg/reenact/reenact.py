"""Reenactment: animate a portrait with the performance of a face in a driving video.

    reenact = Reenactor(ReenactConfig(mode="relative", regions=("pose", "mouth", "eyes")))
    result = reenact("portrait.jpg", driving="someone.mp4", output="out.mp4")

Built on the generation pipeline: the driving video is tracked into a MotionTrack (channels for
the portrait) and :class:`thg.pipeline.TalkingHeadPipeline` renders it with the driving audio.

Relative mode (default) measures the driver against its own first frame and applies the change to
the portrait's neutral face, so a driver whose mouth is wider or whose eyes are narrower does not
reshape the portrait. Absolute mode measures the driver against the portrait itself: the head
takes the driver's pose relative to the portrait's, and lids, brows and mouth width take the
driver's proportions. Head position (shift) is always relative: framings differ between videos.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thg.errors import InputError, NoFaceError, UsageError
from thg.limits import Limits
from thg.motion.track import CHANNEL_NAMES, MotionTrack
from thg.reenact.tracking import ChannelMapper, Measurements, Neutral, channels, measure_frames

MODES = ("relative", "absolute")

#: Region name -> the channels it drives; channels of regions not chosen stay neutral.
REGIONS: dict[str, tuple[str, ...]] = {
    "pose": ("yaw", "pitch", "roll", "shift_x", "shift_y"),
    "mouth": ("mouth_open", "mouth_wide", "mouth_round", "smile"),
    "eyes": ("blink_l", "blink_r", "gaze_x", "gaze_y"),
    "brows": ("brow_l", "brow_r", "brow_in"),
}


def parse_regions(spec: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``"pose,mouth"`` or ``"all"`` -> a tuple of known region names (one-line error on a typo)."""
    import difflib

    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec) if s.strip()]
    if names == ["all"]:
        return tuple(REGIONS)
    if not names:
        raise UsageError(f"--regions is empty; choose from {', '.join(REGIONS)} or 'all'")
    for n in names:
        if n not in REGIONS:
            close = difflib.get_close_matches(n, list(REGIONS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UsageError(f"--regions: unknown region {n!r}; {hint}choose from {', '.join(REGIONS)} or 'all'")
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class ReenactConfig:
    mode: str = "relative"
    regions: tuple[str, ...] = tuple(REGIONS)
    fps: float = 25.0               # output frame rate; the driver's motion is resampled in time
    max_size: int | None = 1280     # cap of the output's long side
    face_index: int = 0
    smooth: float = 1.0             # strength of the jitter filter on pose, brows, gaze (0 = off)
    audio: bool = True              # carry the driving video's audio into the output
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"--mode {self.mode!r} is not known; use 'relative' or 'absolute'")
        object.__setattr__(self, "regions", parse_regions(self.regions))
        if self.smooth < 0:
            raise UsageError(f"--smooth {self.smooth} must be 0 (off) or more")


@dataclass
class ReenactResult:
    output: Path
    n_frames: int
    fps: float
    motion: MotionTrack
    missing: list[int] = field(default_factory=list)   # driving frames without a face
    timings: dict[str, float] = field(default_factory=dict)


def resample(track: MotionTrack, fps: float) -> MotionTrack:
    """The track at another frame rate, linearly interpolated in time (same duration)."""
    if abs(track.fps - fps) < 1e-6:
        return track
    n_out = max(1, int(round(len(track) * fps / track.fps)))
    t_in = np.arange(len(track)) / track.fps
    t_out = np.arange(n_out) / fps
    values = np.stack([np.interp(t_out, t_in, track.values[:, c]) for c in range(track.values.shape[1])], 1)
    return MotionTrack(fps, values, dict(track.meta))


def driving_track(meas: Measurements, portrait_points: np.ndarray, config: ReenactConfig) -> MotionTrack:
    """The portrait's motion from a driving video's measurements (see the module docstring)."""
    first, first_points = meas.first_face()
    driver = Neutral.of(first_points)
    portrait = Neutral.of(portrait_points)
    eye_levels = meas.open_eye_levels()
    relative = channels(meas, ChannelMapper(driver, portrait), smooth=config.smooth, eye_levels=eye_levels)
    if config.mode == "relative":
        rows = relative
    else:
        # everything against the portrait itself: the source neutral is the portrait
        rows = channels(meas, ChannelMapper(portrait), smooth=config.smooth)
        for ch in REGIONS["pose"][3:]:  # position stays relative to the driver's first frame
            rows[:, CHANNEL_NAMES.index(ch)] = relative[:, CHANNEL_NAMES.index(ch)]
    keep = {ch for r in config.regions for ch in REGIONS[r]}
    for c, name in enumerate(CHANNEL_NAMES):
        if name not in keep:
            rows[:, c] = portrait.features.mouth_open if name == "mouth_open" else 0.0
    meta = {"driver": "video", "mode": config.mode, "regions": list(config.regions),
            "reference_frame": first, "frames_without_face": len(meas.missing)}
    return MotionTrack(meas.fps, rows, meta)


class Reenactor:
    """Portrait + driving video -> MP4, through :class:`thg.pipeline.TalkingHeadPipeline`."""

    def __init__(self, config: ReenactConfig | None = None, pipeline=None) -> None:
        from thg.pipeline import GenerateConfig, TalkingHeadPipeline

        self.config = config or ReenactConfig()
        self.pipeline = pipeline or TalkingHeadPipeline(config=GenerateConfig(
            fps=self.config.fps, max_size=self.config.max_size, face_index=self.config.face_index,
            limits=self.config.limits))

    def __call__(self, image, *, driving: str | os.PathLike, output: str | os.PathLike, overwrite: bool = False,
                 save_motion: str | os.PathLike | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 track_progress: Callable[[int, int], None] | None = None) -> ReenactResult:
        """Animate ``image`` with the performance in ``driving``; ``track_progress(i, n)`` is called
        as the driver's frames are tracked, ``progress(i, n)`` as the output's are rendered (``n``
        of the driver an estimate from its header)."""
        from thg.features.face import find_face
        from thg.io.image import fit_long_side, load_image, to_rgb8
        from thg.io.output import check_output_path
        from thg.io.video import probe_video, read_video_frames

        # 1. inputs
        check_output_path(output, overwrite=overwrite)
        t0 = time.perf_counter()
        info = probe_video(driving)
        self.config.limits.check_seconds(info.duration, str(driving), "the driving video")
        name = str(image) if isinstance(image, (str, os.PathLike)) else "image"
        portrait = (load_image(image, max_megapixels=self.config.limits.megapixels)
                    if isinstance(image, (str, os.PathLike)) else to_rgb8(image))
        portrait = fit_long_side(portrait, self.config.max_size)
        face = find_face(portrait, face_index=self.config.face_index, name=name)
        # 2. track the driver
        expected = max(int(round(info.duration * info.fps)), 1)

        def frames():
            for i, frame in enumerate(read_video_frames(driving)):
                if track_progress is not None:
                    track_progress(i, max(expected, i + 1))
                yield frame

        meas = measure_frames(frames(), info.fps)
        if not meas.points:
            raise InputError(f"{driving}: no frames could be decoded; check that it is a playable video")
        try:
            track = driving_track(meas, face.points.astype(np.float64), self.config)
        except NoFaceError:
            raise NoFaceError(f"{driving}: no face found in any of its {len(meas.points)} frames; "
                              f"use a driving video with one clearly visible face") from None
        track = resample(track, self.config.fps)
        track.meta["source"] = os.path.basename(str(driving))
        t1 = time.perf_counter()
        # 3. render with the generation pipeline, the driving audio muxed in
        audio = str(driving) if (self.config.audio and info.has_audio) else None
        result = self.pipeline(portrait, audio=audio, motion=track, output=output, overwrite=overwrite,
                               progress=progress)
        if save_motion:  # only once the video is there: a failed run leaves neither
            track.save(save_motion, overwrite=overwrite)
        timings = {"track": t1 - t0, "render": result.timings.get("total", 0.0),
                   "total": time.perf_counter() - t0}
        return ReenactResult(Path(output), result.n_frames, track.fps, track, meas.missing, timings)
