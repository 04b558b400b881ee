"""No-reference image quality: CPBD (sharpness), NIQE and BRISQUE (natural-scene statistics).

All three work on one gray plane: MATLAB's ``rgb2gray`` (0.2989 R + 0.5870 G + 0.1140 B, rounded
to 8 bits) for CPBD and NIQE, as their MATLAB reference releases read images; OpenCV's
``COLOR_RGB2GRAY`` for BRISQUE, as the OpenCV contrib implementation whose LIVE model files
(``brisque_model_live.yml``, ``brisque_range_live.yml``) it is used with.

- CPBD (Narvekar & Karam 2011, as their MATLAB release's ``CPBD_compute.m`` computes it): Sobel
  edges (horizontal gradient, fixed cutoff 2 on the 0-255 scale, thinned to local maxima along the
  row), edge widths by the Marziliano method along the row for edges whose gradient direction rounds
  to 0° or 180°, 64×64 blocks in which MATLAB-default Canny edges cover more than 0.2% of the pixels,
  just-noticeable width 5 px for block contrast ≤ 50 else 3 px, P(blur) = 1 - exp(-(w / w_JNB)^3.6),
  score = share of edges with P(blur) ≤ 63% (histogram in 1% bins). Higher = sharper.
- NIQE (Mittal, Soundararajan & Bovik 2013, MATLAB release): MSCN coefficients with a 7×7
  Gaussian (σ 7/6, replicated border, C = 1 on the 0-255 scale), 96×96 patches at two scales
  (the second by MATLAB-exact bicubic ``imresize(·, 0.5)`` with antialiasing), 18 AGGD
  features per patch and scale as ``computefeature.m`` / ``estimateaggdparam.m`` make them (shape α,
  the scales β = σ·√(Γ(1/α)/Γ(3/α)) of each side, not the standard deviations σ), the image's
  multivariate Gaussian (``nanmean``, ``nancov``) compared with the pristine model (``mu_prisparam``, ``cov_prisparam`` of ``modelparameters.mat``). Lower = more natural.
- BRISQUE (Mittal, Moorthy & Bovik 2012, as OpenCV contrib ``quality::QualityBRISQUE``): gray
  in [0, 1] float32, MSCN with 7×7 Gaussian σ 7/6 (replicated border, C = 1/255), 18 AGGD
  features at full and half size (``INTER_CUBIC``), scaled to [-1, 1] by the range file and
  scored by the SVR of the model file, clamped to [0, 100]. Lower = better.
"""

from __future__ import annotations

import os

import numpy as np

CPBD_BLOCK = 64
CPBD_EDGE_SHARE = 0.002
CPBD_BETA = 3.6
CPBD_P_JNB = 0.63

NIQE_PATCH = 96
NIQE_MODEL_FILE = "modelparameters.mat"
NIQE_MODEL_URL = "http://live.ece.utexas.edu/research/quality/niqe_release.zip (modelparameters.mat)"
BRISQUE_MODEL_FILE = "brisque_model_live.yml"
BRISQUE_RANGE_FILE = "brisque_range_live.yml"
BRISQUE_URL = "https://github.com/opencv/opencv_contrib/tree/4.x/modules/quality/samples"


