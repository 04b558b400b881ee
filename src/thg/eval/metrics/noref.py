"""No-reference visual quality: CPBD sharpness, NIQE and BRISQUE, per frame, mean over frames.

NIQE and BRISQUE need the LIVE model parameter files, supplied like network weights in the
weights folder (``--weights-dir`` or ``THG_WEIGHTS_DIR``): NIQE's ``modelparameters.mat`` (MATLAB
release) and BRISQUE's ``brisque_model_live.yml`` + ``brisque_range_live.yml`` (OpenCV contrib
samples). A model fitted on your own pristine images can be given instead (``model=`` path).
"""

from __future__ import annotations

import numpy as np

from thg.errors import InputError
from thg.eval.base import MetricInfo, Param
from thg.eval.functional import noref as N
from thg.eval.metrics._common import PerFrameMetric

_W = frozenset({"weights"})


class CPBD(PerFrameMetric):
    info = MetricInfo("cpbd", "visual", True, frozenset(), (0.0, 1.0),
                      "Cumulative probability of blur detection (Narvekar & Karam 2011): no-reference sharpness "
                      "in [0, 1], higher = sharper")

    def frame_value(self, pred, ref) -> float:
        return N.cpbd(pred)

    def convention(self) -> dict:
        return {"gray": "MATLAB rgb2gray, 8-bit", "edges": f"Sobel vertical edges, fixed cutoff {N.CPBD_SOBEL_THRESHOLD:g}, "
                "row-wise thinning", "edge_blocks": "MATLAB-default Canny edges (sigma sqrt 2, 70 % / 0.4 thresholds)", "widths": "Marziliano, along rows, gradient angle 0/180 deg",
                "block": N.CPBD_BLOCK, "edge_block_share": N.CPBD_EDGE_SHARE, "jnb_width": "5 px if contrast <= 50 else 3",
                "beta": N.CPBD_BETA, "p_jnb": N.CPBD_P_JNB, "reference": "CPBD_compute.m (CPBDM MATLAB release)"}


class NIQE(PerFrameMetric):
    info = MetricInfo("niqe", "visual", False, _W, (0.0, float("inf")),
                      "Natural image quality evaluator (Mittal et al. 2013) against the LIVE pristine model "
                      "(modelparameters.mat); lower = more natural", weights=(N.NIQE_MODEL_FILE,))

    PARAMS = (Param("model", str, None, help="a NIQE model file (.mat or .npz) instead of the weights folder's"),)

    def __init__(self, *, model: str | None = None, **params) -> None:
        super().__init__(model=model, **params)
        from thg.eval.weights import weights_path

        path = model or weights_path(N.NIQE_MODEL_FILE, "niqe", N.NIQE_MODEL_URL, self.weights_dir)
        try:
            self.mu, self.cov = N.load_niqe_model(path)
        except (OSError, KeyError, ValueError) as e:
            raise InputError(f"{path}: not a NIQE model file ({e}); give modelparameters.mat with "
                             f"mu_prisparam and cov_prisparam") from None
        if self.mu.shape != (36,) or self.cov.shape != (36, 36):
            raise InputError(f"{path}: NIQE model must hold a 36-value mu_prisparam and a 36x36 cov_prisparam, "
                             f"got {self.mu.shape} and {self.cov.shape}")
        self.model_path = str(path)

    def update(self, pred, ref=None) -> None:
        pred = np.asarray(pred)
        if min(pred.shape[-3:-1]) < N.NIQE_PATCH:
            raise InputError(f"metric 'niqe': frames of {pred.shape[-2]}x{pred.shape[-3]} px are smaller than its "
                             f"{N.NIQE_PATCH}x{N.NIQE_PATCH} patches")
        super().update(pred, ref)

    def frame_value(self, pred, ref) -> float:
        try:
            return N.niqe(pred, self.mu, self.cov)
        except ValueError:
            return float("nan")

    def convention(self) -> dict:
        return {"gray": "MATLAB rgb2gray, 0-255", "patch": N.NIQE_PATCH, "scales": 2,
                "downscale": "MATLAB imresize 0.5 (bicubic, antialiased)", "mscn": "7x7 Gaussian sigma 7/6, C=1",
                "model": self.model_path.rsplit("/", 1)[-1], "reference": "NIQE MATLAB release"}


class BRISQUE(PerFrameMetric):
    info = MetricInfo("brisque", "visual", False, _W, (0.0, 100.0),
                      "Blind/referenceless image spatial quality evaluator (Mittal et al. 2012) with OpenCV's LIVE "
                      "SVR model; 0 (best) to 100 (worst)", weights=(N.BRISQUE_MODEL_FILE, N.BRISQUE_RANGE_FILE))

    PARAMS = (Param("model", str, None, help="a BRISQUE SVR model file instead of the weights folder's"),
              Param("range_file", str, None, help="its feature range file"))

    def __init__(self, *, model: str | None = None, range_file: str | None = None, **params) -> None:
        super().__init__(model=model, range_file=range_file, **params)
        from thg.eval.weights import weights_path

        model_path = model or weights_path(N.BRISQUE_MODEL_FILE, "brisque", N.BRISQUE_URL, self.weights_dir)
        range_path = range_file or weights_path(N.BRISQUE_RANGE_FILE, "brisque", N.BRISQUE_URL, self.weights_dir)
        try:
            self.model = N.BrisqueModel(model_path, range_path)
        except Exception as e:  # OpenCV raises cv2.error on unreadable files
            raise InputError(f"{model_path} / {range_path}: cannot load the BRISQUE model "
                             f"({str(e).strip().splitlines()[-1]}); "
                             f"use OpenCV's brisque_model_live.yml and brisque_range_live.yml") from None
        self.model_names = [str(model).rsplit("/", 1)[-1], str(range_file).rsplit("/", 1)[-1]]

    def frame_value(self, pred, ref) -> float:
        return N.brisque(pred, self.model)

    def convention(self) -> dict:
        return {"gray": "OpenCV RGB2GRAY, [0, 1] float32", "scales": "full and half size (INTER_CUBIC)",
                "mscn": "7x7 Gaussian sigma 7/6, C=1/255", "scaling": "range file to [-1, 1]", "clamp": [0, 100],
                "model": self.model_names, "reference": "OpenCV contrib quality::QualityBRISQUE"}


__all__ = ["CPBD", "NIQE", "BRISQUE"]
