"""Image preprocessing of the deep metrics, as functions that tests check against the reference formulas."""

from __future__ import annotations

import numpy as np


def to_minus1_1(frames: np.ndarray):
    """T×H×W×3 uint8 RGB -> torch T×3×H×W float in [-1, 1] (x / 127.5 − 1; LPIPS, ArcFace)."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


def fid_input(frames: np.ndarray, resize: str = "bilinear"):
    """T×H×W×3 uint8 -> T×3×299×299 in [-1, 1] for the FID Inception.

    ``bilinear`` (pytorch-fid): x / 255, ``F.interpolate(size=299, mode="bilinear",
    align_corners=False)``, then 2x − 1. ``pil-bicubic`` (clean-fid): each channel resized as a
    float32 PIL image with bicubic filtering, clipped to [0, 255], then x / 255 · 2 − 1.
    """
    import torch
    import torch.nn.functional as F

    frames = np.asarray(frames)
    if resize == "bilinear":
        x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
        if x.shape[-2:] != (299, 299):
            x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        return 2 * x - 1
    if resize == "pil-bicubic":
        out = np.stack([pil_bicubic(f, 299) for f in frames])
        x = torch.from_numpy(out).permute(0, 3, 1, 2).float() / 255.0
        return 2 * x - 1
    raise ValueError(f"unknown FID resize {resize!r}; use 'bilinear' (pytorch-fid) or 'pil-bicubic' (clean-fid)")


def pil_bicubic(image: np.ndarray, size: int) -> np.ndarray:
    """clean-fid's resize: per channel, float32 PIL image, bicubic, clipped to [0, 255]."""
    from PIL import Image

    chans = [np.asarray(Image.fromarray(image[:, :, c].astype(np.float32), mode="F")
                        .resize((size, size), resample=Image.Resampling.BICUBIC)) for c in range(image.shape[2])]
    return np.clip(np.stack(chans, axis=2), 0, 255).astype(np.float32)
