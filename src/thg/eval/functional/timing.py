"""FPS of a generator: wall-clock frames per second of a callable that produces frames."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

import numpy as np

from thg.eval.base import MetricResult


def measure_fps(generate: Callable[[], Iterable[np.ndarray]], *, warmup_frames: int = 0,
                label: str | None = None) -> MetricResult:
    """Time ``generate()`` from the call to its last frame and report frames per second.

    ``generate`` returns an iterable of frames (a generator streams them); the first
    ``warmup_frames`` frames (model loading, caches) are excluded from the timing. Per-frame
    latencies (seconds between frames) are in ``per_frame``.
    """
    stamps = [time.perf_counter()]
    shape = None
    for frame in generate():
        stamps.append(time.perf_counter())
        if shape is None:
            shape = tuple(np.shape(frame))
    n = len(stamps) - 1
    timed = stamps[warmup_frames:] if warmup_frames else stamps
    frames = len(timed) - 1
    seconds = timed[-1] - timed[0] if frames > 0 else 0.0
    value = frames / seconds if seconds > 0 else float("nan")
    notes = [] if frames > 0 else [f"the generator produced {n} frames, not more than warmup_frames={warmup_frames}"]
    return MetricResult(
        "fps", float(value), per_frame=np.diff(np.asarray(stamps)),
        convention={"clock": "wall clock (time.perf_counter), from the call to the last frame",
                    "warmup_frames": warmup_frames, "frame_shape": list(shape) if shape else None,
                    "cpu_count": os.cpu_count(), "label": label},
        notes=notes, extra={"frames": frames, "seconds": seconds})


__all__ = ["measure_fps"]
