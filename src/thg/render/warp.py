"""Piecewise-affine backward warping of a crop, fast on a CPU.

For each output pixel we need the source position it shows. The source positions of the control
points are known; between them the map is linear over the *target* triangles. The triangles are
rasterised (by index) on a grid ``step`` times coarser than the crop, the backward offsets are
interpolated there with barycentric weights, and the offset field is upsampled bilinearly. Because
the offset field is continuous, the upsampling keeps edges in the image sharp; only the warp's own
kinks are smoothed over ``step`` pixels. Small features that move a lot (eyelids, lips) get
full-resolution patches: ``detail`` regions are re-rasterised at step 1 around their target box.

The remaps of a crop are smaller than OpenCV's unit of parallel work (2^16 output pixels), so the
final sampling is split by rows over two threads here instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

SHIFT = 4  # sub-pixel bits for cv2.fillConvexPoly
SLIVER = 0.3  # grid cells: a target triangle narrower than this is mapped along its longest side
#: the fine detail that bilinear sampling of a 2× enlargement loses, given back with an unsharp mask
#: (gain, σ px): a moved face's skin keeps 86-88 % of the photo's high-frequency energy without it,
#: 99-103 % with it (the astronaut, Grace Hopper; 0.5 gives 110-114 %, halos on the lash lines)
DETAIL_GAIN = (0.3, 0.8)
LANCZOS_COST = 16  # a Lanczos-sampled pixel costs cv2.remap about this many bilinear ones

_helper: ThreadPoolExecutor | None = None


def _forget_helper() -> None:
    global _helper
    _helper = None  # a forked child has the executor but not its thread


if hasattr(os, "register_at_fork"):   # (POSIX only: elsewhere nothing forks)
    os.register_at_fork(after_in_child=_forget_helper)


def _on_two_cores(first: Callable[[], None], second: Callable[[], None]) -> None:
    """Run ``first`` on this thread and ``second`` on a helper thread at the same time (or one
    after the other where OpenCV is told to use one thread). Both must be mostly OpenCV calls,
    which release the GIL, on separate parts of their outputs: cv2 splits a remap over the cores
    only in stripes of 2^16 output pixels, and the crop's remaps are smaller than two of them."""
    global _helper
    if cv2.getNumThreads() < 2:
        first()
        second()
        return
    if _helper is None:
        _helper = ThreadPoolExecutor(1, thread_name_prefix="warp-helper")   # one for the process, like cv2's own pool
    job = _helper.submit(second)
    try:
        first()
    finally:
        job.result()


