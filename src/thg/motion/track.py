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
}
CHANNEL_NAMES = tuple(CHANNELS)


@dataclass
class MotionTrack:
    """Per-frame motion: ``values`` is frames × channels in the order of :data:`CHANNEL_NAMES`."""

    fps: float
    values: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float32).reshape(-1, len(CHANNEL_NAMES))
        if not self.fps > 0:
            raise InputError(f"motion fps must be positive, got {self.fps}")

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
    def from_json(cls, doc: dict, *, name: str = "motion") -> MotionTrack:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise InputError(f"{name}: not a thg motion file (\"format\": \"{FORMAT}\" missing); "
                             f"write one with --save-motion")
        if doc.get("version") != VERSION:
            raise InputError(f"{name}: motion file version {doc.get('version')} is not supported "
                             f"(this thg reads version {VERSION}); re-create it with this version")
        frames = doc.get("frames")
        if not isinstance(frames, list) or not frames:
            raise InputError(f"{name}: motion file has no frames; it needs a non-empty \"frames\" list")
        values = np.zeros((len(frames), len(CHANNEL_NAMES)), np.float32)
        for i, fr in enumerate(frames):
            if not isinstance(fr, dict):
                raise InputError(f"{name}: frame {i} is not an object of channel values")
            for key, v in fr.items():
                if key not in CHANNELS:
                    raise InputError(f"{name}: frame {i} has unknown channel {key!r}; "
                                     f"known channels: {', '.join(CHANNEL_NAMES)}")
                if not isinstance(v, (int, float)) or not np.isfinite(v):
                    raise InputError(f"{name}: frame {i} channel {key!r} is {v!r}; expected a number")
                values[i, CHANNEL_NAMES.index(key)] = v
        try:
            fps = float(doc.get("fps", 25.0))
        except (TypeError, ValueError):
            raise InputError(f"{name}: fps {doc.get('fps')!r} is not a number") from None
        return cls(fps, values, dict(doc.get("meta") or {}))

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> None:
        """Write the JSON file (atomically); an existing file is replaced only with ``overwrite``."""
        from thg.io.output import atomic_output

        with atomic_output(path, overwrite=overwrite) as tmp:
            tmp.write_text(json.dumps(self.to_json(), indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike) -> MotionTrack:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: motion file not found; check the path")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"{path}: motion file is not valid JSON ({e}); fix or re-create it") from None
        return cls.from_json(doc, name=str(path))
