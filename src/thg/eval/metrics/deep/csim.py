"""CSIM: ArcFace identity similarity between the source portrait and every generated frame.

insightface's ArcFace IResNet-100 (``ms1mv3_arcface_r100_fp16/backbone.pth``). Faces are aligned
as insightface does (5-point similarity transform to its 112×112 template), with the five points
taken from the face mesh (iris centres, nose tip, mouth corners) instead of RetinaFace's; input RGB
x/127.5 − 1; the score is the cosine of the 512-d embeddings, averaged over frames with a face.
``csim-ref`` compares each frame with the matching reference frame instead (reconstruction).
"""

from __future__ import annotations

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo, MetricResult
from thg.eval.metrics._common import MESH_PARAM, STRIDE
from thg.eval.metrics.deep import _common
from thg.eval.metrics.deep.faces import SharedMesh, arcface_align, five_points, has_face
from thg.eval.metrics.deep.preprocess import to_minus1_1

WEIGHTS = "ms1mv3_arcface_r100_fp16/backbone.pth"


def load_arcface(metric: str, weights_dir):
    _common.require_torch(metric)
    from thg.eval.metrics.deep.nets.iresnet import load_iresnet

    return _common.load_network(WEIGHTS, metric, weights_dir, load_iresnet)


def embed(net, crops: np.ndarray) -> np.ndarray:
    """N×112×112×3 uint8 RGB aligned crops -> N×512 unit vectors."""
    import torch

    with torch.inference_mode():
        e = net(to_minus1_1(crops)).double().numpy()
    return e / np.linalg.norm(e, axis=1, keepdims=True).clip(1e-12)


class CSIM(SharedMesh, Metric):
    info = MetricInfo(
        name="csim", family="driving", higher_is_better=True, needs=frozenset({"source", "weights"}),
        score_range=(-1.0, 1.0),
        description="Identity similarity: cosine of ArcFace (IResNet-100) embeddings of the source portrait and "
                    "each frame", weights=(WEIGHTS,))

    against = "source"

    PARAMS = (MESH_PARAM, STRIDE)

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.stride = int(params.get("stride", 1))
        self._values: list[float] = []
        self._frames = 0
        self._source_emb: np.ndarray | None = None
        self._init_mesh(params)

    def _source_embedding(self, net) -> np.ndarray:
        if self._source_emb is None:
            if self.source is None:
                raise InputError("metric 'csim' needs the source portrait; pass --source IMAGE")
            from thg.features import find_face

            face = find_face(self.source, name="source image")
            self._source_emb = embed(net, arcface_align(self.source, five_points(face.xy))[None])[0]
        return self._source_emb

    def update_faces(self, pred, ref, pred_pts, ref_pts) -> None:
        net = load_arcface(self.info.name, self.weights_dir)
        if self.against == "ref" and (ref is None or ref_pts is None):
            raise InputError(f"metric {self.info.name!r} needs reference frames; pass --ref")
        target = self._source_embedding(net) if self.against == "source" else None
        slots: list[int | None] = []           # crop index per sampled frame, None without a face
        crops: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        for i, frame in enumerate(pred):
            if (self._frames + i) % self.stride:
                continue
            ok = has_face(pred_pts[i]) and (self.against == "source" or has_face(ref_pts[i]))
            if not ok:
                slots.append(None)
                continue
            slots.append(len(crops))
            crops.append(arcface_align(frame, five_points(pred_pts[i][:, :2])))
            if self.against == "ref":
                targets.append(arcface_align(ref[i], five_points(ref_pts[i][:, :2])))
        self._frames += len(pred)
        sims = np.zeros(0)
        if crops:
            emb = embed(net, np.stack(crops))
            sims = emb @ target if target is not None else (emb * embed(net, np.stack(targets))).sum(1)
        self._values.extend(float(sims[k]) if k is not None else float("nan") for k in slots)

    def compute(self) -> MetricResult:
        self._close_trackers()
        values = np.array(self._values, np.float64)
        ok = np.isfinite(values)
        conv = {"network": "ArcFace IResNet-100 (insightface arcface_torch)", "weights": WEIGHTS,
                "alignment": "5-point similarity transform to insightface's 112x112 template",
                "points": "face mesh iris centres 468/473, nose tip 1, mouth corners 61/291",
                "input": "RGB x/127.5-1", "against": self.against, "mesh_mode": self.mesh_mode, "frame_stride": self.stride,
                "aggregate": "mean over frames with a face"}
        coverage = float(ok.mean()) if len(values) else 0.0
        if not ok.any():
            return MetricResult(self.info.name, float("nan"), per_frame=values, convention=conv, coverage=coverage,
                                notes=["no face found in any frame"])
        notes = [] if ok.all() else [f"{int((~ok).sum())} of {len(values)} frames without a face were skipped"]
        return MetricResult(self.info.name, float(values[ok].mean()), per_frame=values, convention=conv,
                            coverage=coverage, notes=notes)


class CSIMRef(CSIM):
    """CSIM against the matching reference frame (self-reenactment / reconstruction papers)."""

    info = MetricInfo(
        name="csim-ref", family="driving", higher_is_better=True, needs=frozenset({"ref", "weights"}),
        score_range=(-1.0, 1.0),
        description="Identity similarity of each frame with the matching reference frame (ArcFace IResNet-100 "
                    "cosine); for reconstruction, where the reference is the ground truth",
        weights=(WEIGHTS,))
    against = "ref"
    uses_ref_faces = True
