"""PSNR, SSIM, MS-SSIM, L1 against independent references, and their direction on known distortions."""

from __future__ import annotations

import numpy as np
import pytest
from _clips import face_crop

from thg.eval import functional as F
from thg.eval.registry import create_metric


def _noisy(img, sigma, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def _blur(img, k):
    import cv2

    return cv2.GaussianBlur(img, (0, 0), k)


def _jpeg(img, q):
    import cv2

    ok, buf = cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1]


@pytest.mark.parametrize("distort", [lambda x: _noisy(x, 15), lambda x: _blur(x, 2.0), lambda x: _jpeg(x, 10)])
def test_psnr_and_ssim_match_scikit_image(portrait, distort):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    b = distort(portrait)
    ref_ssim = structural_similarity(portrait, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                     data_range=255, channel_axis=-1)
    assert F.ssim(portrait, b) == pytest.approx(ref_ssim, abs=1e-4)
    assert F.psnr(portrait, b) == pytest.approx(peak_signal_noise_ratio(portrait, b, data_range=255), abs=1e-4)
    gray_a, gray_b = portrait.mean(-1), b.astype(np.float64).mean(-1)
    ref_gray = structural_similarity(gray_a, gray_b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                     data_range=255)
    assert F.ssim(portrait, b, channels="gray") == pytest.approx(ref_gray, abs=1e-4)


def _ms_ssim_reference(a, b):
    """MS-SSIM written out directly from Wang et al. 2003 with scipy (independent of the code under test)."""
    from scipy.ndimage import correlate

    ax = np.arange(11) - 5
    g = np.exp(-ax ** 2 / (2 * 1.5 ** 2))
    win = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    weights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
    out = []
    for c in range(3):
        x, y = a[..., c].astype(np.float64), b[..., c].astype(np.float64)
        value = 1.0
        for s, w in enumerate(weights):
            mu_x, mu_y = correlate(x, win, mode="reflect"), correlate(y, win, mode="reflect")
            sxx = correlate(x * x, win, mode="reflect") - mu_x ** 2
            syy = correlate(y * y, win, mode="reflect") - mu_y ** 2
            sxy = correlate(x * y, win, mode="reflect") - mu_x * mu_y
            cs = ((2 * sxy + c2) / (sxx + syy + c2))[5:-5, 5:-5].mean()
            lum = ((2 * mu_x * mu_y + c1) / (mu_x ** 2 + mu_y ** 2 + c1))
            cs_map = (2 * sxy + c2) / (sxx + syy + c2)
            term = (lum * cs_map)[5:-5, 5:-5].mean() if s == 4 else cs
            value *= max(term, 0.0) ** w
            h, wd = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
            x = x[:h, :wd].reshape(h // 2, 2, wd // 2, 2).mean((1, 3))
            y = y[:h, :wd].reshape(h // 2, 2, wd // 2, 2).mean((1, 3))
        out.append(value)
    return float(np.mean(out))


def test_ms_ssim_matches_direct_formula(portrait):
    b = _blur(portrait, 1.5)
    assert F.ms_ssim(portrait, b) == pytest.approx(_ms_ssim_reference(portrait, b), abs=1e-4)
    assert F.ms_ssim(portrait, portrait) == pytest.approx(1.0)


DISTORTIONS = {
    "noise": lambda portrait, k: _noisy(face_crop(portrait, size=512), 5 * k),
    "blur": lambda portrait, k: _blur(face_crop(portrait, size=512), 0.7 * k),
    "jpeg": lambda portrait, k: _jpeg(face_crop(portrait, size=512), 60 // k),
    "shift": lambda portrait, k: face_crop(portrait, dx=1.5 * k, size=512),
}


@pytest.mark.parametrize("name", ["psnr", "ssim", "ms-ssim"])
@pytest.mark.parametrize("kind", sorted(DISTORTIONS))
def test_quality_falls_with_stronger_distortion(portrait, name, kind):
    fn = {"psnr": F.psnr, "ssim": F.ssim, "ms-ssim": F.ms_ssim}[name]
    ref = face_crop(portrait, size=512)
    scores = [fn(ref, DISTORTIONS[kind](portrait, k)) for k in (1, 2, 4)]
    assert scores[0] > scores[1] > scores[2], scores


def test_l1_grows_with_noise_and_metric_class_streams(portrait):
    ref = face_crop(portrait)
    assert F.l1(ref, ref) == 0.0
    assert F.l1(ref, _noisy(ref, 5)) < F.l1(ref, _noisy(ref, 20))
    m = create_metric("l1")
    frames = np.stack([ref, _noisy(ref, 10), _noisy(ref, 10, seed=1)])
    m.update(frames[:2], np.stack([ref] * 2))
    m.update(frames[2:], ref[None])
    r = m.compute()
    assert r.per_frame.shape == (3,) and r.per_frame[0] == 0.0
    assert r.value == pytest.approx(r.per_frame.mean())


def test_psnr_of_identical_frames_is_capped_and_recorded(portrait):
    m = create_metric("psnr", max_db=80)
    m.update(portrait[None], portrait[None])
    r = m.compute()
    assert r.value == 80.0 and r.convention["max_db"] == 80.0


@pytest.mark.parametrize("name,fn", [("psnr", F.psnr), ("ssim", F.ssim), ("ms-ssim", F.ms_ssim), ("l1", F.l1)])
@pytest.mark.parametrize("channels", ["rgb", "y"])
def test_streamed_chunks_equal_the_per_frame_function(portrait, name, fn, channels):
    ref = np.stack([face_crop(portrait, dx=k, size=192) for k in range(5)])
    pred = np.stack([_noisy(f, 4 + 4 * k, seed=k) for k, f in enumerate(ref)])
    m = create_metric(name, channels=channels)
    m.update(pred[:2], ref[:2])
    m.update(pred[2:], ref[2:])
    r = m.compute()
    expected = [fn(p, q, channels=channels) for p, q in zip(pred, ref)]
    assert np.allclose(r.per_frame, expected, atol=1e-6)
    assert r.convention["channels"] == channels


def test_gray_images_and_y_channel_follow_the_references(portrait):
    from skimage.color import rgb2ycbcr
    from skimage.metrics import structural_similarity

    dark = (portrait * 0.25).astype(np.uint8)           # the +16 of Y matters most in dark frames
    for img in (portrait, dark):
        b = _noisy(_blur(img, 1.0), 6)
        y1, y2 = rgb2ycbcr(img)[..., 0], rgb2ycbcr(b)[..., 0]          # 16 + BT.601 luma, 0-255 scale
        ref_y = structural_similarity(y1, y2, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                      data_range=255)
        assert F.ssim(img, b, channels="y") == pytest.approx(ref_y, abs=1e-6)
        assert F.ms_ssim(img, b, channels="y") == pytest.approx(F.ms_ssim(y1, y2), abs=1e-6)
        assert F.psnr(img, b, channels="y") == pytest.approx(10 * np.log10(255 ** 2 / np.mean((y1 - y2) ** 2)))
    g1, g2 = portrait[..., 0], b[..., 0]
    ref_g = structural_similarity(g1, g2, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    assert F.ssim(g1, g2) == pytest.approx(ref_g, abs=1e-4)


def test_ms_ssim_metric_rejects_small_frames_in_one_line():
    from thg.errors import InputError

    m = create_metric("ms-ssim")
    with pytest.raises(InputError, match="ms-ssim.*176"):
        m.update(np.zeros((1, 128, 128, 3), np.uint8), np.zeros((1, 128, 128, 3), np.uint8))
