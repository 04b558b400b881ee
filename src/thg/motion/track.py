"""The per-frame motion file: thg's open, editable intermediate representation.

A motion track is what every driver (audio, text, a driving video) produces and what every renderer
consumes. It is saved as JSON::

    {
      "format": "thg-motion",
      "version": 1,
      "fps": 25.0,
      "channels": {"yaw": "degrees, + turns to the subject's left", ...},
      "meta": {"driver": "text", "seed": 0, ...},
      "frames": [{"yaw": 0.0, "pitch": 0.0, ..., "mouth_open": 0.12, ...}, ...]
    }

Every channel is optional in a frame; a missing one means its neutral value (0), so a hand-written
file may give only the channels it changes. Values are relative to the portrait's own neutral face,
except ``mouth_open`` which is absolute (0 = lips together, whatever the photo shows).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thg.errors import InputError

FORMAT = "thg-motion"
VERSION = 1

#: Channel name -> unit and meaning. The order is the column order of :attr:`MotionTrack.values`.
CHANNELS: dict[str, str] = {
    "yaw": "head turn in degrees; + turns toward the subject's left",
    "pitch": "head nod in degrees; + tilts the chin down",
    "roll": "head tilt in degrees; + tilts toward the subject's left shoulder",
    "shift_x": "head shift, fraction of face size; + moves right in the image",
    "shift_y": "head shift, fraction of face size; + moves down in the image",
    "mouth_open": "inner-lip gap / mouth width; 0 = closed, about 0.5 = wide open",
    "mouth_wide": "mouth-width change, fraction of width; + spreads (/i/), - narrows",
    "mouth_round": "lip rounding 0..1 (/o u w/): corners in, lips pushed out",
    "smile": "mouth corners; + up (smile), - down (frown), about -1..1",
    "blink_l": "subject's left eyelid closure 0 (open) .. 1 (closed); negative widens",
    "blink_r": "subject's right eyelid closure 0 (open) .. 1 (closed); negative widens",
    "brow_l": "subject's left brow raise, about -1 (frown) .. 1 (raised)",
    "brow_r": "subject's right brow raise, about -1 (frown) .. 1 (raised)",
    "brow_in": "inner brows together and down (anger, concentration) 0..1",
    "gaze_x": "gaze, fraction of eye width; + toward the image right",
    "gaze_y": "gaze, fraction of eye height; + down",
    "tongue": "tongue raised 0 (resting on the floor of the mouth) .. 1 (its tip at the upper teeth: /t d n l/)",
}
CHANNEL_NAMES = tuple(CHANNELS)

#: Channel name -> the values a motion file may hold (a generous bound on what a face can do;
#: beyond it the renderer would tear the face or take unbounded time). Streams and files are
#: checked against it; what thg derives itself stays well inside.
CHANNEL_LIMITS: dict[str, tuple[float, float]] = {
    "yaw": (-60.0, 60.0), "pitch": (-45.0, 45.0), "roll": (-45.0, 45.0),
    "shift_x": (-0.5, 0.5), "shift_y": (-0.5, 0.5),
    "mouth_open": (-0.1, 1.5), "mouth_wide": (-1.5, 1.5), "mouth_round": (-1.0, 1.5), "smile": (-3.0, 3.0),
    "blink_l": (-2.0, 2.0), "blink_r": (-2.0, 2.0),
    "brow_l": (-4.0, 4.0), "brow_r": (-4.0, 4.0), "brow_in": (-1.0, 4.0),
    "gaze_x": (-1.0, 1.0), "gaze_y": (-1.0, 1.0), "tongue": (-1.0, 2.0),
}
FPS_RANGE = (1.0, 120.0)
MAX_FILE_BYTES = 256 << 20


@dataclass
class MotionTrack:
    """Per-frame motion: ``values`` is frames × channels in the order of :data:`CHANNEL_NAMES`."""

    fps: float
    values: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float32).reshape(-1, len(CHANNEL_NAMES))
        if not (isinstance(self.fps, (int, float)) and np.isfinite(self.fps) and self.fps > 0):
            raise InputError(f"motion fps must be a positive number, got {self.fps!r}")

    @classmethod
    def zeros(cls, n_frames: int, fps: float, **meta) -> MotionTrack:
        return cls(fps, np.zeros((n_frames, len(CHANNEL_NAMES)), np.float32), dict(meta))

    def __len__(self) -> int:
        return len(self.values)

    @property
    def duration(self) -> float:
        return len(self) / self.fps

    def __getitem__(self, channel: str) -> np.ndarray:
        return self.values[:, CHANNEL_NAMES.index(channel)]

    def __setitem__(self, channel: str, column: np.ndarray) -> None:
        self.values[:, CHANNEL_NAMES.index(channel)] = column

    def frame(self, i: int) -> dict[str, float]:
        return {name: float(v) for name, v in zip(CHANNEL_NAMES, self.values[i])}

    # --- file format ---------------------------------------------------------------------------
    def to_json(self) -> dict:
        frames = [{name: round(float(v), 4) for name, v in zip(CHANNEL_NAMES, row)} for row in self.values]
        return {"format": FORMAT, "version": VERSION, "fps": self.fps, "channels": CHANNELS,
                "meta": self.meta, "frames": frames}

    @classmethod
    def from_json(cls, doc: dict, *, name: str = "motion", max_seconds: float | None = None) -> MotionTrack:
        """A track from a parsed motion file; anything malformed or out of :data:`CHANNEL_LIMITS`
        (or longer than ``max_seconds``) is one :class:`InputError` naming the place."""
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise InputError(f"{name}: not a thg motion file (\"format\": \"{FORMAT}\" missing); "
                             f"write one with --save-motion")
        if doc.get("version") != VERSION:
            raise InputError(f"{name}: motion file version {doc.get('version')} is not supported "
                             f"(this thg reads version {VERSION}); re-create it with this version")
        fps = doc.get("fps", 25.0)
        lo, hi = FPS_RANGE
        if not _is_number(fps) or not lo <= fps <= hi:
            raise InputError(f"{name}: fps {_short(fps)} is not a frame rate from {lo:g} to {hi:g}")
        frames = doc.get("frames")
        if not isinstance(frames, list) or not frames:
            raise InputError(f"{name}: motion file has no frames; it needs a non-empty \"frames\" list")
        if max_seconds is not None and len(frames) > max_seconds * fps:
            raise InputError(f"{name}: motion file has {len(frames)} frames ({len(frames) / fps:.0f} s), over the "
                             f"{max_seconds:g} s limit; split it or raise --max-seconds")
        meta = doc.get("meta", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise InputError(f"{name}: \"meta\" is {type(meta).__name__}; it must be an object (or left out)")
        values = np.zeros((len(frames), len(CHANNEL_NAMES)), np.float32)
        for i, fr in enumerate(frames):
            if not isinstance(fr, dict):
                raise InputError(f"{name}: frame {i} is not an object of channel values")
            for key, v in fr.items():
                if key not in CHANNELS:
                    raise InputError(f"{name}: frame {i} has unknown channel {_short(key)}; "
                                     f"known channels: {', '.join(CHANNEL_NAMES)}")
                lo, hi = CHANNEL_LIMITS[key]
                if not _is_number(v):
                    raise InputError(f"{name}: frame {i} channel {key!r} is {_short(v)}; expected a number")
                if not lo <= v <= hi:
                    raise InputError(f"{name}: frame {i} channel {key!r} is {_short(v)}, outside {lo:g} to {hi:g} "
                                     f"({CHANNELS[key]})")
                values[i, CHANNEL_NAMES.index(key)] = v
        return cls(float(fps), values, dict(meta))

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> None:
        """Write the JSON file (atomically); an existing file is replaced only with ``overwrite``."""
        from thg.io.output import atomic_output

        with atomic_output(path, overwrite=overwrite) as tmp:
            tmp.write_text(json.dumps(self.to_json(), indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike, *, max_seconds: float | None = None) -> MotionTrack:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: motion file not found; check the path")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: motion file is {path.stat().st_size >> 20} MB, over the "
                             f"{MAX_FILE_BYTES >> 20} MB a motion file may have; split it")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:  # ValueError: also 5000-digit numbers
            reason = "nested too deeply" if isinstance(e, RecursionError) else str(e)[:200]
            raise InputError(f"{path}: motion file is not valid JSON ({reason}); fix or re-create it") from None
        return cls.from_json(doc, name=str(path), max_seconds=max_seconds)


def _is_number(v) -> bool:
    """A finite JSON number (``true``/``false`` are not numbers; a 400-digit integer is not finite here)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return bool(np.isfinite(float(v)))
    except OverflowError:
        return False


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."
