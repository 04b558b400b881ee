"""Plain records shared by the evaluation modules: file kinds, JSON-safe values.

A leaf module: it imports nothing from ``thg.eval`` (only the suffix lists of ``thg.io.formats``), so
the runner, the report, the statistics and the MOS tools can all use it without importing one another.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from thg.io.formats import READ

# the suffixes of thg.io.formats (the one list); in a folder an .mp4 is a video, never speech
VIDEO_SUFFIXES = READ["video"]
AUDIO_SUFFIXES = tuple(s for s in READ["audio"] if s not in READ["video"])
IMAGE_SUFFIXES = READ["image"]


def jsonable(obj):
    """Plain JSON values: NaN/inf -> None, numpy -> Python, paths -> str, tuples/sets -> lists."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in (sorted(obj) if isinstance(obj, (set, frozenset)) else obj)]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    return str(obj)


def as_float(v) -> float:
    return math.nan if v is None else float(v)


__all__ = ["VIDEO_SUFFIXES", "AUDIO_SUFFIXES", "IMAGE_SUFFIXES", "jsonable", "as_float"]
