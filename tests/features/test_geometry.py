"""The one similarity fit, against scikit-image's (also Umeyama's) on the same points."""

from __future__ import annotations

import numpy as np
import pytest

from thg.features.geometry import similarity_fit


@pytest.mark.parametrize("dim", [2, 3])
def test_recovers_a_known_similarity_from_noisy_points(dim):
    rng = np.random.default_rng(dim)
    src = rng.normal(size=(60, dim)) * 50
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    rot = q * np.r_[np.sign(np.linalg.det(q)), np.ones(dim - 1)]   # a proper rotation (first column flipped if needed)
    dst = 1.7 * src @ rot.T + rng.normal(size=dim) * 20 + rng.normal(size=(60, dim)) * 0.01
    s, r, t = similarity_fit(src, dst)
    assert abs(s - 1.7) < 1e-3 and np.allclose(r, rot, atol=1e-4) and np.linalg.det(r) > 0
    assert np.abs(s * src @ r.T + t - dst).max() < 0.1


def test_matches_scikit_image_and_never_reflects():
    from skimage.transform import SimilarityTransform

    rng = np.random.default_rng(0)
    src = rng.normal(size=(30, 2))
    dst = src * [-1, 1] + rng.normal(size=(30, 2)) * 0.05      # a mirror image: the best fit is no reflection
    s, r, t = similarity_fit(src, dst)
    ref = SimilarityTransform.from_estimate(src, dst) if hasattr(SimilarityTransform, "from_estimate") else None
    if ref is None:
        ref = SimilarityTransform()
        assert ref.estimate(src, dst)
    assert np.allclose(np.hstack([s * r, t[:, None]]), ref.params[:2], atol=1e-9) and np.linalg.det(r) > 0
