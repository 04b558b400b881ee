"""The one least-squares similarity fit (rotation, uniform scale, translation) of point sets.

Umeyama (1991), "Least-squares estimation of transformation parameters between two point
patterns": the rotation comes from the SVD of the cross-covariance, with the last axis flipped
when the best orthogonal map would be a reflection, so ``R`` is always a proper rotation.
Head pose (:mod:`thg.reenact.measure`), face alignment and the mesh metrics all use it.
"""

from __future__ import annotations

import numpy as np


def similarity_fit(src: np.ndarray, dst: np.ndarray, *, with_scale: bool = True) -> tuple[float, np.ndarray, np.ndarray]:
    """``(s, R, t)`` minimising ``|s·R·src + t − dst|²`` over N×D point pairs (D = 2 or 3)."""
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    u, d, vt = np.linalg.svd(b.T @ a / len(src))
    sign = np.ones(src.shape[1])
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0
    rot = u @ np.diag(sign) @ vt
    var = (a ** 2).sum() / len(src)
    scale = float((d * sign).sum() / max(var, 1e-12)) if with_scale else 1.0
    return scale, rot, mu_d - scale * rot @ mu_s
