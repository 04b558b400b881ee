"""Metric name -> "module:Class". Each family module keeps its own table; they are merged here."""

from thg.eval.metrics.deep import DEEP_METRICS

#: weights-free metrics (visual quality, mouth sync, face geometry, expression, driving)
CLASSIC_METRICS: dict[str, str] = {
    "psnr": "thg.eval.metrics.visual:PSNR",
    "ssim": "thg.eval.metrics.visual:SSIM",
    "ms-ssim": "thg.eval.metrics.visual:MSSSIM",
    "l1": "thg.eval.metrics.visual:L1",
}

METRICS: dict[str, str] = {**CLASSIC_METRICS, **DEEP_METRICS}
