"""CPBD, NIQE and BRISQUE on the astronaut with known distortions; model files fitted here on
real images stand in for the LIVE files a user supplies in the weights folder."""

from __future__ import annotations

import numpy as np
import pytest

from thg.errors import BackendMissingError
from thg.eval import functional as F
from thg.eval.functional import noref as N
from thg.eval.registry import create_metric


def _blur(img, s):
    import cv2

    return cv2.GaussianBlur(img, (0, 0), s) if s else img


def _noisy(img, sigma, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def _jpeg(img, q):
    import cv2

    ok, buf = cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1]


def test_cpbd_falls_with_blur(portrait):
    scores = [F.cpbd(_blur(portrait, s)) for s in (0, 0.6, 1.2, 2.5)]
    assert 0.2 < scores[0] <= 1.0
    assert scores[0] > scores[1] > scores[2] >= scores[3]
    m = create_metric("cpbd")
    m.update(np.stack([portrait, _blur(portrait, 1.2)]))
    r = m.compute()
    assert r.value == pytest.approx(np.mean([scores[0], scores[2]]))
    assert r.convention["p_jnb"] == 0.63


def test_marziliano_width_of_a_known_ramp():
    # a step blurred into a 6-pixel linear ramp: the edge is 6 intervals wide
    row = np.r_[np.zeros(20), np.linspace(0, 200, 7)[1:-1], np.full(20, 200.0)]
    img = np.tile(row, (5, 1))
    edges = np.zeros_like(img, dtype=bool)
    edges[2, 22] = True
    assert N.edge_widths(img, edges)[2, 22] == 6


def test_matlab_imresize_half_keeps_constants_and_ramps():
    flat = np.full((40, 30), 7.0)
    assert np.allclose(N.matlab_imresize_half(flat), 7.0)
    ramp = np.tile(np.arange(40.0), (20, 1))
    half = N.matlab_imresize_half(ramp)
    assert half.shape == (10, 20)
    # output pixel j covers input pixels 2j, 2j+1: a linear ramp gives their mean away from the border
    assert np.allclose(half[:, 3:-3], (np.arange(20) * 2 + 0.5)[3:-3])


def test_aggd_fit_recovers_a_gaussian_shape():
    x = np.random.default_rng(0).normal(0, 2.0, 200_000)
    alpha, left, right = N.aggd_fit(x)
    assert alpha == pytest.approx(2.0, abs=0.05)
    assert left == pytest.approx(2.0, rel=0.02) and right == pytest.approx(2.0, rel=0.02)


def test_brisque_features_match_opencv_contrib(portrait):
    import cv2

    for img in (portrait, _blur(portrait, 1.5), _noisy(portrait, 20)):
        ref = np.asarray(cv2.quality.QualityBRISQUE_computeFeatures(np.ascontiguousarray(img[:, :, ::-1]))).ravel()
        mine = N.brisque_features(img)
        assert np.allclose(mine, ref, rtol=1e-3, atol=1e-4)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, portrait):
    """NIQE and BRISQUE parameter files fitted on real images, written in the LIVE files' formats."""
    import cv2
    from scipy.io import savemat
    from skimage import data

    folder = tmp_path_factory.mktemp("weights")
    pristine = [portrait, data.chelsea(), data.coffee()]
    savemat(folder / N.NIQE_MODEL_FILE, N.fit_niqe_model(pristine, sharpness=0.75))

    feats, scores = [], []
    for img in pristine:
        for level in range(5):
            for fn in (lambda x, k: _blur(x, 0.8 * k), lambda x, k: _noisy(x, 8 * k),
                       lambda x, k: _jpeg(x, max(5, 90 - 20 * k))):
                feats.append(N.brisque_features(fn(img, level)))
                scores.append(20.0 * level)
    feats = np.asarray(feats, dtype=np.float32)
    lo, hi = feats.min(0), feats.max(0)
    hi = np.where(hi > lo, hi, lo + 1)
    fs = cv2.FileStorage(str(folder / N.BRISQUE_RANGE_FILE), cv2.FILE_STORAGE_WRITE)
    fs.write("range", np.stack([lo, hi]).astype(np.float32))
    fs.release()
    svm = cv2.ml.SVM_create()
    svm.setType(cv2.ml.SVM_EPS_SVR)
    svm.setKernel(cv2.ml.SVM_RBF)
    svm.setC(100.0)
    svm.setP(1.0)
    svm.setGamma(0.05)
    scaled = (-1 + 2 * (feats - lo) / (hi - lo)).astype(np.float32)
    svm.train(scaled, cv2.ml.ROW_SAMPLE, np.asarray(scores, dtype=np.float32))
    svm.save(str(folder / N.BRISQUE_MODEL_FILE))
    return folder


