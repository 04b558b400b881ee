"""LPIPS v0.1 AlexNet between predicted and reference frames (per frame, averaged over the video)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo, MetricResult
from thg.eval.metrics._common import BATCH
from thg.eval.metrics.deep import _common
from thg.eval.metrics.deep.preprocess import to_minus1_1

if TYPE_CHECKING:
    from thg.eval.metrics.deep.nets.lpips import LPIPS

ALEXNET = "alexnet-owt-7be5be79.pth"
HEADS = "alex.pth"


def load_lpips(metric: str, weights_dir) -> LPIPS:
    _common.require_torch(metric)
    from thg.eval.metrics.deep.nets.lpips import LPIPS, load_alexnet, load_heads

    alex = _common.load_network(ALEXNET, metric, weights_dir, load_alexnet)
    heads = _common.load_network(HEADS, metric, weights_dir, load_heads)
    return LPIPS(alex, heads).eval()


class LPIPSMetric(Metric):
    info = MetricInfo(
        name="lpips", family="visual", higher_is_better=False, needs=frozenset({"ref", "weights"}),
        score_range=(0.0, float("inf")),
        description="LPIPS v0.1 AlexNet (lpips package): learned perceptual distance to the reference frame",
        weights=(HEADS, ALEXNET))

    PARAMS = (BATCH(8),)

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.batch = int(params.get("batch", 8))
        self._values: list[float] = []
        self._net: LPIPS | None = None

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        _common.require_torch(self.info.name)
        import torch

        if ref is None:
            raise InputError("metric 'lpips' needs reference frames; pass --ref")
        if pred.shape != ref.shape:
            raise InputError(f"metric 'lpips': predicted frames {pred.shape[1:3]} and reference frames "
                             f"{ref.shape[1:3]} differ in size; resize the reference to the prediction first")
        if self._net is None:
            self._net = load_lpips(self.info.name, self.weights_dir)
        with torch.inference_mode():
            for i in range(0, len(pred), self.batch):
                d = self._net(to_minus1_1(pred[i:i + self.batch]), to_minus1_1(ref[i:i + self.batch]))
                self._values.extend(d.double().tolist())

    def compute(self) -> MetricResult:
        values = np.array(self._values, np.float64)
        conv = {"network": "AlexNet (torchvision) + lpips v0.1 linear heads", "weights": [HEADS, ALEXNET],
                "input": "RGB x/127.5-1, lpips ScalingLayer shift (-.030,-.088,-.188) scale (.458,.448,.450)",
                "layers": "relu1-relu5, channel-normalised, spatial mean", "resolution": "native (no resize)",
                "aggregate": "mean over frames"}
        value = float(values.mean()) if len(values) else float("nan")
        return MetricResult(self.info.name, value, per_frame=values, convention=conv,
                            notes=[] if len(values) else ["no frames"])
