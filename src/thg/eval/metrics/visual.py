"""Visual-quality metrics without networks: PSNR, SSIM, MS-SSIM, L1 (full reference)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from thg.eval import functional as F
from thg.eval.base import Metric, MetricInfo, MetricResult, Param
from thg.eval.functional.image import ms_ssim_batch, ssim_batch
from thg.eval.metrics._common import PerFrameMetric

_REF = frozenset({"ref"})


def _diff(pred: np.ndarray, ref: np.ndarray, channels: str) -> np.ndarray:
    """pred - ref per value: float32 for 8-bit RGB (exact, squares up to 255² included), float64 otherwise."""
    if channels == "rgb" and pred.dtype == np.uint8 and ref.dtype == np.uint8:
        d = pred.astype(np.float32)
        d -= ref
        return d
    return F.to_channels(pred, channels) - F.to_channels(ref, channels)


class _FullRef(PerFrameMetric):
    """Shared parameters: ``data_range`` (255), ``channels`` ("rgb" | "y" | "gray")."""

    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("data_range", float, 255.0, low=1e-6, help="value range of the frames (255 for 8-bit)"),
        Param("channels", str, "rgb", choices=F.CHANNELS, help="rgb, y (BT.601 Y with +16) or gray"))

    def __init__(self, *, data_range: float = 255.0, channels: str = "rgb", **params) -> None:
        if channels not in F.CHANNELS:
            from thg.errors import InputError
            raise InputError(f"metric {self.info.name!r}: channels={channels!r} is not one of {', '.join(F.CHANNELS)}")
        super().__init__(data_range=data_range, channels=channels, **params)
        self.data_range, self.channels = float(data_range), channels

    def convention(self) -> dict:
        return {"data_range": self.data_range, "channels": self.channels}


class PSNR(_FullRef):
    info = MetricInfo("psnr", "visual", True, _REF, (0.0, float("inf")),
                      "Peak signal-to-noise ratio (dB) per frame against the reference, mean over frames; "
                      "identical frames count as max_db")

    PARAMS = _FullRef.PARAMS + (Param("max_db", float, 100.0, low=1.0, help="value of identical frames (dB)"),)

    def __init__(self, *, max_db: float = 100.0, **params) -> None:
        super().__init__(max_db=max_db, **params)
        self.max_db = float(max_db)

    def frame_value(self, pred, ref) -> float:
        return min(F.psnr(pred, ref, data_range=self.data_range, channels=self.channels), self.max_db)

    def chunk_values(self, pred, ref) -> np.ndarray:
        d = _diff(pred, ref, self.channels)
        np.square(d, out=d)
        mse = d.reshape(len(d), -1).mean(1, dtype=np.float64)
        with np.errstate(divide="ignore"):
            db = 10.0 * np.log10(self.data_range ** 2 / mse)
        return np.minimum(db, self.max_db)

    def convention(self) -> dict:
        return {**super().convention(), "formula": "10*log10(data_range^2/MSE), MSE over all pixels and channels",
                "max_db": self.max_db}


class SSIM(_FullRef):
    info = MetricInfo("ssim", "visual", True, _REF, (-1.0, 1.0),
                      "Structural similarity (Wang et al. 2004: 11x11 Gaussian window sigma 1.5, K1 0.01, "
                      "K2 0.03) per frame, mean over frames")

    def frame_value(self, pred, ref) -> float:
        return F.ssim(pred, ref, data_range=self.data_range, channels=self.channels)

    def chunk_values(self, pred, ref) -> np.ndarray:
        return ssim_batch(pred, ref, data_range=self.data_range, channels=self.channels)

    def convention(self) -> dict:
        return {**super().convention(), "window": "gaussian 11x11", "sigma": 1.5, "k1": 0.01, "k2": 0.03,
                "covariance": "population", "border": "valid area (5 px excluded)",
                "reference": "skimage structural_similarity(gaussian_weights=True, sigma=1.5, "
                             "use_sample_covariance=False)"}


class MSSSIM(_FullRef):
    info = MetricInfo("ms-ssim", "visual", True, _REF, (0.0, 1.0),
                      "Multi-scale SSIM (Wang et al. 2003, 5 scales) per frame, mean over frames; "
                      "frames need at least 176 px")

    def frame_value(self, pred, ref) -> float:
        return F.ms_ssim(pred, ref, data_range=self.data_range, channels=self.channels)

    def update(self, pred, ref=None) -> None:
        shape = np.shape(pred)
        if len(shape) == 4 and min(shape[1:3]) < 176:
            from thg.errors import InputError
            raise InputError(f"metric 'ms-ssim': frames of {shape[2]}x{shape[1]} px are too small for 5 scales "
                             f"(at least 176 px); use ssim, or evaluate at a higher resolution")
        super().update(pred, ref)

    def chunk_values(self, pred, ref) -> np.ndarray:
        return ms_ssim_batch(pred, ref, data_range=self.data_range, channels=self.channels)

    def convention(self) -> dict:
        return {**super().convention(), "scales": 5, "weights": list(F.MS_SSIM_WEIGHTS), "window": "gaussian 11x11",
                "sigma": 1.5, "k1": 0.01, "k2": 0.03, "downsample": "2x2 average pooling",
                "negative_terms": "clipped to 0"}


class L1(_FullRef):
    info = MetricInfo("l1", "visual", False, _REF, (0.0, 1.0),
                      "Mean absolute pixel difference to the reference, in [0, 1] (divided by data_range)")

    def frame_value(self, pred, ref) -> float:
        return F.l1(pred, ref, data_range=self.data_range, channels=self.channels)

    def chunk_values(self, pred, ref) -> np.ndarray:
        d = _diff(pred, ref, self.channels)
        np.abs(d, out=d)
        return d.reshape(len(d), -1).mean(1, dtype=np.float64) / self.data_range

    def convention(self) -> dict:
        return {**super().convention(), "formula": "mean |pred - ref| / data_range"}





class PixelSmoothness(PerFrameMetric):
    info = MetricInfo("smoothness-pixel", "expression", False, frozenset(), (0.0, 1.0),
                      "Pixel temporal difference: mean |frame(t) - frame(t-1)| in [0, 1] (flicker and jitter "
                      "raise it; compare with the reference's own value)")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._prev: np.ndarray | None = None

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        from thg.eval.metrics._common import check_frames

        pred = check_frames(pred, "pred").astype(np.float32)
        if len(pred) == 0:
            return
        seq = pred if self._prev is None else np.concatenate([self._prev[None], pred])
        diffs = np.abs(np.diff(seq, axis=0)).mean(axis=(1, 2, 3)) / 255.0
        self._values.extend(float(d) for d in diffs)
        self._prev = pred[-1]

    def convention(self) -> dict:
        return {"formula": "mean over consecutive frame pairs of mean |f(t) - f(t-1)| / 255, all RGB values",
                "per_frame": "one value per consecutive pair"}



class FPS(Metric):
    """Frames per second of a generator. Start the clock with :meth:`start`, then ``update`` with
    each chunk as it is produced; :func:`thg.eval.functional.measure_fps` does both for a callable.
    It cannot be measured from a finished video file."""

    info = MetricInfo("fps", "visual", True, frozenset(), (0.0, float("inf")),
                      "Generation speed in frames per second (wall clock), timed around the generator with "
                      "thg.eval.functional.measure_fps; not computable from a video file")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._t0: float | None = None
        self._t_last: float | None = None
        self._frames = 0

    def start(self) -> None:
        import time

        self._t0 = time.perf_counter()

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        import time

        if self._t0 is None:
            from thg.errors import InputError
            raise InputError("metric 'fps' times a generator, not a video file: call start() before the frames "
                             "are produced, or use thg.eval.functional.measure_fps(generate)")
        self._frames += len(pred)
        self._t_last = time.perf_counter()

    def compute(self) -> MetricResult:
        seconds = (self._t_last - self._t0) if self._t0 is not None and self._t_last is not None else 0.0
        value = self._frames / seconds if seconds > 0 else float("nan")
        return MetricResult("fps", float(value), convention={"clock": "wall clock from start() to the last update"},
                            extra={"frames": self._frames, "seconds": seconds})


__all__ = ["PSNR", "SSIM", "MSSSIM", "L1", "PixelSmoothness", "FPS"]
