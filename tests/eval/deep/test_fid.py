import numpy as np
import pytest
import torch
import torch.nn.functional as F

from thg.eval.metrics.deep.frechet import Moments, frechet_distance
from thg.eval.metrics.deep.preprocess import fid_input, pil_bicubic
from thg.eval.registry import create_metric


def test_frechet_matches_closed_form_and_both_methods_agree():
    rng = np.random.default_rng(0)
    # diagonal covariances: d = |mu1-mu2|^2 + sum (sqrt(a) - sqrt(b))^2
    a, b = rng.uniform(0.5, 2, 16), rng.uniform(0.5, 2, 16)
    mu1, mu2 = rng.normal(size=16), rng.normal(size=16)
    closed = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    for method in ("sqrtm", "eigh"):
        assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b), method=method)[0] == pytest.approx(closed)
    x, y = rng.normal(size=(200, 64)), rng.normal(size=(200, 64)) @ rng.normal(size=(64, 64)) * 0.3
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    d_sqrtm = frechet_distance(x.mean(0), s1, y.mean(0), s2, method="sqrtm")[0]
    assert d_sqrtm == pytest.approx(frechet_distance(x.mean(0), s1, y.mean(0), s2, method="eigh")[0], rel=1e-6)


def test_running_moments_equal_numpy_cov_and_merge():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 8)) + 3
    a, b = Moments(8), Moments(8)
    a.add(x[:20])
    b.add(x[20:])
    a.merge(b)
    mu, cov = a.mean_cov()
    np.testing.assert_allclose(mu, x.mean(0))
    np.testing.assert_allclose(cov, np.cov(x, rowvar=False), atol=1e-10)


def test_resizes_follow_pytorch_fid_and_clean_fid(portrait):
    from PIL import Image

    frames = portrait[None, :200, :240]
    x = fid_input(frames, "bilinear")
    ref = F.interpolate(torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255, size=(299, 299),
                        mode="bilinear", align_corners=False) * 2 - 1
    assert x.shape == (1, 3, 299, 299)
    torch.testing.assert_close(x, ref)
    red = np.asarray(Image.fromarray(frames[0, :, :, 0].astype(np.float32), "F").resize((299, 299), Image.BICUBIC))
    np.testing.assert_allclose(pil_bicubic(frames[0], 299)[:, :, 0], np.clip(red, 0, 255))
    clean = fid_input(frames, "pil-bicubic")
    assert clean.shape == x.shape and not torch.allclose(clean, x)        # the two conventions differ


def _fid(pred, ref, weights, **params):
    m = create_metric("fid", weights_dir=weights, frechet="eigh", **params)
    m.update(pred, ref)
    return m


def test_fid_end_to_end_pools_and_merges(portrait, inception_weights):
    import cv2

    ref = np.stack([cv2.resize(np.roll(portrait, 9 * k, axis=1), (96, 96)) for k in range(2)])
    rng = np.random.default_rng(0)
    noisy = np.clip(ref + rng.normal(0, 30, ref.shape), 0, 255).astype(np.uint8)
    same = _fid(ref, ref, inception_weights).state()            # identical sets pool identical moments
    np.testing.assert_allclose(same["pred_sum"], same["ref_sum"])
    np.testing.assert_allclose(same["pred_outer"], same["ref_outer"])
    whole = _fid(noisy, ref, inception_weights)
    result = whole.compute()
    assert result.value > 0 and result.convention["n_pred"] == 2
    assert any("rank-deficient" in n for n in result.notes)
    # two workers on two halves, merged through the saved state, pool exactly the same moments
    first, second = _fid(noisy[:1], ref[:1], inception_weights), _fid(noisy[1:], ref[1:], inception_weights)
    restored = create_metric("fid", weights_dir=inception_weights, frechet="eigh")
    restored.load_state({k: np.array(v) for k, v in second.state().items()})
    first.merge(restored)
    for key, value in whole.state().items():
        np.testing.assert_allclose(first.state()[key], value, rtol=1e-9, atol=1e-9)


def test_fid_rejects_an_unknown_resize():
    from thg.errors import InputError

    with pytest.raises(InputError, match="pil-bicubic"):
        create_metric("fid", resize="lanczos")