def test_niqe_rises_with_distortion_and_reads_the_model_from_the_weights_folder(portrait, model_dir):
    m = create_metric("niqe", weights_dir=model_dir)
    clean = N.niqe(portrait, m.mu, m.cov)
    assert N.niqe(_noisy(portrait, 25), m.mu, m.cov) > clean
    assert N.niqe(_blur(portrait, 3.0), m.mu, m.cov) > clean
    m.update(np.stack([portrait, _noisy(portrait, 25)]))
    r = m.compute()
    assert r.per_frame[0] == pytest.approx(clean) and r.value > clean
    assert r.convention["model"] == "modelparameters.mat"


def test_brisque_scores_like_opencv_and_rises_with_distortion(portrait, model_dir):
    import cv2

    m = create_metric("brisque", weights_dir=model_dir)
    for img in (portrait, _noisy(portrait, 16), _blur(portrait, 2.4)):
        ref = cv2.quality.QualityBRISQUE_compute(np.ascontiguousarray(img[:, :, ::-1]),
                                                 str(model_dir / N.BRISQUE_MODEL_FILE),
                                                 str(model_dir / N.BRISQUE_RANGE_FILE))[0]
        assert N.brisque(img, m.model) == pytest.approx(ref, abs=0.5)
    scores = [N.brisque(_noisy(portrait, s), m.model) for s in (0, 12, 30)]
    assert scores[0] < scores[1] < scores[2]


def test_missing_model_files_name_the_file_the_metric_and_the_source(tmp_path):
    with pytest.raises(BackendMissingError, match="niqe.*modelparameters.mat.*live.ece.utexas.edu"):
        create_metric("niqe", weights_dir=tmp_path)
    with pytest.raises(BackendMissingError, match="brisque.*brisque_model_live.yml.*opencv_contrib"):
        create_metric("brisque", weights_dir=tmp_path)


def test_fps_times_a_generator():
    import time

    def generate():
        for _ in range(6):
            time.sleep(0.02)
            yield np.zeros((8, 8, 3), np.uint8)

    r = F.measure_fps(generate, warmup_frames=1)
    assert r.name == "fps" and r.extra["frames"] == 5
    assert 25 < r.value < 55
    m = create_metric("fps")
    with pytest.raises(Exception, match="times a generator"):
        m.update(np.zeros((1, 8, 8, 3), np.uint8))


def test_flat_frames_give_nan_not_a_made_up_score(model_dir):
    flat = np.full((2, 256, 256, 3), 100, np.uint8)
    for name in ("brisque", "niqe"):
        m = create_metric(name, weights_dir=model_dir)
        m.update(flat)
        r = m.compute()
        assert np.isnan(r.value) and r.coverage == 0.0, name
    assert F.cpbd(flat[0]) == 0.0  # no edges: nothing is sharp


def _computefeature_by_hand(block):
    """The NIQE release's computefeature.m / estimateaggdparam.m, written out line by line."""
    from math import gamma, sqrt

    gam = np.arange(0.2, 10.0 + 1e-9, 0.001)[:9801]
    r_gam = np.array([gamma(2 / g) ** 2 / (gamma(1 / g) * gamma(3 / g)) for g in gam])

    def estimateaggdparam(vec):
        leftstd = sqrt(np.mean(vec[vec < 0] ** 2))
        rightstd = sqrt(np.mean(vec[vec > 0] ** 2))
        gammahat = leftstd / rightstd
        rhat = np.mean(np.abs(vec)) ** 2 / np.mean(vec ** 2)
        rhatnorm = rhat * (gammahat ** 3 + 1) * (gammahat + 1) / (gammahat ** 2 + 1) ** 2
        alpha = gam[np.argmin((r_gam - rhatnorm) ** 2)]
        return alpha, leftstd * sqrt(gamma(1 / alpha) / gamma(3 / alpha)), rightstd * sqrt(gamma(1 / alpha) / gamma(3 / alpha))

    alpha, betal, betar = estimateaggdparam(block.ravel())
    feat = [alpha, (betal + betar) / 2]
    for shift in ((0, 1), (1, 0), (1, 1), (1, -1)):
        pair = block.ravel() * np.roll(block, shift, axis=(0, 1)).ravel()
        alpha, betal, betar = estimateaggdparam(pair)
        feat += [alpha, (betar - betal) * (gamma(2 / alpha) / gamma(1 / alpha)), betal, betar]
    return np.array(feat)


