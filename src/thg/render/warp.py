"""Piecewise-affine backward warping of a crop, fast on a CPU.

For each output pixel we need the source position it shows. The source positions of the control
points are known; between them the map is linear over the *target* triangles. The triangles are
rasterised (by index) on a grid ``step`` times coarser than the crop, the backward offsets are
interpolated there with barycentric weights, and the offset field is upsampled bilinearly. Because
the offset field is continuous, the upsampling keeps edges in the image sharp; only the warp's own
kinks are smoothed over ``step`` pixels. Small features that move a lot (eyelids, lips) get
full-resolution patches: ``detail`` regions are re-rasterised at step 1 around their target box.
"""

from __future__ import annotations

import cv2
import numpy as np

SHIFT = 4  # sub-pixel bits for cv2.fillConvexPoly


def _interpolate(source: np.ndarray, target: np.ndarray, triangles: np.ndarray, origin: tuple[float, float],
                 shape: tuple[int, int], step: int) -> tuple[np.ndarray, np.ndarray]:
    """Backward offsets on a grid of ``shape`` cells of ``step`` px whose cell (0, 0) is centred on
    crop pixel ``origin + (step - 1) / 2``; returns (offsets h×w×2, covered h×w)."""
    gh, gw = shape
    ids = np.full((gh, gw), -1, np.int32)
    ox, oy = origin
    # grid coordinate of a crop point: (x - ox + .5) / step - .5
    grid_pts = np.empty_like(target)
    grid_pts[:, 0] = (target[:, 0] - ox + 0.5) / step - 0.5
    grid_pts[:, 1] = (target[:, 1] - oy + 0.5) / step - 0.5
    pts = np.round(grid_pts * (1 << SHIFT)).astype(np.int32)
    for k, t in enumerate(triangles):
        cv2.fillConvexPoly(ids, pts[t], k, lineType=cv2.LINE_8, shift=SHIFT)
    flat = ids.reshape(-1)
    covered = flat >= 0
    k = flat[covered]
    cells = np.flatnonzero(covered)
    p = np.column_stack([ox + (cells % gw + 0.5) * step - 0.5, oy + (cells // gw + 0.5) * step - 0.5])
    tri = triangles[k]
    a, b, c = target[tri[:, 0]], target[tri[:, 1]], target[tri[:, 2]]
    v0, v1, v2 = b - a, c - a, p - a
    d00 = (v0 * v0).sum(1)
    d01 = (v0 * v1).sum(1)
    d11 = (v1 * v1).sum(1)
    d20 = (v2 * v0).sum(1)
    d21 = (v2 * v1).sum(1)
    den = d00 * d11 - d01 * d01
    ok = np.abs(den) > 1e-9
    den = np.where(ok, den, 1.0)
    l1 = np.where(ok, (d11 * d20 - d01 * d21) / den, 0.0)
    l2 = np.where(ok, (d00 * d21 - d01 * d20) / den, 0.0)
    # cells on a triangle's rim can fall just outside it; a convex combination keeps slivers tame
    l1, l2 = np.clip(l1, 0, 1), np.clip(l2, 0, 1)
    total = np.maximum(l1 + l2, 1.0)
    l1, l2 = l1 / total, l2 / total
    l0 = 1.0 - l1 - l2
    disp = source - target
    out = np.zeros((flat.size, 2), np.float32)
    out[covered] = l0[:, None] * disp[tri[:, 0]] + l1[:, None] * disp[tri[:, 1]] + l2[:, None] * disp[tri[:, 2]]
    return out.reshape(gh, gw, 2), covered.reshape(gh, gw)


class MeshWarper:
    """Warps a crop of ``size`` (width, height) by moving the control points of ``triangles``.

    ``detail`` is a list of (point indices, triangle subset) pairs: regions re-done at full resolution.
    """

    def __init__(self, size: tuple[int, int], triangles: np.ndarray, step: int = 4,
                 detail: list[tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self.width, self.height = size
        self.triangles = triangles
        self.step = step
        self.detail = detail or []
        self.gw, self.gh = -(-self.width // step), -(-self.height // step)
        xs, ys = np.meshgrid(np.arange(self.width, dtype=np.float32), np.arange(self.height, dtype=np.float32))
        self._base_x, self._base_y = xs, ys

    def maps(self, source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Full-resolution remap tables (map_x, map_y) for ``cv2.remap``."""
        source = source.astype(np.float32)
        target = target.astype(np.float32)
        off, _ = _interpolate(source, target, self.triangles, (0.0, 0.0), (self.gh, self.gw), self.step)
        full = cv2.resize(off, (self.gw * self.step, self.gh * self.step), interpolation=cv2.INTER_LINEAR)
        full = np.ascontiguousarray(full[: self.height, : self.width])
        if self.step > 1:
            for points, tris in self.detail:
                box = np.concatenate([target[points], source[points]])
                x0, y0 = np.maximum(np.floor(box.min(0)).astype(int) - 2, 0)
                x1, y1 = np.minimum(np.ceil(box.max(0)).astype(int) + 3, [self.width, self.height])
                if x1 <= x0 or y1 <= y0:
                    continue
                fine, covered = _interpolate(source, target, tris, (float(x0), float(y0)), (y1 - y0, x1 - x0), 1)
                patch = full[y0:y1, x0:x1]
                patch[covered] = fine[covered]
        return self._base_x + full[:, :, 0], self._base_y + full[:, :, 1]

    def warp(self, image: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        mx, my = self.maps(source, target)
        return cv2.remap(image, mx, my, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
