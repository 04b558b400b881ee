"""Functional twins of the weights-free metrics: plain functions on frames, landmarks or signals.

>>> from thg.eval.functional import psnr, ssim
>>> psnr(frame_a, frame_b, data_range=255)

The metric classes in :mod:`thg.eval.metrics` only accumulate these over a video. Face-geometry
functions (on mesh points) are in :mod:`thg.eval.functional.face`, the no-reference quality
models in :mod:`thg.eval.functional.noref`.
"""

from thg.eval.functional.image import CHANNELS, MS_SSIM_WEIGHTS, l1, ms_ssim, mse, psnr, ssim, to_channels
from thg.eval.functional.noref import brisque, brisque_features, cpbd, fit_niqe_model, niqe
from thg.eval.functional.timing import measure_fps

__all__ = ["CHANNELS", "MS_SSIM_WEIGHTS", "l1", "ms_ssim", "mse", "psnr", "ssim", "to_channels",
           "brisque", "brisque_features", "cpbd", "fit_niqe_model", "niqe", "measure_fps"]