def _affine_per_triangle(source: np.ndarray, target: np.ndarray, triangles: np.ndarray,
                         step: int) -> np.ndarray:
    """For each triangle, the affine map target point -> backward offset (source - target), as the
    rows (a, b, c, d, e, f) of a 6×(T+1) array: offset = (a x + b y + c, d x + e y + f). A
    triangle smaller than 0.05 grid cells (collapsed lips or lids) or narrower than :data:`SLIVER`
    cells is mapped along its longest side alone, so nothing explodes on slivers.
    One extra column at the end is the identity (offset 0) for cells no triangle covers."""
    corners = target[triangles]                           # T×3×2: a, b, c
    a = corners[:, 0]
    disp = (source - target)[triangles]                   # T×3×2
    edges = corners[:, [1, 2, 0]] - corners               # T×3×2: a->b, b->c, c->a
    e1, e2 = edges[:, 0], -edges[:, 2]                    # (a - c is exactly -(c - a))
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    lengths = np.hypot(edges[..., 0], edges[..., 1])
    # (a sliver's map, extrapolated to the pixels just beside it that rasterising gives it, jumps by
    # pixels: a mouth corner's streak of skin drawn where the opening's edge should be)
    good = (np.abs(det) > 0.1 * step * step) & (np.abs(det) > SLIVER * step * lengths.max(1))
    det = np.where(good, det, 1.0)
    # inverse of [e1 e2] (columns): maps (p - a) to barycentric (l1, l2)
    inv = np.stack([e2[:, 1], -e2[:, 0], -e1[:, 1], e1[:, 0]], 1) / det[:, None]
    d1, d2 = disp[:, 1] - disp[:, 0], disp[:, 2] - disp[:, 0]
    # a sliver is mapped along its longest side: the offset goes linearly from one end to the other
    k = lengths.argmax(1)
    rows = np.arange(len(triangles))
    start, along = corners[rows, k], edges[rows, k]
    d_start, d_end = disp[rows, k], disp[rows, (k + 1) % 3]
    along = along / np.maximum((along ** 2).sum(1), 1e-6)[:, None]   # so that (p - start)·along runs 0..1
    # both offset components at once (T×2 columns), the same arithmetic per element as one at a time
    gx = d1 * inv[:, 0:1] + d2 * inv[:, 2:3]   # d offset / dx
    gy = d1 * inv[:, 1:2] + d2 * inv[:, 3:4]   # d offset / dy
    const = disp[:, 0] - gx * a[:, 0:1] - gy * a[:, 1:2]
    step_along = d_end - d_start
    sx, sy = step_along * along[:, 0:1], step_along * along[:, 1:2]
    s_const = d_start - sx * start[:, 0:1] - sy * start[:, 1:2]
    out = np.zeros((2, 3, len(triangles) + 1), np.float32)   # (a, b, c), (d, e, f): rows, each contiguous
    good = good[:, None]
    out[:, 0, :-1] = np.where(good, gx, sx).T
    out[:, 1, :-1] = np.where(good, gy, sy).T
    out[:, 2, :-1] = np.where(good, const, s_const).T
    return out.reshape(6, -1)


def _interpolate(target: np.ndarray, triangles: np.ndarray, affine: np.ndarray, first: int,
                 origin: tuple[float, float], shape: tuple[int, int], step: int) -> tuple[np.ndarray, np.ndarray]:
    """Backward offsets on a grid of ``shape`` cells of ``step`` px whose cell (0, 0) is centred on
    crop pixel ``origin + (step - 1) / 2``; returns (offsets h×w×2, covered h×w). ``affine`` holds
    the maps (:func:`_affine_per_triangle`) of a list of triangles of which ``triangles`` are the
    ones from ``first`` on, so that the maps of several regions' triangles are found in one call."""
    gh, gw = shape
    none = affine.shape[1] - 1   # the identity
    ids = np.full((gh, gw), none, np.int32)
    ox, oy = origin
    # grid coordinate of a crop point: (x - ox + .5) / step - .5, in fixed point for fillConvexPoly
    grid_pts = (target - [ox, oy] + 0.5) / step - 0.5
    corners = np.round(grid_pts * (1 << SHIFT)).astype(np.int32)[triangles]
    for k, corner in enumerate(list(corners), first):   # (positional arguments: keywords cost cv2 a third more)
        cv2.fillConvexPoly(ids, corner, k, cv2.LINE_8, SHIFT)
    # each coefficient looked up on its own: six np.take of a row are faster than one of columns
    a, b, c, d, e, f = (row.take(ids) for row in affine)
    px = (ox + (np.arange(gw, dtype=np.float32) + 0.5) * step - 0.5)[None, :]
    py = (oy + (np.arange(gh, dtype=np.float32) + 0.5) * step - 0.5)[:, None]
    out = np.empty((gh, gw, 2), np.float32)
    out[..., 0] = a * px + b * py + c
    out[..., 1] = d * px + e * py + f
    return out, ids < none


class _AffineTest:
    """Whether points move by one affine map (to within ``tolerance`` pixels) from fixed ``source``
    positions: the least-squares fit is a product with the pseudo-inverse, computed once."""

    def __init__(self, source: np.ndarray, tolerance: float = 0.5) -> None:
        self.design = np.hstack([source, np.ones((len(source), 1))]).astype(np.float32)
        self.pinv = np.linalg.pinv(self.design).astype(np.float32)
        self.tolerance = tolerance

    def __call__(self, target: np.ndarray) -> bool:
        fit = self.design @ (self.pinv @ target)
        return bool(np.abs(fit - target).max() < self.tolerance)


