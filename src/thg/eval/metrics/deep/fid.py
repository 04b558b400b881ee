"""FID between the predicted and the reference frames, pooled over the whole set (pytorch-fid)."""

from __future__ import annotations

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo, MetricResult, Param
from thg.eval.metrics._common import BATCH, STRIDE
from thg.eval.metrics.deep import _common
from thg.eval.metrics.deep.frechet import Moments, frechet_distance
from thg.eval.metrics.deep.preprocess import fid_input

WEIGHTS = "pt_inception-2015-12-05-6726825d.pth"
DIM = 2048


class FID(Metric):
    """Every ``stride``-th frame of every video goes into one pool per side; the state is the running
    moments (count, sum, sum of outer products), so workers and videos merge exactly."""

    info = MetricInfo(
        name="fid", family="visual", higher_is_better=False, needs=frozenset({"ref", "weights"}),
        score_range=(0.0, float("inf")), scope="set",
        description="Frechet Inception Distance (pytorch-fid Inception pool3, 299 px) of all predicted vs all "
                    "reference frames of the set", weights=(WEIGHTS,))

    PARAMS = (Param("resize", str, "bilinear", choices=("bilinear", "pil-bicubic"), help="pytorch-fid or clean-fid resize"),
              Param("frechet", str, "sqrtm", choices=("sqrtm", "eigh"), help="matrix square root of the Frechet distance"),
              STRIDE, BATCH(8))

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.resize = params.get("resize", "bilinear")
        self.method = params.get("frechet", "sqrtm")
        self.stride = int(params.get("stride", 1))
        self.batch = int(params.get("batch", 8))
        if self.resize not in ("bilinear", "pil-bicubic"):
            raise InputError(f"fid: resize={self.resize!r} is not known; use 'bilinear' (pytorch-fid) or "
                             f"'pil-bicubic' (clean-fid)")
        self.pred, self.ref = Moments(DIM), Moments(DIM)
        self._seen = 0

    def _features(self, frames: np.ndarray) -> np.ndarray:
        _common.require_torch(self.info.name)
        import torch

        from thg.eval.metrics.deep.nets.inception import load_inception

        net = _common.load_network(WEIGHTS, self.info.name, self.weights_dir, load_inception)
        out = []
        with torch.inference_mode():
            for i in range(0, len(frames), self.batch):
                out.append(net.pool3(fid_input(frames[i:i + self.batch], self.resize)).double().numpy())
        return np.concatenate(out) if out else np.zeros((0, DIM))

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        if ref is None:
            raise InputError("metric 'fid' needs reference frames; pass --ref")
        if len(ref) != len(pred):
            raise InputError(f"metric 'fid': {len(pred)} predicted frames but {len(ref)} reference frames in this "
                             f"chunk; give matching chunks (evaluate_video aligns them)")
        idx = [i for i in range(len(pred)) if (self._seen + i) % self.stride == 0]
        self._seen += len(pred)
        if idx:
            self.pred.add(self._features(pred[idx]))
            self.ref.add(self._features(ref[idx]))

    def state(self) -> dict[str, np.ndarray]:
        return {**self.pred.to_arrays("pred"), **self.ref.to_arrays("ref")}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.pred.load_arrays(state, "pred")
        self.ref.load_arrays(state, "ref")

    def merge(self, other: FID) -> None:
        self.pred.merge(other.pred)
        self.ref.merge(other.ref)

    def compute(self) -> MetricResult:
        conv = {"network": "pytorch-fid FID Inception v3", "weights": WEIGHTS, "features": "pool3, 2048-d",
                "resize": {"bilinear": "299x299 bilinear, align_corners=False (pytorch-fid)",
                           "pil-bicubic": "299x299 PIL bicubic per channel (clean-fid)"}[self.resize],
                "input": "RGB x/255*2-1", "pooling": "all frames of the set", "frame_stride": self.stride,
                "frechet": "scipy sqrtm (pytorch-fid)" if self.method == "sqrtm" else "eigenvalues (same trace)",
                "n_pred": self.pred.n, "n_ref": self.ref.n}
        if min(self.pred.n, self.ref.n) < 2:
            return MetricResult(self.info.name, float("nan"), convention=conv, notes=["fewer than 2 frames"])
        (m1, s1), (m2, s2) = self.pred.mean_cov(), self.ref.mean_cov()
        value, notes = frechet_distance(m1, s1, m2, s2, method=self.method)
        if min(self.pred.n, self.ref.n) < DIM:
            notes.append(f"only {min(self.pred.n, self.ref.n)} frames per side for {DIM}-d features: the covariance "
                         f"is rank-deficient and FID is biased upward; compare only at equal frame counts")
        return MetricResult(self.info.name, value, convention=conv, notes=notes)
