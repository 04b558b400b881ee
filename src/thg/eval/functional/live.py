"""Live figures of a stream from its timestamps, after OpenTalking's latency protocol: time to first
frame, real-time factor, render rate, dropped frames and audio/video drift.

The input is what a receiver logs for every packet it gets: the stream (``audio`` or ``video``), the
packet's presentation timestamp ``pts`` in its ``time_base`` (aiortc stamps audio in samples, 1/48000
or 1/16000, and video at 90 kHz, 1/90000) and ``wall``, the receiver's monotonic clock in seconds
when the packet arrived. One ``request`` row (``wall`` only) marks when the stream was asked for;
without it the first packet's arrival stands in and the result says so.

    stream,pts,time_base,wall
    request,,,0.000
    audio,0,1/48000,0.412
    video,0,1/90000,0.431
    ...

Definitions (media time = pts × time_base, counted from the stream's first packet):

- ``time_to_first_frame``: first video arrival − request (s).
- ``real_time_factor``: video media time delivered / wall time it took, from the first to the last
  frame, both spans plus one frame period (1 = kept real time; below 1 the stream falls behind).
- ``render_fps``: video frames received per wall second over the same span.
- ``dropped_frames``: frames missing in the video pts sequence (gaps beyond 1.5 frame periods,
  counted in frame periods).
- ``av_drift``: at each video frame's arrival, its media time minus the audio media time received by
  then (audio arrivals linearly interpolated; frames before the first or after the last audio packet are
  not judged); positive = the picture is ahead of the sound. Reported:
  median, the largest magnitude and the median over the last second (``final``), in milliseconds.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from thg.errors import InputError


@dataclass(frozen=True)
class StreamLog:
    request: float | None          # wall time of the request, if logged
    audio: np.ndarray              # N×2: media time (s), wall (s), in arrival order
    video: np.ndarray              # M×2


def read_stream_log(path: str | os.PathLike) -> StreamLog:
    """Read a CSV stream log (columns ``stream, pts, time_base, wall``); errors name the file and row."""
    request: float | None = None
    rows: dict[str, list[tuple[float, float]]] = {"audio": [], "video": []}
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = {"stream", "pts", "time_base", "wall"} - set(reader.fieldnames or [])
            if missing:
                raise InputError(f"{path}: a stream log needs the columns stream, pts, time_base, wall "
                                 f"(missing {', '.join(sorted(missing))})")
            for i, row in enumerate(reader, start=2):
                kind = (row["stream"] or "").strip().lower()
                try:
                    wall = float(row["wall"])
                    if kind == "request":
                        request = wall
                    elif kind in rows:
                        rows[kind].append((float(int(row["pts"]) * Fraction(row["time_base"])), wall))
                    else:
                        raise ValueError(f"stream {kind!r} is not audio, video or request")
                except (ValueError, ZeroDivisionError, TypeError) as e:
                    raise InputError(f"{path}, line {i}: {e}; write stream,pts,time_base,wall "
                                     f"e.g. video,3600,1/90000,0.57") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read the stream log ({e.strerror})") from None
    return StreamLog(request, *(np.asarray(rows[k], np.float64).reshape(-1, 2) for k in ("audio", "video")))


def live_figures(log: StreamLog, fps: float | None = None) -> dict:
    """The live figures of a stream log (see the module docstring); ``fps`` defaults to the video's
    median pts step."""
    v, a = log.video, log.audio
    if len(v) < 2:
        raise InputError("the stream log holds fewer than 2 video frames; log every frame the receiver gets")
    notes = []
    start = log.request
    if start is None:
        start = float(min(v[:, 1].min(), a[:, 1].min() if len(a) else np.inf))
        notes.append("no request row: time to first frame counted from the first packet's arrival")
    media = v[:, 0] - v[0, 0]
    step = float(np.median(np.diff(np.sort(media))))
    period = 1.0 / fps if fps else step
    if period <= 0:
        raise InputError("the video pts do not advance; log each frame's own pts")
    gaps = np.diff(np.sort(media))
    dropped = int(np.round(gaps[gaps > 1.5 * period] / period - 1).sum())
    wall_span = float(v[-1, 1] - v[0, 1])
    out = {"frames": int(len(v)), "fps": 1.0 / period,
           "time_to_first_frame": float(v[0, 1] - start),
           "real_time_factor": float((media[-1] + period) / (wall_span + period)),
           "render_fps": float((len(v) - 1) / wall_span) if wall_span > 0 else float("nan"),
           "dropped_frames": dropped, "notes": notes}
    if len(a) >= 2:
        audio_media = a[:, 0] - a[0, 0]
        heard = np.interp(v[:, 1], a[:, 1], audio_media, left=np.nan, right=np.nan)
        drift = (media - heard) * 1000.0
        ok = np.isfinite(drift)
        last = ok & (v[:, 1] >= v[-1, 1] - 1.0)
        out["av_drift_ms"] = {"median": float(np.median(drift[ok])), "max_abs": float(np.abs(drift[ok]).max()),
                              "final": float(np.median(drift[last])) if last.any() else float("nan")} \
            if ok.any() else None
    else:
        out["av_drift_ms"] = None
        notes.append("fewer than 2 audio packets: no audio/video drift")
    return out


__all__ = ["StreamLog", "read_stream_log", "live_figures"]
