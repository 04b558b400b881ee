"""FDD, the upper-Face Dynamics Deviation of CodeTalker (Xing et al., CVPR 2023), on the face mesh.

CodeTalker (mesh vertices): motion = vertices − template; per upper-face vertex, the squared L2
norm of its motion in each frame; the standard deviation of that over time; the mean over the
upper-face vertices gives a sequence's "dynamics"; FDD = dynamics(reference) − dynamics(prediction).

On video the vertices are the mediapipe mesh's 3-D points: each frame is aligned to the sequence's
first frame by a 3-D similarity (Umeyama on the 468 surface points, removing head pose and scale),
divided by the first frame's inter-ocular distance, and the template is the sequence's mean aligned
shape (videos have no neutral scan). The upper face is the brows, eyelids, eyelid creases and eye
corners. The value is |FDD| (0 = the prediction moves the upper face as much as the reference);
``extra["fdd_signed"]`` keeps the sign (positive = prediction too still). Needs no weights.
"""

from __future__ import annotations

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo, MetricResult
from thg.eval.metrics._common import MESH_PARAM
from thg.eval.metrics.deep.faces import SharedMesh, has_face
from thg.features import landmarks as L

UPPER_FACE = tuple(sorted(set(L.RIGHT_BROW + L.LEFT_BROW + L.RIGHT_EYE_UPPER + L.RIGHT_EYE_LOWER + L.LEFT_EYE_UPPER
                              + L.LEFT_EYE_LOWER + L.RIGHT_EYE_CREASE + L.LEFT_EYE_CREASE)))


def similarity_3d(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(scale, rotation, translation) minimising |s R src + t − dst| (Umeyama)."""
    from thg.features.geometry import similarity_fit

    return similarity_fit(src, dst)


def dynamics(shapes: np.ndarray) -> float:
    """CodeTalker's per-sequence dynamics of T×V×3 upper-face points."""
    motion = shapes - shapes.mean(0, keepdims=True)
    return float(np.std((motion ** 2).sum(2), axis=0).mean())


class _Sequence:
    """Upper-face points of one video, aligned to its first frame with a face."""

    def __init__(self) -> None:
        self.first: np.ndarray | None = None
        self.scale = 1.0
        self.shapes: list[np.ndarray] = []

    def add(self, points: np.ndarray) -> None:
        if not has_face(points):
            return
        pts = np.asarray(points[:468], np.float64)
        if self.first is None:
            self.first = pts
            right = pts[list(L.RIGHT_EYE_CORNERS), :2].mean(0)
            left = pts[list(L.LEFT_EYE_CORNERS), :2].mean(0)
            self.scale = max(float(np.linalg.norm(left - right)), 1e-6)
        s, r, t = similarity_3d(pts, self.first)
        self.shapes.append(((s * pts @ r.T + t) / self.scale)[list(UPPER_FACE)])


class FDD(SharedMesh, Metric):
    info = MetricInfo(
        name="fdd", family="driving", higher_is_better=False, needs=frozenset({"ref"}),
        score_range=(0.0, float("inf")),
        description="Upper-face dynamics deviation (CodeTalker's FDD) on the face mesh: |std-over-time of squared "
                    "upper-face motion, reference minus prediction|")

    PARAMS = (MESH_PARAM,)

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._pred, self._ref = _Sequence(), _Sequence()
        self._frames = 0
        self._init_mesh(params)

    uses_ref_faces = True

    def update_faces(self, pred, ref, pred_pts, ref_pts) -> None:
        if ref is None or ref_pts is None:
            raise InputError("metric 'fdd' needs reference frames; pass --ref")
        self._frames += len(pred_pts)
        for p, r in zip(pred_pts, ref_pts):
            self._pred.add(p)
            self._ref.add(r)

    def compute(self) -> MetricResult:
        self._close_trackers()
        conv = {"definition": "CodeTalker FDD: mean over upper-face points of std over time of |motion|^2",
                "points": f"face mesh, {len(UPPER_FACE)} upper-face points (brows, eyelids, creases)",
                "alignment": "3-D similarity to the first frame, / first-frame inter-ocular distance",
                "template": "mean aligned shape of each sequence", "value": "|FDD|",
                "mesh_mode": self.mesh_mode}
        n = self._frames
        coverage = min(len(self._pred.shapes), len(self._ref.shapes)) / n if n else 0.0
        if len(self._pred.shapes) < 2 or len(self._ref.shapes) < 2:
            return MetricResult(self.info.name, float("nan"), convention=conv, coverage=coverage,
                                notes=["fewer than 2 frames with a face in the prediction or the reference"])
        d_pred, d_ref = dynamics(np.stack(self._pred.shapes)), dynamics(np.stack(self._ref.shapes))
        return MetricResult(self.info.name, abs(d_ref - d_pred), convention=conv, coverage=coverage,
                            extra={"fdd_signed": d_ref - d_pred, "dynamics_pred": d_pred, "dynamics_ref": d_ref})
