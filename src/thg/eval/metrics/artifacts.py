"""Metrics for the artefacts users complain about (see :mod:`thg.eval.functional.artifacts`):
``mouth-sharpness``, ``mouth-open-in-silence`` and ``landmark-jitter``, all on the face mesh."""

from __future__ import annotations

import numpy as np

from thg.errors import InputError
from thg.eval.base import MetricInfo, MetricResult, Param
from thg.eval.functional import artifacts as A
from thg.eval.functional import face as G
from thg.eval.metrics._common import MESH_PARAM
from thg.eval.metrics.face import FaceMetric, FrameSignal

INF = float("inf")
_NONE: frozenset[str] = frozenset()
LIP_CONTOUR = "mesh outer and inner lip contours (40 points)"


class MouthSharpness(FaceMetric):
    info = MetricInfo("mouth-sharpness", "visual", True, _NONE, (0.0, INF),
                      "Mouth sharpness: variance of the Laplacian of the luma in the mouth box resampled to 64 px "
                      "width (blurry lips and teeth score low; compare with the reference video's own value)")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._values: list[float] = []

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        self._values += [A.mouth_sharpness(pred[i], pred_pts[i][G.MESH_LIPS, :2]) if good else np.nan
                         for i, good in enumerate(ok)]

    def compute(self) -> MetricResult:
        v = np.array(self._values, np.float64)
        return self.result(float(np.nanmean(v)) if np.isfinite(v).any() else float("nan"), v)

    def convention(self) -> dict:
        return {"region": f"box around the {LIP_CONTOUR}, width x {A.BOX_PAD_X}, height x {A.BOX_PAD_Y} "
                          "(at least half the width)", "resample": f"to {A.MOUTH_BOX_WIDTH} px width (area / bicubic)",
                "luma": "0.299 R + 0.587 G + 0.114 B", "measure": "variance of the 3x3 Laplacian, grey levels^2",
                "aggregate": "mean over frames with a face"}


class MouthOpenInSilence(FrameSignal):
    info = MetricInfo("mouth-open-in-silence", "sync", False, frozenset({"audio"}), (0.0, 1.0),
                      "Share of silent frames (speech 20 dB below its loud parts, 80 ms from any sound) in which "
                      "the mouth is open (inner-lip gap > 10% of the mouth width)")

    PARAMS = (MESH_PARAM,
              Param("open_threshold", float, A.OPEN_MOUTH, low=0.0, high=1.0, help="inner-lip gap / mouth width"),
              Param("silence_ratio", float, A.SILENCE_RATIO, low=0.0, high=1.0, help="RMS share of the loud speech"),
              Param("margin", int, A.SILENCE_MARGIN, low=0, high=50, help="silent frames needed each side"))

    def __init__(self, *, open_threshold: float = A.OPEN_MOUTH, silence_ratio: float = A.SILENCE_RATIO,
                 margin: int = A.SILENCE_MARGIN, **params) -> None:
        super().__init__(open_threshold=open_threshold, silence_ratio=silence_ratio, margin=margin, **params)
        self.open_threshold, self.silence_ratio, self.margin = float(open_threshold), float(silence_ratio), int(margin)

    def signal(self, pts):
        return G.mouth_opening(pts)

    def compute(self) -> MetricResult:
        if self.audio is None:
            raise InputError("metric 'mouth-open-in-silence' needs the speech; pass --audio or a video with sound")
        o = self.values()
        env = G.speech_envelope(np.asarray(self.audio), self.fps, len(o))
        rate, n = A.open_in_silence(o, env, open_threshold=self.open_threshold, ratio=self.silence_ratio,
                                    margin=self.margin)
        r = self.result(rate, o, silent_frames=n)
        if n == 0:
            r.notes.append(f"no silence of at least {2 * self.margin + 1} frames with a face: nothing to judge")
        return r

    def convention(self) -> dict:
        return {"opening": "inner-lip gap / mouth width (face frame)", "open": f"opening > {self.open_threshold}",
                "silence": f"speech RMS (one-frame window, 16 kHz) < {self.silence_ratio} x its 95th percentile, "
                           f"also {self.margin} frames before and after", "per_frame": "mouth opening",
                "fps": self.fps}


class LandmarkJitter(FaceMetric):
    info = MetricInfo("landmark-jitter", "expression", False, _NONE, (0.0, INF),
                      "Jitter: RMS of the 68 iBUG landmarks' fast motion (what a low-pass halving 8 Hz removes; px at "
                      "256 px), mean over points; "
                      "real heads and speech move slower, trackers and per-frame generators shake faster")

    PARAMS = (MESH_PARAM, Param("cutoff_hz", float, A.JITTER_CUTOFF_HZ, low=0.1, high=100.0,
                                help="motion above this frequency counts as jitter"))

    def __init__(self, *, cutoff_hz: float = A.JITTER_CUTOFF_HZ, **params) -> None:
        super().__init__(cutoff_hz=cutoff_hz, **params)
        self.cutoff_hz = float(cutoff_hz)
        self._pts: list[np.ndarray] = []

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        pts = np.full((len(pred_pts), 68, 2), np.nan)
        if ok.any():
            pts[ok] = G.ibug68(pred_pts[ok])[..., :2] * self.scale
        self._pts.append(pts)

    def compute(self) -> MetricResult:
        pts = np.concatenate(self._pts) if self._pts else np.zeros((0, 68, 2))
        if np.isfinite(pts).all((1, 2)).sum() < 4:
            return self._too_few(4)
        per_point = A.landmark_jitter(pts, self.fps, self.cutoff_hz)
        return self.result(float(per_point.mean()), None, per_point=per_point.tolist())

    def convention(self) -> dict:
        return {"points": "iBUG68 all 68, 2-D, px at 256 px width", "cutoff_hz": self.cutoff_hz, "fps": self.fps,
                "formula": "per coordinate x - gaussian_filter1d(x, sigma, mode='nearest') with sigma = "
                           "sqrt(2 ln 2) / (2 pi cutoff) seconds (half amplitude at the cut-off), RMS over frames; "
                           "per point sqrt(rms_x^2 + rms_y^2); mean over points",
                "sigma_frames": A.jitter_sigma(self.fps, self.cutoff_hz), "gaps": "linear interpolation"}
