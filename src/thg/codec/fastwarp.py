"""A faster stand-in for the mesh warper, for the decoder's frame rate.

:class:`thg.render.warp.MeshWarper` rasterises the *target* triangles every frame (a thousand
polygon fills). Here the triangles are rasterised once, on the *source* (the key frame's mesh,
which never changes): a sparse matrix then turns the control points' displacement into a forward
displacement field in one product, and the backward map the remap needs is found by a few
fixed-point steps ``s = t - F(s)``. The eyes and mouth, where lids and lips fold over, are
re-done exactly at full resolution, as the mesh warper does.
"""

from __future__ import annotations

import cv2
import numpy as np

from thg.render.warp import SHIFT, _interpolate
from thg.render.renderer import MeshWarpRenderer

FIXED_POINT_STEPS = 3


class FieldWarper:
    def __init__(self, size: tuple[int, int], triangles: np.ndarray, source: np.ndarray, step: int = 4,
                 detail: list[tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        from scipy.sparse import csr_matrix

        self.width, self.height = size
        self.step, self.detail = step, detail or []
        self.gw, self.gh = -(-self.width // step), -(-self.height // step)
        src = source.astype(np.float64)
        ids = np.full((self.gh, self.gw), -1, np.int32)
        grid = np.empty_like(src)
        grid[:, 0] = (src[:, 0] + 0.5) / step - 0.5
        grid[:, 1] = (src[:, 1] + 0.5) / step - 0.5
        pts = np.round(grid * (1 << SHIFT)).astype(np.int32)
        # hole fills come first in the rig's triangle list; the surface drawn last wins
        for k, t in enumerate(triangles):
            cv2.fillConvexPoly(ids, pts[t], k, lineType=cv2.LINE_8, shift=SHIFT)
        flat = ids.reshape(-1)
        cells = np.flatnonzero(flat >= 0)
        tri = triangles[flat[cells]]
        p = np.column_stack([(cells % self.gw + 0.5) * step - 0.5, (cells // self.gw + 0.5) * step - 0.5])
        a, b, c = src[tri[:, 0]], src[tri[:, 1]], src[tri[:, 2]]
        v0, v1, v2 = b - a, c - a, p - a
        d00, d01, d11 = (v0 * v0).sum(1), (v0 * v1).sum(1), (v1 * v1).sum(1)
        d20, d21 = (v2 * v0).sum(1), (v2 * v1).sum(1)
        den = d00 * d11 - d01 * d01
        den = np.where(np.abs(den) > 1e-9, den, 1.0)
        l1 = np.clip((d11 * d20 - d01 * d21) / den, 0, 1)
        l2 = np.clip((d00 * d21 - d01 * d20) / den, 0, 1)
        total = np.maximum(l1 + l2, 1.0)
        l1, l2 = l1 / total, l2 / total
        l0 = 1 - l1 - l2
        rows = np.repeat(cells, 3)
        cols = tri.reshape(-1)
        vals = np.column_stack([l0, l1, l2]).reshape(-1)
        self.weights = csr_matrix((vals, (rows, cols)), shape=(self.gh * self.gw, len(src)))
        xs, ys = np.meshgrid(np.arange(self.width, dtype=np.float32), np.arange(self.height, dtype=np.float32))
        self._base_x, self._base_y = xs, ys
        gx, gy = np.meshgrid(np.arange(self.gw, dtype=np.float32), np.arange(self.gh, dtype=np.float32))
        self._grid_x, self._grid_y = gx, gy

    def maps(self, source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        source = source.astype(np.float32)
        target = target.astype(np.float32)
        step = self.step
        forward = (self.weights @ (target - source).astype(np.float64)).astype(np.float32).reshape(self.gh, self.gw, 2)
        fx, fy = np.ascontiguousarray(forward[:, :, 0]), np.ascontiguousarray(forward[:, :, 1])
        # backward offsets o(t) = s - t on the coarse grid, from s = t - F(s); F is sampled in grid units
        gx, gy = self._grid_x, self._grid_y
        ox, oy = -fx, -fy
        for _ in range(FIXED_POINT_STEPS):
            sx, sy = gx + ox / step, gy + oy / step
            ox = -cv2.remap(fx, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            oy = -cv2.remap(fy, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        off = cv2.resize(np.dstack([ox, oy]), (self.gw * step, self.gh * step), interpolation=cv2.INTER_LINEAR)
        off = off[: self.height, : self.width]
        mx, my = self._base_x + off[:, :, 0], self._base_y + off[:, :, 1]
        for points, tris in self.detail:
            box = np.concatenate([target[points], source[points]])
            x0, y0 = np.maximum(np.floor(box.min(0)).astype(int) - 2, 0)
            x1, y1 = np.minimum(np.ceil(box.max(0)).astype(int) + 3, [self.width, self.height])
            if x1 <= x0 or y1 <= y0:
                continue
            fine, covered = _interpolate(source, target, tris, (float(x0), float(y0)), (y1 - y0, x1 - x0), 1)
            px, py = mx[y0:y1, x0:x1], my[y0:y1, x0:x1]
            px[covered] = self._base_x[y0:y1, x0:x1][covered] + fine[covered][:, 0]
            py[covered] = self._base_y[y0:y1, x0:x1][covered] + fine[covered][:, 1]
        return mx, my

    def warp(self, image: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        mx, my = self.maps(source, target)
        return cv2.remap(image, mx, my, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


class FastMeshWarpRenderer(MeshWarpRenderer):
    """:class:`MeshWarpRenderer` with the field warper: same rig, mouth and eyes, about twice as fast."""

    def prepare(self, portrait, face) -> None:
        super().prepare(portrait, face)
        self.warper = FieldWarper(self.rig.size, self.rig.triangles, self.source_xy, self.warper.step,
                                  detail=self.rig.detail_regions())
