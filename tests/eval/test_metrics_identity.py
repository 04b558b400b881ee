"""csim-dlib on real photos: the astronaut against frames of herself and against Grace Hopper."""

from __future__ import annotations

import numpy as np
import pytest
from _clips import face_crop

from thg.eval.functional import dlib68 as D
from thg.eval.registry import create_metric


@pytest.fixture(scope="module")
def hopper():
    from matplotlib import cbook

    from thg.io.image import load_image

    return load_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def _run(frames, source):
    m = create_metric("csim-dlib")
    m.set_context(source=source)
    m.update(frames)
    return m.compute()


def test_csim_dlib_is_the_cosine_of_dlib_descriptors(portrait, hopper):
    import cv2

    frames = np.stack([face_crop(portrait, dx=3 * k, angle=k) for k in range(3)])
    r = _run(frames, portrait)
    dl = D.models()
    src = dl.descriptor(portrait, dl.face(portrait))
    by_hand = []
    for f in frames:
        d = dl.descriptor(f, dl.face(f))
        by_hand.append(d @ src / (np.linalg.norm(d) * np.linalg.norm(src)))
    np.testing.assert_allclose(r.per_frame, by_hand, rtol=1e-12)
    assert r.value > 0.99 and r.coverage == 1.0 and r.extra["same_person_share"] == 1.0
    other = _run(cv2.resize(hopper, (256, 256), interpolation=cv2.INTER_AREA)[None], portrait)
    # a different person: far by dlib's own distance, yet still a high cosine (not ArcFace's scale)
    assert 0.8 < other.value < 0.95 and other.extra["distance"] > 0.6 and other.extra["same_person_share"] == 0.0


def test_frames_without_a_face_lower_the_coverage(portrait):
    flat = np.full((2, 256, 256, 3), 120, np.uint8)
    r = _run(np.concatenate([face_crop(portrait)[None], flat[:1]]), portrait)
    assert r.coverage == 0.5 and np.isnan(r.per_frame[1]) and "without a face" in r.notes[0]
    assert np.isnan(_run(flat, portrait).value)
