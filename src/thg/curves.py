"""The one soft ramp the project eases with: motion envelopes, render masks, the dub's blend."""

from __future__ import annotations

import numpy as np


def smoothstep(e0: float | np.ndarray, e1: float | np.ndarray, x) -> np.ndarray:
    """0 at and below ``e0``, 1 at and above ``e1``, C¹ in between (3t² − 2t³); float32. The edges
    may be arrays that broadcast with ``x``."""
    t = np.clip((np.asarray(x, dtype=np.float32) - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)
