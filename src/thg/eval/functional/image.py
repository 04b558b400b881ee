"""Full-reference image metrics: PSNR, SSIM, MS-SSIM, L1.

Conventions (each is a parameter and is recorded in every result):

- Inputs are H×W×3 uint8 RGB frames (or H×W gray), computed in float64 with an explicit
  ``data_range`` (255 for uint8).
- ``channels``: ``"rgb"`` (default) computes SSIM on each of R, G, B and averages, as
  scikit-image's ``structural_similarity(..., channel_axis=-1)`` does and as most talking-head
  papers report; ``"y"`` uses BT.601 luma (Y of YCbCr, the super-resolution convention);
  ``"gray"`` the plain channel mean. PSNR uses the same switch (``"rgb"``: MSE over all values).
- SSIM per Wang et al. 2004: 11×11 Gaussian window σ 1.5, K1 0.01, K2 0.03, population
  (not sample) covariance, mean over the "valid" area (5 px border excluded), identical to
  ``structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``.
- MS-SSIM per Wang, Simoncelli & Bovik 2003: 5 scales, weights (0.0448, 0.2856, 0.3001,
  0.2363, 0.1333), 2×2 average-pool downsampling between scales; contrast-structure terms at
  scales 1-4, luminance × contrast-structure at scale 5; negative terms are clipped to 0 before
  the fractional power (as pytorch-msssim does) so the score stays real.
"""

from __future__ import annotations

import numpy as np

CHANNELS = ("rgb", "y", "gray")
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_BT601 = np.array([65.481, 128.553, 24.966]) / 255.0


def to_channels(img: np.ndarray, channels: str = "rgb") -> np.ndarray:
    """H×W×C float64 planes the metrics compare: RGB as is, or one luma / gray plane.

    ``"y"`` is BT.601 luma on the [0, data_range] scale without the +16 offset (offsets cancel in
    every metric here).
    """
    x = np.asarray(img, dtype=np.float64)
    if x.ndim == 2:
        return x[..., None]
    if channels == "rgb":
        return x
    if channels == "y":
        return (x[..., :3] @ _BT601)[..., None]
    if channels == "gray":
        return x[..., :3].mean(-1, keepdims=True)
    raise ValueError(f"channels must be one of {CHANNELS}, not {channels!r}")


def _check_pair(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"image shapes differ: {a.shape} vs {b.shape}")


def mse(a: np.ndarray, b: np.ndarray, *, channels: str = "rgb") -> float:
    _check_pair(a, b)
    d = to_channels(a, channels) - to_channels(b, channels)
    return float(np.mean(d * d))


def psnr(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0, channels: str = "rgb") -> float:
    """Peak signal-to-noise ratio in dB: 10·log10(data_range² / MSE); inf for identical images."""
    m = mse(a, b, channels=channels)
    return float("inf") if m == 0 else float(10.0 * np.log10(data_range ** 2 / m))


def l1(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0, channels: str = "rgb") -> float:
    """Mean absolute difference, scaled to [0, 1] by ``data_range``."""
    _check_pair(a, b)
    return float(np.mean(np.abs(to_channels(a, channels) - to_channels(b, channels))) / data_range)


def _gauss(x: np.ndarray, win: int, sigma: float) -> np.ndarray:
    """Normalised win×win Gaussian filter of H×W or H×W×C planes (reflected border)."""
    import cv2

    out = cv2.GaussianBlur(x, (win, win), sigma, borderType=cv2.BORDER_REFLECT)
    return out.reshape(x.shape)


def _ssim_maps(x: np.ndarray, y: np.ndarray, data_range: float, win: int, sigma: float,
               k1: float, k2: float) -> tuple[np.ndarray, np.ndarray]:
    """SSIM and contrast-structure maps of two float64 H×W×C images (full size, per channel)."""
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    mx, my = _gauss(x, win, sigma), _gauss(y, win, sigma)
    vx = _gauss(x * x, win, sigma) - mx * mx
    vy = _gauss(y * y, win, sigma) - my * my
    cxy = _gauss(x * y, win, sigma) - mx * my
    cs = (2 * cxy + c2) / (vx + vy + c2)
    lum = (2 * mx * my + c1) / (mx * mx + my * my + c1)
    return lum * cs, cs


def ssim(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0, channels: str = "rgb",
         win_size: int = 11, sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03,
         full: bool = False) -> float | tuple[float, np.ndarray]:
    """Mean structural similarity (Wang et al. 2004) over the valid area, averaged over channels.

    ``full=True`` also returns the H×W SSIM map (channel mean).
    """
    _check_pair(a, b)
    x, y = to_channels(a, channels), to_channels(b, channels)
    pad = (win_size - 1) // 2
    if min(x.shape[:2]) < win_size:
        raise ValueError(f"images of {x.shape[1]}×{x.shape[0]} are smaller than the {win_size}×{win_size} SSIM window")
    maps = _ssim_maps(x, y, data_range, win_size, sigma, k1, k2)[0].mean(-1)
    value = float(maps[pad:-pad or None, pad:-pad or None].mean())
    return (value, maps) if full else value


def _avg_pool2(x: np.ndarray) -> np.ndarray:
    h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
    x = x[:h, :w]
    return 0.25 * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


def ms_ssim(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0, channels: str = "rgb",
            weights: tuple[float, ...] = MS_SSIM_WEIGHTS, win_size: int = 11, sigma: float = 1.5,
            k1: float = 0.01, k2: float = 0.03) -> float:
    """Multi-scale SSIM (Wang et al. 2003); per channel, then averaged over channels.

    Needs images of at least ``win_size · 2^(scales-1)`` px (176 px for the 5-scale default).
    """
    _check_pair(a, b)
    x, y = to_channels(a, channels), to_channels(b, channels)
    scales = len(weights)
    need = win_size * 2 ** (scales - 1)
    if min(x.shape[:2]) < need:
        raise ValueError(f"MS-SSIM with {scales} scales needs images of at least {need} px, "
                         f"got {x.shape[1]}×{x.shape[0]}")
    pad = (win_size - 1) // 2
    w = np.asarray(weights, dtype=np.float64)
    values = []
    for c in range(x.shape[2]):
        xc, yc = x[..., c], y[..., c]
        terms = []
        for s in range(scales):
            s_map, cs_map = _ssim_maps(xc, yc, data_range, win_size, sigma, k1, k2)
            m = s_map if s == scales - 1 else cs_map
            terms.append(m[pad:-pad or None, pad:-pad or None].mean())
            if s < scales - 1:
                xc, yc = _avg_pool2(xc), _avg_pool2(yc)
        t = np.maximum(np.asarray(terms), 0.0)
        values.append(float(np.prod(t ** w)))
    return float(np.mean(values))


__all__ = ["CHANNELS", "MS_SSIM_WEIGHTS", "to_channels", "mse", "psnr", "l1", "ssim", "ms_ssim"]
