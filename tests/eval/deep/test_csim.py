import numpy as np
import pytest

from thg.eval.metrics.deep.faces import (
    ARCFACE_TEMPLATE,
    arcface_align,
    five_points,
    similarity_transform,
)
from thg.eval.registry import create_metric


def test_similarity_transform_matches_scikit_image():
    from skimage.transform import SimilarityTransform

    rng = np.random.default_rng(0)
    src = ARCFACE_TEMPLATE * 2.3 + rng.normal(0, 3, (5, 2)) + 40
    ours = similarity_transform(src, ARCFACE_TEMPLATE)
    if hasattr(SimilarityTransform, "from_estimate"):   # what insightface's estimate_norm uses
        params = SimilarityTransform.from_estimate(src, ARCFACE_TEMPLATE).params
    else:
        ref = SimilarityTransform()
        ref.estimate(src, ARCFACE_TEMPLATE)
        params = ref.params
    np.testing.assert_allclose(ours, params[:2], atol=1e-8)


def test_alignment_puts_the_mesh_points_on_the_template(portrait):
    from thg.features import find_face

    face = find_face(portrait)
    crop = arcface_align(portrait, five_points(face.xy))
    assert crop.shape == (112, 112, 3)
    import cv2

    from thg.features import FaceMesher

    with FaceMesher(static=True) as mesher:                # the tight crop, seen again at 2x
        again = mesher.detect(cv2.resize(crop, (224, 224), interpolation=cv2.INTER_CUBIC))[0]
    m = similarity_transform(five_points(face.xy), ARCFACE_TEMPLATE)
    mapped = five_points(face.xy) @ m[:, :2].T + m[:, 2]
    seen = five_points(again.xy) / 2
    assert np.linalg.norm(seen - mapped, axis=1).max() < 4            # the warp applies the fitted transform
    assert np.linalg.norm(mapped - ARCFACE_TEMPLATE, axis=1).mean() < 6  # and the fit lands on the template


def test_csim_end_to_end_with_random_arcface(portrait, face_frames, arcface_weights):
    import cv2

    m = create_metric("csim", weights_dir=arcface_weights)
    m.set_context(source=portrait)
    frames = face_frames[:3].copy()
    frames[1] = cv2.GaussianBlur(frames[1], (0, 0), 25)   # a frame where the face cannot be found
    m.update(frames)
    r = m.compute()
    assert -1 <= r.value <= 1 and np.isfinite(r.value)
    assert r.per_frame.shape == (3,)
    assert r.coverage == pytest.approx(2 / 3) and np.isnan(r.per_frame[1]) and r.notes
    # the same image against itself is similarity 1 (up to alignment rounding)
    same = create_metric("csim-ref", weights_dir=arcface_weights)
    same.update(face_frames[:1], face_frames[:1])
    assert same.compute().value == pytest.approx(1.0, abs=1e-6)


def test_csim_without_source_says_so(face_frames, arcface_weights):
    from thg.errors import InputError

    m = create_metric("csim", weights_dir=arcface_weights)
    with pytest.raises(InputError, match="--source"):
        m.update(face_frames[:1])
