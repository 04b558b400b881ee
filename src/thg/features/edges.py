"""Image statistics shared by the renderer (match the photo's own blur) and the realism measures.

:func:`edge_hardness` is the one definition of "how sharp an edge is": the renderer blurs the
opening it draws to the photo's own lip edge, and :mod:`thg.eval.functional.dlib68` reports the
output's inner-lip edge against the same figure of the photo."""

from __future__ import annotations

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114])  # BT.601


def luma(image: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Luma (BT.601) of RGB pixels (…×3), as ``dtype``."""
    return image.astype(dtype, copy=False) @ LUMA.astype(dtype)


def edge_hardness(image: np.ndarray, polygon: np.ndarray, band: int = 2, q: float = 95) -> float:
    """How hard (not how contrasty) the edge along a closed contour is, in 1/px: the ``q``-th
    percentile of the luma gradient magnitude (3×3 Sobel / 8: grey levels per pixel) over a band of
    pixels within ``band`` px of the contour (a closed polyline 2·band + 1 thick), divided by the
    contrast across that band (the ``q``-th minus the (100 − ``q``)-th percentile of its luma).

    A one-pixel step scores about 0.5, a step blurred over w pixels about 1/w, whatever its
    contrast; so a dark mouth interior behind pale lips is not called hard for being dark, only
    for being cut out with an edge sharper than the photo's own."""
    y = luma(image)
    grad = np.hypot(cv2.Sobel(y, cv2.CV_64F, 1, 0), cv2.Sobel(y, cv2.CV_64F, 0, 1)) / 8
    ring = np.zeros(y.shape, np.uint8)
    cv2.polylines(ring, [np.round(polygon).astype(np.int32)], True, 1, thickness=2 * band + 1)
    inside = ring > 0
    contrast = np.percentile(y[inside], q) - np.percentile(y[inside], 100 - q)
    return float(np.percentile(grad[inside], q) / max(contrast, 1.0))