def test_niqe_features_are_the_release_s_beta_scaled_aggd_parameters(portrait):
    import cv2

    gray = N.matlab_gray(cv2.resize(portrait, (192, 192), interpolation=cv2.INTER_AREA))
    m, _ = N.mscn(gray, 1.0)
    feats = N.niqe_patch_features(cv2.resize(portrait, (192, 192), interpolation=cv2.INTER_AREA))
    assert feats.shape == (4, 36)
    for k, (i, j) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):   # row-major patches, first scale
        by_hand = _computefeature_by_hand(m[96 * i:96 * (i + 1), 96 * j:96 * (j + 1)])
        np.testing.assert_allclose(feats[k, :18], by_hand, rtol=1e-10)


def test_niqe_spread_of_a_gaussian_is_its_aggd_scale():
    # a Gaussian is the AGGD with α = 2, whose scale is β = σ·√(Γ(1/2)/Γ(3/2)) = σ·√2
    x = np.random.default_rng(0).normal(0, 1.5, (300, 300))
    feats = N.nss_features(x, spread="beta", products="circular")
    assert feats[0] == pytest.approx(2.0, abs=0.05)
    assert feats[1] == pytest.approx(1.5 * np.sqrt(2), rel=0.02)
    brisque_like = N.nss_features(x, spread="variance", products="zero")
    assert brisque_like[1] == pytest.approx(1.5 ** 2, rel=0.02)   # BRISQUE keeps σ² (OpenCV's convention)


@pytest.fixture(scope="module")
def cpbd_package():
    """The `cpbd` package (an independent Python port of the CPBD release). It imports
    ``scipy.ndimage.imread`` for its command line only, which SciPy no longer has."""
    import importlib

    import scipy.ndimage

    if not hasattr(scipy.ndimage, "imread"):
        scipy.ndimage.imread = None
    return importlib.import_module("cpbd.compute")


@pytest.mark.parametrize("sigma", [0, 1.0, 1.5, 2.0])
def test_cpbd_equals_the_cpbd_package_on_the_release_s_edge_maps(portrait, cpbd_package, sigma):
    img = _blur(portrait, sigma)
    gray = N.matlab_gray(img)
    widths = cpbd_package.marziliano_method(N._sobel_vertical_edges(gray), gray)
    ref = cpbd_package._calculate_sharpness_metric(gray, N.matlab_canny(gray), widths)
    assert F.cpbd(img) == pytest.approx(ref, rel=1e-12)


def test_cpbd_of_a_blurred_face_is_small_but_not_zero(portrait, cpbd_package):
    # blocks are chosen by Canny edges, not by the Sobel edges that blur thins out
    for sigma in (1.5, 2.0):
        mine = F.cpbd(_blur(portrait, sigma))
        theirs = cpbd_package.compute(N.matlab_gray(_blur(portrait, sigma)))   # its Octave-style Sobel cutoff
        assert 0.01 < mine < 0.1 and mine == pytest.approx(theirs, abs=0.025)


def test_cpbd_sobel_cutoff_is_the_release_s_fixed_2():
    def ramp(height):       # flat, one intermediate column, flat: Sobel / 8 peaks at height / 2 there
        img = np.full((64, 64), 100.0)
        img[:, 32] += height / 2
        img[:, 33:] += height
        return img

    assert not N._sobel_vertical_edges(ramp(3.0)).any()            # 1.5 < 2: no edge however flat the rest
    assert N._sobel_vertical_edges(ramp(5.0)).sum(1).tolist() == [1] * 64   # 2.5 > 2: one thinned edge a row


def test_matlab_canny_draws_one_line_on_a_step():
    img = np.zeros((40, 40))
    img[:, 20:] = 200.0
    edges = N.matlab_canny(img)
    cols = {int(c) for c in np.nonzero(edges)[1]}
    assert len(cols) == 1 and cols <= {19, 20}
    assert edges[3:-3].sum(1).min() == 1
