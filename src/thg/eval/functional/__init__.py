"""Functional twins of the weights-free metrics: plain functions on frames, landmarks or signals.

>>> from thg.eval.functional import psnr, ssim
>>> psnr(frame_a, frame_b, data_range=255)

The metric classes in :mod:`thg.eval.metrics` only accumulate these over a video.
"""

from thg.eval.functional.image import CHANNELS, MS_SSIM_WEIGHTS, l1, ms_ssim, mse, psnr, ssim, to_channels

__all__ = ["CHANNELS", "MS_SSIM_WEIGHTS", "l1", "ms_ssim", "mse", "psnr", "ssim", "to_channels"]