def _source_weights(source: np.ndarray, triangles: np.ndarray, shape: tuple[int, int], step: int):
    """Sparse barycentric weights (cells × points) of the coarse grid in the *source* mesh: the
    forward displacement of any motion is then one sparse product."""
    from scipy.sparse import csr_matrix

    gh, gw = shape
    ids = np.full((gh, gw), -1, np.int32)
    grid_pts = (source + 0.5) / step - 0.5
    corners = np.round(grid_pts * (1 << SHIFT)).astype(np.int32)[triangles]
    for t in range(len(triangles)):
        cv2.fillConvexPoly(ids, corners[t], t, lineType=cv2.LINE_8, shift=SHIFT)
    flat = ids.reshape(-1)
    cells = np.flatnonzero(flat >= 0)
    k = flat[cells]
    px = (cells % gw + 0.5) * step - 0.5
    py = (cells // gw + 0.5) * step - 0.5
    tri = triangles[k]
    a, b, c = source[tri[:, 0]], source[tri[:, 1]], source[tri[:, 2]]
    e1, e2 = b - a, c - a
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    det = np.where(np.abs(det) > 1e-9, det, 1.0)
    dx, dy = px - a[:, 0], py - a[:, 1]
    l1 = np.clip((dx * e2[:, 1] - dy * e2[:, 0]) / det, 0, 1)
    l2 = np.clip((dy * e1[:, 0] - dx * e1[:, 1]) / det, 0, 1)
    total = np.maximum(l1 + l2, 1.0)
    l1, l2 = l1 / total, l2 / total
    rows = np.repeat(cells, 3)
    cols = tri.reshape(-1)
    vals = np.stack([1 - l1 - l2, l1, l2], 1).reshape(-1)
    return csr_matrix((vals.astype(np.float32), (rows, cols)), shape=(gh * gw, len(source)))


def _with_detail_back(image: np.ndarray) -> np.ndarray:
    """``image`` (uint8) sampled bilinearly from a 2× enlargement, with the fine detail that
    sampling softened given back (:data:`DETAIL_GAIN`)."""
    gain, sigma = DETAIL_GAIN
    return cv2.addWeighted(image, 1 + gain, cv2.GaussianBlur(image, (0, 0), sigma), -gain, 0)


class Texture:
    """An image to warp, with its 2× bicubic enlargement: sampled bilinearly, the enlargement keeps
    the image's fine texture about as well as bicubic sampling of the image (a bilinear
    sub-pixel shift of the image itself loses about a third of the lips' high-frequency energy),
    at less than half the cost."""

    def __init__(self, image: np.ndarray) -> None:
        self.image = image
        self.double = cv2.resize(image, (2 * image.shape[1], 2 * image.shape[0]), interpolation=cv2.INTER_CUBIC)

    def update(self, box: tuple[int, int, int, int]) -> None:
        """Redo the enlargement over ``box`` (x0, y0, x1, y1) after the image changed there."""
        h, w = self.image.shape[:2]
        x0, y0, x1, y1 = box
        m0x, m0y = max(x0 - 2, 0), max(y0 - 2, 0)  # bicubic reads two pixels around each
        m1x, m1y = min(x1 + 2, w), min(y1 + 2, h)
        part = cv2.resize(self.image[m0y:m1y, m0x:m1x], (2 * (m1x - m0x), 2 * (m1y - m0y)),
                          interpolation=cv2.INTER_CUBIC)
        oy, ox = 2 * (y0 - m0y), 2 * (x0 - m0x)
        self.double[2 * y0: 2 * y1, 2 * x0: 2 * x1] = part[oy: oy + 2 * (y1 - y0), ox: ox + 2 * (x1 - x0)]


class MeshWarper:
    """Warps a crop of ``size`` (width, height) by moving the control points of ``triangles``.

    ``detail`` is a list of (point indices, triangle subset) pairs: regions re-done at full resolution.
    With ``fixed_point`` the coarse field is found without rasterising the moved mesh: the forward
    displacement F is known on the source grid (one sparse product) and the backward offset solves
    x = p - F(x) by iteration, which converges wherever the motion does not fold (|grad F| < 1),
    that is everywhere but the lips and lids, which the detail patches redo exactly.
    """

    def __init__(self, size: tuple[int, int], triangles: np.ndarray, step: int = 4,
                 detail: list[tuple[np.ndarray, np.ndarray]] | None = None,
                 source: np.ndarray | None = None, iterations: int = 8) -> None:
        self.width, self.height = size
        self.triangles = triangles
        self.step = step
        self.detail = detail or []
        self._detail_corners = [np.unique(tris) for _, tris in self.detail]
        self._detail_points = np.concatenate([np.zeros(0, int)] + [points for points, _ in self.detail])
        self._detail_starts = np.cumsum([0] + [len(points) for points, _ in self.detail[:-1]])
        self._affine_tests: list[Callable[[np.ndarray], bool]] = ([_AffineTest(source[c]) for c in self._detail_corners]
                              if source is not None else [lambda _: False] * len(self.detail))
        self.gw, self.gh = -(-self.width // step), -(-self.height // step)
        gx = (np.arange(self.gw, dtype=np.float32) + 0.5) * step - 0.5
        gy = (np.arange(self.gh, dtype=np.float32) + 0.5) * step - 0.5
        self._grid_xy = np.stack(np.meshgrid(gx, gy), -1)
        self.iterations = iterations
        self._weights = None
        if source is not None and detail:
            self._weights = _source_weights(source.astype(np.float32), triangles, (self.gh, self.gw), step)
            self._grid = self._grid_xy
            self._cells = np.stack(np.meshgrid(np.arange(self.gw, dtype=np.float32),
                                               np.arange(self.gh, dtype=np.float32)), -1)
            src = source.astype(np.float32)
            self._tri_a, self._tri_b, self._tri_c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
            e1, e2 = src[self._tri_b] - src[self._tri_a], src[self._tri_c] - src[self._tri_a]
            orientation = np.sign(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
            # triangles of the eyes and mouth may fold on purpose (closing lids and lips)
            in_detail = np.zeros(len(triangles), bool)
            for points, _ in self.detail:
                in_detail |= np.isin(triangles, points).any(1)
            self._orientation = np.where(in_detail, 0.0, orientation)

    def _coarse_fixed_point(self, source: np.ndarray, target: np.ndarray,
                            detail_boxes: list[tuple[int, int, int, int]], drawn: np.ndarray) -> np.ndarray:
        # Iterated in grid units (the grid of cell centres is the identity map of the coarse
        # field), so that one cv2.remap with a two-channel map is all an iteration costs.
        scale = 1.0 / self.step
        forward = np.asarray(self._weights @ ((target - source) * scale)).reshape(self.gh, self.gw, 2)
        forward = forward.astype(np.float32)
        p = self._cells

        def forward_at(u: np.ndarray) -> np.ndarray:
            return cv2.remap(forward, u, None, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

        u = p.copy()
        for _ in range(self.iterations):   # (on one thread: split, its short remaps waited on the GIL)
            u = p - forward_at(u)
        offsets = (u - p) * self.step
        # The iteration cannot see folds (a face turning over its own silhouette: two solutions)
        # and may not settle where the motion is steep. There the moved mesh is rasterised
        # exactly, front triangles last. Eyes and mouth are redone by the detail patches anyway.
        miss = np.abs(u + forward_at(u) - p)
        residual = self.step * np.maximum(miss[..., 0], miss[..., 1])  # (.max(-1) over two values is 40x slower)
        bad = (residual > 0.25 * self.step) & ~self._cells_in(detail_boxes)
        boxes = []
        if bad.any():
            rows, cols = np.nonzero(bad)
            boxes.append((cols.min(), rows.min(), cols.max() + 1, rows.max() + 1))
        e1, e2 = target[self._tri_b] - target[self._tri_a], target[self._tri_c] - target[self._tri_a]
        signed = (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]) * self._orientation
        flipped = signed < -4.0 * self.step * self.step  # a flipped sliver covers next to nothing
        if flipped.any():
            corners = target[self.triangles[flipped]]  # F×3×2
            inside = np.zeros(len(corners), bool)
            for x0, y0, x1, y1 in detail_boxes:
                inside |= ((corners[..., 0] >= x0) & (corners[..., 0] < x1)
                           & (corners[..., 1] >= y0) & (corners[..., 1] < y1)).all(1)
            flipped[np.flatnonzero(flipped)[inside]] = False
        if flipped.any():
            corners = target[self.triangles[flipped]].reshape(-1, 2) * scale
            boxes.append((*np.floor(corners.min(0)).astype(int), *np.ceil(corners.max(0)).astype(int) + 1))
        for c0, r0, c1, r1 in boxes:
            r0, r1 = max(r0 - 2, 0), min(r1 + 2, self.gh)
            c0, c1 = max(c0 - 2, 0), min(c1 + 2, self.gw)
            if r1 <= r0 or c1 <= c0:
                continue
            origin = (float(c0 * self.step), float(r0 * self.step))
            exact, covered = _interpolate(target, drawn, _affine_per_triangle(source, target, drawn, self.step), 0,
                                          origin, (r1 - r0, c1 - c0), self.step)
            np.copyto(offsets[r0:r1, c0:c1], exact, where=covered[..., None])
        self.last_fallback_boxes = len(boxes)
        return offsets

    def _cells_in(self, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
        mask = np.zeros((self.gh, self.gw), bool)
        for x0, y0, x1, y1 in boxes:
            mask[y0 // self.step: -(-y1 // self.step), x0 // self.step: -(-x1 // self.step)] = True
        return mask

    def _detail_boxes(self, source: np.ndarray, target: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Per detail region, the box (x0, y0, x1, y1) around its points, moved and not, with a margin."""
        if not self.detail:
            return []
        # all regions at once: one reduction per bound over the regions' points laid end to end
        points = self._detail_points
        lo = np.minimum.reduceat(np.minimum(target[points], source[points]), self._detail_starts)
        hi = np.maximum.reduceat(np.maximum(target[points], source[points]), self._detail_starts)
        x0y0 = np.maximum(np.floor(lo).astype(int) - 2, 0)
        x1y1 = np.minimum(np.ceil(hi).astype(int) + 3, [self.width, self.height])
        return [(x0, y0, x1, y1) for (x0, y0), (x1, y1) in zip(x0y0.tolist(), x1y1.tolist())]

    def maps(self, source: np.ndarray, target: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
        """The full-resolution remap table (H×W×2 source coordinates) for ``cv2.remap``.

        ``order`` is the order to draw the triangles in where the moved mesh overlaps itself
        (back to front: a turned nose over the cheek behind it); by default their own order.

        The coarse table is upsampled as absolute coordinates (bilinear upsampling reproduces a
        linear ramp exactly), which is exact except within ``step`` pixels of the crop border,
        where the offsets are zero anyway and the caller keeps the photo's own pixels.
        """
        source = source.astype(np.float32)
        target = target.astype(np.float32)
        boxes = self._detail_boxes(source, target)
        drawn = self.triangles if order is None else self.triangles[order]
        if self._weights is not None:
            off = self._coarse_fixed_point(source, target, boxes, drawn)
        else:
            off, _ = _interpolate(target, drawn, _affine_per_triangle(source, target, drawn, self.step), 0,
                                  (0.0, 0.0), (self.gh, self.gw), self.step)
        coarse = self._grid_xy + off
        full = cv2.resize(coarse, (self.gw * self.step, self.gh * self.step), interpolation=cv2.INTER_LINEAR)
        full = full[: self.height, : self.width]
        if self.step > 1:
            self._patch(full, source, target, boxes)
        return full

    def _patch(self, full: np.ndarray, source: np.ndarray, target: np.ndarray,
               boxes: list[tuple[int, int, int, int]]) -> None:
        """Redo ``full`` at full resolution over the detail regions whose motion is not affine."""
        redo = [(tris, box) for (_, tris), corners, is_affine, box in zip(self.detail, self._detail_corners,
                                                                             self._affine_tests, boxes)
                if box[2] > box[0] and box[3] > box[1] and not is_affine(target[corners])]
        if not redo:
            return  # the coarse field is exact for an affine motion: nothing to redo
        # the maps of all their triangles in one go (numpy's cost here is per call, not per triangle)
        affine = _affine_per_triangle(source, target, np.concatenate([tris for tris, _ in redo]), 1)
        first = 0
        for tris, (x0, y0, x1, y1) in redo:
            fine, covered = _interpolate(target, tris, affine, first, (float(x0), float(y0)), (y1 - y0, x1 - x0), 1)
            first += len(tris)
            fine[..., 0] += np.arange(x0, x1, dtype=np.float32)[None, :]
            fine[..., 1] += np.arange(y0, y1, dtype=np.float32)[:, None]
            np.copyto(full[y0:y1, x0:x1], fine, where=covered[..., None])

    def warp(self, image: np.ndarray | Texture, source: np.ndarray, target: np.ndarray,
             sharp: tuple[int, int, int, int] | None = None,
             sharpest: tuple[int, int, int, int] | None = None, order: np.ndarray | None = None) -> np.ndarray:
        """The warped image, resampled bilinearly; given a :class:`Texture`, the box ``sharp``
        (x0, y0, x1, y1: the face) is sampled from its enlargement, which keeps fine texture (what
        it softens given back, :func:`_with_detail_back`), and the box ``sharpest`` (the lips,
        inside ``sharp``) with a Lanczos kernel, which keeps it best.
        ``order``: the triangles' drawing order (:meth:`maps`)."""
        maps = self.maps(source, target, order)
        plain = image.image if isinstance(image, Texture) else image
        if sharp is None or not isinstance(image, Texture):
            return cv2.remap(plain, maps, None, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        x0, y0, x1, y1 = sharp
        w, h = self.width, self.height
        # (box, source, interpolation, whether the source is the enlargement), drawn in this order
        passes = [((0, 0, w, y0), plain, cv2.INTER_LINEAR, False), ((0, y1, w, h), plain, cv2.INTER_LINEAR, False),
                  ((0, y0, x0, y1), plain, cv2.INTER_LINEAR, False), ((x1, y0, w, y1), plain, cv2.INTER_LINEAR, False),
                  (sharp, image.double, cv2.INTER_LINEAR, True)]
        if sharpest is not None:
            passes.append((sharpest, plain, cv2.INTER_LANCZOS4, False))
        out = np.empty((h, w) + plain.shape[2:], plain.dtype)

        def sample(r0: int, r1: int) -> None:
            for (a, b, c, d), src, interpolation, doubled in passes:
                b, d = max(b, r0), min(d, r1)
                if c > a and d > b:
                    m = maps[b:d, a:c] * 2 + 0.5 if doubled else maps[b:d, a:c]
                    cv2.remap(src, m, None, dst=out[b:d, a:c], interpolation=interpolation,
                              borderMode=cv2.BORDER_REPLICATE)

        split = _balanced_split(passes, h)
        _on_two_cores(lambda: sample(0, split), lambda: sample(split, h))
        face = out[y0:y1, x0:x1]
        detailed = _with_detail_back(face)
        if sharpest is not None:   # the lips, Lanczos-sampled, have kept theirs
            a, b, c, d = sharpest
            detailed[b - y0: d - y0, a - x0: c - x0] = face[b - y0: d - y0, a - x0: c - x0]
        face[...] = detailed
        return out


def _balanced_split(passes: list, height: int) -> int:
    """The row that splits the remaps of ``passes`` into two bands of about the same cost (a
    remap's output pixels depend on their own map entries alone: any split draws the same)."""
    cost = np.zeros(height)
    for (a, b, c, d), _, interpolation, _ in passes:
        cost[b:d] += (c - a) * (LANCZOS_COST if interpolation == cv2.INTER_LANCZOS4 else 1)
    total = np.cumsum(cost)
    return int(np.searchsorted(total, total[-1] / 2))
