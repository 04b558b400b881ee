import numpy as np
import pytest

from thg.eval.metrics.deep.fdd import dynamics, similarity_3d
from thg.eval.registry import create_metric


def test_dynamics_is_codetalkers_formula_written_out():
    rng = np.random.default_rng(0)
    shapes = rng.normal(size=(12, 5, 3))
    motion = shapes - shapes.mean(0)
    per_vertex = [np.std([np.sum(motion[t, v] ** 2) for t in range(12)]) for v in range(5)]
    assert dynamics(shapes) == pytest.approx(np.mean(per_vertex))
    assert dynamics(np.repeat(shapes[:1], 12, axis=0)) == 0.0          # a still face has no dynamics


def test_similarity_removes_pose_and_scale():
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(30, 3))
    angle = 0.4
    rot = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    moved = 2.5 * pts @ rot.T + np.array([3.0, -1.0, 0.5])
    s, r, t = similarity_3d(moved, pts)
    np.testing.assert_allclose(s * moved @ r.T + t, pts, atol=1e-9)


def _frames_with_eyebrow_motion(face_frames, amplitude):
    """The astronaut with the band above the eyes pushed up and down by `amplitude` px."""
    import cv2

    out = []
    for t, frame in enumerate(face_frames[:16]):
        shift = amplitude * np.sin(t * np.pi / 4)
        h, w = frame.shape[:2]
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        weight = np.exp(-((ys - 105) ** 2) / (2 * 12 ** 2)).astype(np.float32)   # brow band of the 256 px frame
        out.append(cv2.remap(frame, xs, ys + shift * weight, cv2.INTER_LINEAR))
    return np.stack(out)


def test_fdd_is_zero_for_the_same_video_and_grows_when_the_brows_stop(face_frames):
    moving = _frames_with_eyebrow_motion(face_frames, 6)
    still = np.repeat(moving[:1], len(moving), axis=0)
    m = create_metric("fdd")
    m.update(moving, moving)
    same = m.compute()
    assert same.value == pytest.approx(0.0, abs=1e-9) and same.coverage == 1.0
    m = create_metric("fdd")
    m.update(still, moving)
    frozen = m.compute()
    assert frozen.value > 0 and frozen.extra["fdd_signed"] > 0       # prediction too still
    assert frozen.extra["dynamics_pred"] < frozen.extra["dynamics_ref"]


def test_functional_twin_matches_the_class(face_frames):
    from thg.eval.metrics.deep import functional as D

    moving = _frames_with_eyebrow_motion(face_frames, 6)
    still = np.repeat(moving[:1], len(moving), axis=0)
    m = create_metric("fdd")
    m.update(still, moving)
    assert D.fdd(still, moving) == pytest.approx(m.compute().value)
