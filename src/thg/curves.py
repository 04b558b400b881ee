"""The one soft ramp the project eases with (motion envelopes, render masks, the dub's blend), and
the one way a line read point by point is rid of stray readings (lip and lash edges)."""

from __future__ import annotations

import numpy as np


def smoothstep(e0: float | np.ndarray, e1: float | np.ndarray, x) -> np.ndarray:
    """0 at and below ``e0``, 1 at and above ``e1``, C¹ in between (3t² − 2t³); float32. The edges
    may be arrays that broadcast with ``x``."""
    t = np.clip((np.asarray(x, dtype=np.float32) - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def despeckle(values, width: int) -> np.ndarray:
    """``values`` read one by one along a line (a lip's edge column by column, a lash band slice by
    slice) without a stray reading or a short run of them: a running median over ``width`` (odd;
    the ends repeated), then a binomial [1, 2, 1] / 4 smoothing; float64."""
    padded = np.pad(np.asarray(values, np.float64), width // 2, mode="edge")
    median = np.median(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)
    return np.convolve(np.pad(median, 1, mode="edge"), [0.25, 0.5, 0.25], "valid")