def matlab_gray(img: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2gray`` of an RGB uint8 image, as float64 on 0-255 (gray input passes through)."""
    x = np.asarray(img, dtype=np.float64)
    if x.ndim == 3:
        x = np.floor(x[..., :3] @ np.array([0.298936021293775, 0.587043074451121, 0.114020904255103]) + 0.5)
    return x


def _round_half_away(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


# -- CPBD ----------------------------------------------------------------------------------------

CPBD_SOBEL_THRESHOLD = 2.0   # CPBD_compute.m: edge(I, 'Sobel', [2], 'vertical')


def _sobel_vertical_edges(gray: np.ndarray, threshold: float = CPBD_SOBEL_THRESHOLD) -> np.ndarray:
    """Vertical edges (horizontal gradient): MATLAB ``edge(I, 'sobel', threshold, 'vertical')``.

    Gradient by the Sobel kernel / 8 (replicated border); an edge where its square exceeds
    threshold² and both row neighbours (replicated at the border) are lower."""
    from scipy.ndimage import correlate

    k = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
    b = correlate(gray, k, mode="nearest") ** 2
    left = np.concatenate([b[:, :1], b[:, :-1]], axis=1)
    right = np.concatenate([b[:, 1:], b[:, -1:]], axis=1)
    return (b > threshold ** 2) & (b > left) & (b > right)


def _matlab_canny_gradient(gray: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB's smoothed gradient for Canny: a normalised Gaussian of 8·ceil(σ) taps and its numerical
    derivative (positive and negative halves each normalised to 1), convolved with replicated borders."""
    from scipy.ndimage import convolve1d

    n = (8 * int(np.ceil(sigma)) - 1) / 2
    x = np.arange(-n, n + 1)
    gauss = np.exp(-x ** 2 / (2 * sigma ** 2))
    gauss /= gauss.sum()
    deriv = np.gradient(gauss)
    deriv[deriv > 0] /= deriv[deriv > 0].sum()
    deriv[deriv < 0] /= -deriv[deriv < 0].sum()
    # imfilter 'conv' centres the flipped kernel at floor((n + 1) / 2), as scipy's convolve1d does
    conv = lambda a, k, axis: convolve1d(a, k, axis=axis, mode="nearest")
    gx = conv(conv(gray, gauss, 0), deriv, 1)
    gy = conv(conv(gray, gauss, 1), deriv, 0)
    return gx, gy


def _local_maxima(gx: np.ndarray, gy: np.ndarray, mag: np.ndarray) -> np.ndarray:
    """Non-maximum suppression along the gradient with linear interpolation between the two
    neighbours it passes between (MATLAB's four direction sectors); border pixels are never maxima."""
    h, w = mag.shape
    out = np.zeros_like(mag, dtype=bool)
    r, c = np.mgrid[1:h - 1, 1:w - 1]
    ix, iy, m = gx[1:-1, 1:-1], gy[1:-1, 1:-1], mag[1:-1, 1:-1]
    at = lambda dr, dc: mag[r + dr, c + dc]
    with np.errstate(divide="ignore", invalid="ignore"):
        sectors = (
            (((iy <= 0) & (ix > -iy)) | ((iy >= 0) & (ix < -iy)), np.abs(iy / ix), (0, 1), (-1, 1), (0, -1), (1, -1)),
            (((ix > 0) & (-iy >= ix)) | ((ix < 0) & (-iy <= ix)), np.abs(ix / iy), (-1, 0), (-1, 1), (1, 0), (1, -1)),
            (((ix <= 0) & (ix > iy)) | ((ix >= 0) & (ix < iy)), np.abs(ix / iy), (-1, 0), (-1, -1), (1, 0), (1, 1)),
            (((iy < 0) & (ix <= iy)) | ((iy > 0) & (ix >= iy)), np.abs(iy / ix), (0, -1), (-1, -1), (0, 1), (1, 1)),
        )
        for sel, d, a1, b1, a2, b2 in sectors:
            g1 = at(*a1) * (1 - d) + at(*b1) * d
            g2 = at(*a2) * (1 - d) + at(*b2) * d
            out[1:-1, 1:-1] |= sel & (m >= g1) & (m >= g2)
    return out


def matlab_canny(gray: np.ndarray, sigma: float = np.sqrt(2)) -> np.ndarray:
    """MATLAB ``edge(I, 'canny')`` with its defaults: σ √2, gradient magnitude scaled to its maximum,
    high threshold at the first of 64 histogram bins where 70 % of pixels lie below, low = 0.4 × high,
    hysteresis keeping 8-connected weak edges that touch a strong one, then one pass of ``bwmorph thin``."""
    from scipy.ndimage import label
    from skimage.morphology import thin

    gx, gy = _matlab_canny_gradient(np.asarray(gray, np.float64), sigma)
    mag = np.hypot(gx, gy)
    if mag.max() > 0:
        mag = mag / mag.max()
    counts = np.bincount(np.floor(mag.ravel() * 63 + 0.5).astype(int), minlength=64)   # imhist(mag, 64)
    high = (np.argmax(np.cumsum(counts) > 0.7 * mag.size) + 1) / 64
    low = 0.4 * high
    maxima = _local_maxima(gx, gy, mag)
    weak = maxima & (mag > low)
    labels, _ = label(weak, structure=np.ones((3, 3)))
    strong_labels = np.unique(labels[weak & (mag > high)])
    edges = np.isin(labels, strong_labels[strong_labels > 0])
    return thin(edges, max_num_iter=1) if edges.any() else edges


def _run_lengths(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each position, the number of consecutive True values ending there going left (L) and
    starting there going right (R), along rows."""
    w = mask.shape[1]
    idx = np.arange(w)
    last_false = np.maximum.accumulate(np.where(mask, -1, idx), axis=1)
    left = idx - last_false
    next_false = np.minimum.accumulate(np.where(mask, w, idx)[:, ::-1], axis=1)[:, ::-1]
    right = next_false - idx
    return left.astype(np.int32), right.astype(np.int32)


def edge_widths(gray: np.ndarray, edges: np.ndarray, max_margin: int = 100) -> np.ndarray:
    """Marziliano edge widths along the row (0 where no edge or gradient not horizontal)."""
    h, w = gray.shape
    gy, gx = np.gradient(gray)
    # CPBD_compute.m's angles: atan2 where the horizontal gradient is non-zero, else 0 (90 if gy == π/2)
    raw = np.where(gx != 0, np.degrees(np.arctan2(gy, gx)), np.where(gy == np.pi / 2, 90.0, 0.0))
    angle = 45.0 * _round_half_away(raw / 45.0)
    d = np.zeros_like(gray)
    d[:, 1:] = gray[:, 1:] - gray[:, :-1]          # d[j] = I[j] - I[j-1]
    up_l, up_r = _run_lengths(d > 0)
    dn_l, dn_r = _run_lengths(d < 0)
    widths = np.zeros((h, w))
    rows, cols = np.nonzero(edges)
    keep = (rows >= 1) & (rows <= h - 2) & (cols >= 1) & (cols <= w - 2)
    rows, cols = rows[keep], cols[keep]
    a = angle[rows, cols]
    for mask, (run_l, run_r) in (((a == 0), (up_l, up_r)), ((np.abs(a) == 180), (dn_l, dn_r))):
        r, c = rows[mask], cols[mask]
        left = 1 + np.minimum(run_l[r, c - 1], max_margin)
        nxt = np.minimum(c + 2, w - 1)
        right = 1 + np.where(c + 2 < w, np.minimum(run_r[r, nxt], max_margin), 0)
        widths[r, c] = left + right
    return widths


def cpbd(img: np.ndarray) -> float:
    """Cumulative probability of blur detection (sharpness in [0, 1], higher = sharper)."""
    gray = matlab_gray(img)
    widths = edge_widths(gray, _sobel_vertical_edges(gray))
    blocks = matlab_canny(gray)           # Canny edges only decide which blocks are edge blocks
    h, w = gray.shape
    hist = np.zeros(101)
    for i in range(h // CPBD_BLOCK):
        for j in range(w // CPBD_BLOCK):
            rs, cs = slice(i * CPBD_BLOCK, (i + 1) * CPBD_BLOCK), slice(j * CPBD_BLOCK, (j + 1) * CPBD_BLOCK)
            if np.count_nonzero(blocks[rs, cs]) <= CPBD_EDGE_SHARE * CPBD_BLOCK * CPBD_BLOCK:
                continue
            block = gray[rs, cs]
            contrast = int(block.max() - block.min())
            jnb = 5.0 if contrast <= 50 else 3.0
            bw = widths[rs, cs]
            bw = bw[bw != 0]
            p = 1.0 - np.exp(-np.abs(bw / jnb) ** CPBD_BETA)
            np.add.at(hist, np.floor(p * 100 + 0.5).astype(int), 1)
    total = hist.sum()
    return float(hist[:int(round(CPBD_P_JNB * 100)) + 1].sum() / total) if total else 0.0


# -- shared natural-scene statistics -----------------------------------------------------------

_GAMMAS = np.arange(0.2, 10.0, 0.001)


def _r_gamma() -> np.ndarray:
    from scipy.special import gamma

    return gamma(2 / _GAMMAS) ** 2 / (gamma(1 / _GAMMAS) * gamma(3 / _GAMMAS))


_R_GAM: np.ndarray | None = None


def aggd_fit(x: np.ndarray) -> tuple[float, float, float]:
    """Asymmetric generalised Gaussian fit by moment matching on the 0.001 grid of shapes 0.2-10:
    (shape alpha, left std, right std)."""
    global _R_GAM
    if _R_GAM is None:
        _R_GAM = _r_gamma()
    x = np.asarray(x, dtype=np.float64).ravel()
    neg, pos = x[x < 0], x[x > 0]
    left = np.sqrt(np.mean(neg * neg)) if neg.size else 0.0
    right = np.sqrt(np.mean(pos * pos)) if pos.size else 0.0
    if left == 0 or right == 0:
        return float("nan"), float(left), float(right)
    g = left / right
    rhat = np.mean(np.abs(x)) ** 2 / np.mean(x * x)
    rhatnorm = rhat * (g ** 3 + 1) * (g + 1) / (g ** 2 + 1) ** 2
    alpha = float(_GAMMAS[np.argmin((_R_GAM - rhatnorm) ** 2)])
    return alpha, float(left), float(right)


_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))


def _aggd_scale(alpha: float) -> float:
    """√(Γ(1/α) / Γ(3/α)): turns a one-sided standard deviation into the AGGD's scale β."""
    from scipy.special import gamma

    return float(np.sqrt(gamma(1 / alpha) / gamma(3 / alpha)))


def _aggd_mean(alpha: float, left: float, right: float) -> float:
    from scipy.special import gamma

    return (right - left) * (gamma(2 / alpha) / gamma(1 / alpha)) * _aggd_scale(alpha)


def nss_features(mscn: np.ndarray, *, spread: str, products: str) -> list[float]:
    """The 18 AGGD features of one MSCN map: (alpha, spread) of the map itself, then for each of
    the horizontal, vertical and two diagonal neighbour products (alpha, mean, left, right spread).

    ``spread``: "beta" (NIQE's ``computefeature.m``: the fitted scales βl, βr = σl,r·√(Γ(1/α)/Γ(3/α)),
    the map's pair as (βl + βr) / 2) or "variance" (BRISQUE as OpenCV computes it: σl², σr², the
    map's pair as (σl² + σr²) / 2). The mean is (βr − βl)·Γ(2/α)/Γ(1/α) in both.
    ``products``: "circular" (NIQE's ``circshift``) or "zero" (OpenCV's zero-filled shift).
    """
    def spreads(a: float, left: float, right: float) -> tuple[float, float]:
        if spread == "beta":
            k = _aggd_scale(a) if np.isfinite(a) else float("nan")
            return left * k, right * k
        return left ** 2, right ** 2

    alpha, left, right = aggd_fit(mscn)
    feats = [alpha, sum(spreads(alpha, left, right)) / 2]
    h, w = mscn.shape
    for dy, dx in _SHIFTS:
        if products == "circular":
            shifted = np.roll(mscn, (dy, dx), axis=(0, 1))
        else:  # shifted(i, j) = mscn(i + dy, j + dx), zero outside (OpenCV uses the (-1, 1) diagonal)
            dy2, dx2 = (-1, 1) if (dy, dx) == (1, -1) else (dy, dx)
            shifted = np.zeros_like(mscn)
            ys, yd = (slice(dy2, h), slice(0, h - dy2)) if dy2 >= 0 else (slice(0, h + dy2), slice(-dy2, h))
            xs, xd = (slice(dx2, w), slice(0, w - dx2)) if dx2 >= 0 else (slice(0, w + dx2), slice(-dx2, w))
            shifted[yd, xd] = mscn[ys, xs]
        a, l_, r_ = aggd_fit(mscn * shifted)
        feats += [a, _aggd_mean(a, l_, r_), *spreads(a, l_, r_)]
    return feats


def mscn(gray: np.ndarray, c: float | np.floating, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Mean-subtracted contrast-normalised coefficients and the local sigma (7×7 Gaussian σ 7/6,
    replicated border)."""
    import cv2

    x = gray.astype(dtype)
    mu = cv2.GaussianBlur(x, (7, 7), 7.0 / 6.0, borderType=cv2.BORDER_REPLICATE)
    var = cv2.GaussianBlur(x * x, (7, 7), 7.0 / 6.0, borderType=cv2.BORDER_REPLICATE) - mu * mu
    sigma = np.sqrt(np.abs(var))
    return (x - mu) / (sigma + c), sigma


# -- NIQE --------------------------------------------------------------------------------------

def _cubic(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    return ((1.5 * ax ** 3 - 2.5 * ax ** 2 + 1) * (ax <= 1)
            + (-0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))


def _resize_weights(n_in: int, n_out: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB imresize contributions (bicubic, antialiased when shrinking), 0-based indices."""
    width = 4.0 / scale if scale < 1 else 4.0
    x = np.arange(1, n_out + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    p = int(np.ceil(width)) + 2
    idx = left[:, None] + np.arange(p)[None, :]
    dist = u[:, None] - idx
    wts = scale * _cubic(scale * dist) if scale < 1 else _cubic(dist)
    wts = wts / wts.sum(1, keepdims=True)
    idx = idx - 1  # to 0-based
    # symmetric border: mirror indices outside [0, n_in)
    aux = np.r_[np.arange(n_in), np.arange(n_in - 1, -1, -1)]
    idx = aux[np.mod(idx, 2 * n_in).astype(int)]
    return wts, idx


def matlab_imresize_half(img: np.ndarray) -> np.ndarray:
    """MATLAB ``imresize(img, 0.5)`` (bicubic, antialiasing) of a float 2-D array."""
    h, w = img.shape
    oh, ow = int(np.ceil(h * 0.5)), int(np.ceil(w * 0.5))
    wr, ir = _resize_weights(h, oh, 0.5)
    out = (img[ir] * wr[:, :, None]).sum(1)
    wc, ic = _resize_weights(w, ow, 0.5)
    return (out[:, ic] * wc[None]).sum(2)


def niqe_patch_features(img: np.ndarray, patch: int = NIQE_PATCH, *, sharpness: float | None = None) -> np.ndarray:
    """NIQE features of the image's patches: N×36 (18 per scale). ``sharpness`` keeps only patches
    whose mean local sigma is at least that share of the sharpest (used to fit a pristine model)."""
    gray = matlab_gray(img)
    h, w = gray.shape
    gray = gray[: h // patch * patch, : w // patch * patch]
    if gray.shape[0] < patch or gray.shape[1] < patch:
        raise ValueError(f"NIQE needs images of at least {patch}×{patch} px, got {w}×{h}")
    per_scale, sharp = [], None
    x = gray
    for scale in (1, 2):
        m, sigma = mscn(x, 1.0)
        p = patch // scale
        rows = []
        for i in range(x.shape[0] // p):
            for j in range(x.shape[1] // p):
                block = m[i * p:(i + 1) * p, j * p:(j + 1) * p]
                rows.append(nss_features(block, spread="beta", products="circular"))
        if scale == 1:
            sharp = np.array([sigma[i * p:(i + 1) * p, j * p:(j + 1) * p].mean()
                              for i in range(x.shape[0] // p) for j in range(x.shape[1] // p)])
        per_scale.append(np.asarray(rows))
        x = matlab_imresize_half(x)
    feats = np.hstack(per_scale)
    if sharpness is not None and sharp is not None:
        feats = feats[sharp > sharpness * sharp.max()]
    return feats


def fit_niqe_model(images, *, patch: int = NIQE_PATCH, sharpness: float = 0.75) -> dict[str, np.ndarray]:
    """Pristine NIQE model (mu_prisparam 1×36, cov_prisparam 36×36) from pristine images, as the
    release's ``estimatemodelparam`` does (sharpest patches only)."""
    feats = np.vstack([niqe_patch_features(im, patch, sharpness=sharpness) for im in images])
    feats = feats[np.isfinite(feats).all(1)]
    return {"mu_prisparam": feats.mean(0)[None], "cov_prisparam": np.cov(feats, rowvar=False)}


def load_niqe_model(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(mu 36, cov 36×36) from ``modelparameters.mat`` (MATLAB release) or an .npz with the same keys."""
    path = str(path)
    if path.endswith(".npz"):
        data = dict(np.load(path))
    else:
        from scipy.io import loadmat

        data = loadmat(path)
    return np.asarray(data["mu_prisparam"], dtype=np.float64).ravel(), np.asarray(data["cov_prisparam"], dtype=np.float64)


def niqe(img: np.ndarray, mu_pris: np.ndarray, cov_pris: np.ndarray, patch: int = NIQE_PATCH) -> float:
    """NIQE of one image against a pristine model: sqrt((mu_p - mu)ᵀ pinv((C_p + C) / 2) (mu_p - mu))."""
    feats = niqe_patch_features(img, patch)
    feats[~np.isfinite(feats)] = np.nan
    complete = feats[~np.isnan(feats).any(1)]
    if len(complete) < 2:
        raise ValueError("NIQE needs at least 2 patches with finite features (image too small or flat)")
    mu = np.nanmean(feats, 0)                  # MATLAB nanmean: each feature over the patches that have it
    cov = np.cov(complete, rowvar=False)       # nancov: patches with every feature
    d = mu_pris - mu
    return float(np.sqrt(d @ np.linalg.pinv((cov_pris + cov) / 2) @ d))


# -- BRISQUE -----------------------------------------------------------------------------------

def brisque_features(img: np.ndarray) -> np.ndarray:
    """The 36 BRISQUE features exactly as OpenCV contrib computes them (float32 pipeline)."""
    import cv2

    x = np.asarray(img)
    if x.ndim == 3:
        x = cv2.cvtColor(np.ascontiguousarray(x[..., :3]), cv2.COLOR_RGB2GRAY)
    x = x.astype(np.float32) / np.float32(255.0)
    feats: list[float] = []
    for scale in (1, 2):
        size = (x.shape[1] // scale, x.shape[0] // scale)
        xs = cv2.resize(x, size, interpolation=cv2.INTER_CUBIC) if scale > 1 else x
        m, _ = mscn(xs, np.float32(1.0 / 255), dtype=np.float32)
        feats += nss_features(m.astype(np.float32), spread="variance", products="zero")
    return np.asarray(feats, dtype=np.float32)


class BrisqueModel:
    """The SVR model and feature range files of OpenCV's BRISQUE (LIVE or your own)."""

    def __init__(self, model_file: str | os.PathLike, range_file: str | os.PathLike) -> None:
        import cv2

        self.svm = cv2.ml.SVM_load(str(model_file))
        fs = cv2.FileStorage(str(range_file), cv2.FILE_STORAGE_READ)
        self.range = fs.getNode("range").mat()
        fs.release()
        if self.range is None or self.range.shape != (2, 36):
            raise ValueError(f"{range_file}: expected a 2×36 'range' matrix (min row, max row)")

    def score(self, features: np.ndarray) -> float:
        """SVR score of 36 features; NaN when a feature is undefined (e.g. a flat frame)."""
        if not np.isfinite(features).all():
            return float("nan")
        lo, hi = self.range[0].astype(np.float32), self.range[1].astype(np.float32)
        f = np.asarray(features, dtype=np.float32)[None]
        scaled = (-1.0 + 2.0 * (f - lo) / (hi - lo)).astype(np.float32)
        _, out = self.svm.predict(scaled)
        return float(min(max(float(out[0, 0]), 0.0), 100.0))


def brisque(img: np.ndarray, model: BrisqueModel) -> float:
    return model.score(brisque_features(img))


__all__ = [
    "matlab_gray", "edge_widths", "cpbd", "aggd_fit", "nss_features", "mscn", "matlab_imresize_half",
    "niqe_patch_features", "fit_niqe_model", "load_niqe_model", "niqe", "brisque_features", "BrisqueModel",
    "brisque", "NIQE_MODEL_FILE", "NIQE_MODEL_URL", "BRISQUE_MODEL_FILE", "BRISQUE_RANGE_FILE", "BRISQUE_URL",
]
