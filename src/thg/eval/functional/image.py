"""Full-reference image metrics: PSNR, SSIM, MS-SSIM, L1.

Conventions (each is a parameter and is recorded in every result):

- Inputs are H×W×3 uint8 RGB frames (or H×W gray) with an explicit ``data_range`` (255 for
  uint8). PSNR and L1 compute exactly (float32 differences of 8-bit values, float64 sums); SSIM
  and MS-SSIM filter float32 planes centred on data_range/2, which agrees with a float64
  computation to about 1e-7.
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

from typing import Literal, overload

import numpy as np

CHANNELS = ("rgb", "y", "gray")
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_BT601 = np.array([65.481, 128.553, 24.966]) / 255.0
_Y_OFFSET = 16.0


def to_channels(img: np.ndarray, channels: str = "rgb", data_range: float = 255.0) -> np.ndarray:
    """H×W×C float64 planes the metrics compare: RGB as is, or one luma / gray plane.

    ``"y"`` is BT.601 Y of YCbCr as the super-resolution literature computes it (MATLAB ``rgb2ycbcr``,
    scikit-image ``rgb2ycbcr``): 16 + (65.481 R + 128.553 G + 24.966 B) / 255 on the 0-255 scale, in
    [16, 235], not rounded; on another ``data_range`` scaled by data_range / 255. The +16 cancels in
    PSNR and L1 but not in SSIM's luminance term.
    """
    x = np.asarray(img, dtype=np.float64)
    if x.ndim == 2:
        return x[..., None]
    if channels == "rgb" or x.shape[-1] == 1:
        return x
    if channels == "y":
        return (x[..., :3] @ _BT601 + _Y_OFFSET * data_range / 255.0)[..., None]
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
    """Normalised win×win Gaussian filter of H×W×K planes (reflected border; the border is cropped
    from every mean, so its rule does not change the result)."""
    import cv2

    if x.shape[2] <= 512:  # OpenCV's channel limit
        return cv2.GaussianBlur(x, (win, win), sigma, borderType=cv2.BORDER_REFLECT).reshape(x.shape)
    return np.concatenate([_gauss(x[..., i:i + 512], win, sigma) for i in range(0, x.shape[2], 512)], axis=2)


def _planes(frame: np.ndarray, channels: str, data_range: float) -> np.ndarray:
    """One H×W×C frame -> H×W×C' float32 planes centred on data_range/2.

    Centring keeps float32 variances exact to ~1e-7 of SSIM (checked against scikit-image in float64);
    the luminance term adds the offset back. Frames are filtered one at a time: the working set
    stays in cache, about 3× faster than filtering a whole chunk as one many-channel image.
    """
    x = np.asarray(frame)
    if not (channels == "rgb" or x.shape[-1] == 1):
        x = to_channels(x, channels, data_range)
    planes = x.astype(np.float32)
    planes -= np.float32(data_range / 2)
    return planes


def _stack(frames: np.ndarray) -> np.ndarray:
    """A T×H×W×C stack from T×H×W×C frames (C = 1 or 3)."""
    frames = np.asarray(frames)
    if frames.ndim != 4:
        raise ValueError(f"expected a T×H×W×C stack of frames, got shape {frames.shape}")
    return frames


def _single(img: np.ndarray) -> np.ndarray:
    """One H×W or H×W×C image as a 1×H×W×C stack."""
    img = np.asarray(img)
    return (img[..., None] if img.ndim == 2 else img)[None]


@overload
def _ssim_maps(x: np.ndarray, y: np.ndarray, data_range: float, win: int, sigma: float,
               k1: float, k2: float, *, want_ssim: Literal[True] = ...) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def _ssim_maps(x: np.ndarray, y: np.ndarray, data_range: float, win: int, sigma: float,
               k1: float, k2: float, *, want_ssim: Literal[False]) -> tuple[None, np.ndarray]: ...


def _ssim_maps(x: np.ndarray, y: np.ndarray, data_range: float, win: int, sigma: float,
               k1: float, k2: float, *, want_ssim: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """SSIM and contrast-structure maps of centred float32 H×W×K planes (full size, per plane).

    Written to touch each array few times: four filter passes (x, y, x²+y², xy; the variances are
    only needed as a sum), and the luminance term expanded around the centring offset o:
    (mx+o)(my+o) = mx·my + o(mx+my) + o².
    """
    c1, c2 = np.float32((k1 * data_range) ** 2), np.float32((k2 * data_range) ** 2)
    o = np.float32(data_range / 2)
    mx, my = _gauss(x, win, sigma), _gauss(y, win, sigma)
    sq = _gauss(x * x + y * y, win, sigma)        # E[x²] + E[y²]
    sxy = _gauss(x * y, win, sigma)               # E[xy]
    a = mx * my
    b = np.multiply(mx, mx)
    b += my * my                                  # mx² + my²
    # contrast-structure: (2 cov + c2) / (var_x + var_y + c2)
    sxy -= a
    sxy *= 2
    sxy += c2                                     # numerator
    sq -= b
    sq += c2                                      # denominator
    cs = np.divide(sxy, sq, out=sq)
    if not want_ssim:
        return None, cs
    s = np.add(mx, my, out=mx)
    s *= 2 * o                                    # 2o(mx+my)
    k = np.float32(2 * o * o + c1)
    a *= 2
    a += s
    a += k                                        # 2(mx+o)(my+o) + c1
    b += s
    b += k                                        # (mx+o)² + (my+o)² + c1
    a /= b
    a *= cs
    return a, cs


def _check_size(shape: tuple[int, ...], need: int, what: str) -> None:
    if min(shape[:2]) < need:
        raise ValueError(f"{what} needs images of at least {need}×{need} px, got {shape[1]}×{shape[0]}")


def ssim_batch(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0, channels: str = "rgb",
               win_size: int = 11, sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03) -> np.ndarray:
    """Per-frame SSIM of two T×H×W×C stacks (same conventions as :func:`ssim`)."""
    _check_pair(a, b)
    a, b = _stack(a), _stack(b)
    _check_size(a.shape[1:], win_size, "SSIM")
    pad = (win_size - 1) // 2
    out = np.empty(len(a))
    for i in range(len(a)):
        x, y = _planes(a[i], channels, data_range), _planes(b[i], channels, data_range)
        s_map = _ssim_maps(x, y, data_range, win_size, sigma, k1, k2)[0]
        out[i] = s_map[pad:-pad or None, pad:-pad or None].mean(dtype=np.float64)
    return out


@overload
def ssim(a: np.ndarray, b: np.ndarray, *, data_range: float = ..., channels: str = ..., win_size: int = ...,
         sigma: float = ..., k1: float = ..., k2: float = ..., full: Literal[False] = ...) -> float: ...


@overload
def ssim(a: np.ndarray, b: np.ndarray, *, data_range: float = ..., channels: str = ..., win_size: int = ...,
         sigma: float = ..., k1: float = ..., k2: float = ..., full: Literal[True]) -> tuple[float, np.ndarray]: ...


def ssim(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0, channels: str = "rgb",
         win_size: int = 11, sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03,
         full: bool = False) -> float | tuple[float, np.ndarray]:
    """Mean structural similarity (Wang et al. 2004) over the valid area, averaged over channels.

    ``full=True`` also returns the H×W SSIM map (channel mean).
    """
    _check_pair(a, b)
    if full:
        x, y = _planes(_single(a)[0], channels, data_range), _planes(_single(b)[0], channels, data_range)
        _check_size(x.shape, win_size, "SSIM")
        s_map = _ssim_maps(x, y, data_range, win_size, sigma, k1, k2)[0].astype(np.float64).mean(-1)
        pad = (win_size - 1) // 2
        return float(s_map[pad:-pad or None, pad:-pad or None].mean()), s_map
    return float(ssim_batch(_single(a), _single(b), data_range=data_range, channels=channels, win_size=win_size,
                            sigma=sigma, k1=k1, k2=k2)[0])


def _avg_pool2(x: np.ndarray) -> np.ndarray:
    h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
    x = x[:h, :w]
    return np.float32(0.25) * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


def ms_ssim_batch(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0, channels: str = "rgb",
                  weights: tuple[float, ...] = MS_SSIM_WEIGHTS, win_size: int = 11, sigma: float = 1.5,
                  k1: float = 0.01, k2: float = 0.03) -> np.ndarray:
    """Per-frame MS-SSIM of two T×H×W×C stacks (same conventions as :func:`ms_ssim`)."""
    _check_pair(a, b)
    a, b = _stack(a), _stack(b)
    scales = len(weights)
    _check_size(a.shape[1:], win_size * 2 ** (scales - 1), f"MS-SSIM with {scales} scales")
    pad = (win_size - 1) // 2
    w = np.asarray(weights, dtype=np.float64)[:, None]
    out = np.empty(len(a))
    for i in range(len(a)):
        x, y = _planes(a[i], channels, data_range), _planes(b[i], channels, data_range)
        terms = []
        for s in range(scales):
            last = s == scales - 1
            if last:
                m = _ssim_maps(x, y, data_range, win_size, sigma, k1, k2)[0]
            else:
                m = _ssim_maps(x, y, data_range, win_size, sigma, k1, k2, want_ssim=False)[1]
            h, wd = m.shape[:2]
            terms.append(m[pad:h - pad, pad:wd - pad].mean(axis=(0, 1), dtype=np.float64))  # per channel
            if not last:
                x, y = _avg_pool2(x), _avg_pool2(y)
        out[i] = np.prod(np.maximum(np.stack(terms), 0.0) ** w, axis=0).mean()
    return out


def ms_ssim(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0, channels: str = "rgb",
            weights: tuple[float, ...] = MS_SSIM_WEIGHTS, win_size: int = 11, sigma: float = 1.5,
            k1: float = 0.01, k2: float = 0.03) -> float:
    """Multi-scale SSIM (Wang et al. 2003); per channel, then averaged over channels.

    Needs images of at least ``win_size · 2^(scales-1)`` px (176 px for the 5-scale default).
    """
    return float(ms_ssim_batch(_single(a), _single(b), data_range=data_range, channels=channels, weights=weights,
                               win_size=win_size, sigma=sigma, k1=k1, k2=k2)[0])


__all__ = ["CHANNELS", "MS_SSIM_WEIGHTS", "to_channels", "mse", "psnr", "l1", "ssim", "ms_ssim", "ssim_batch",
           "ms_ssim_batch"]
