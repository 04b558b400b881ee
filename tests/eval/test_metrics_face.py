"""Face-mesh metrics on real frames of the astronaut moved, rotated and re-animated in known ways."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _clips import close_eyes, face_crop, open_mouth, speech_driven_frames

from thg.eval.functional import face as G
from thg.eval.registry import create_metric

N = 12


def _clip(portrait, dx=0.0, angle=0.0, n=N):
    return np.stack([face_crop(portrait, dx=2 * np.sin(i / 3) + dx, dy=np.cos(i / 4),
                               angle=1.5 * np.sin(i / 5) + angle) for i in range(n)])


@pytest.fixture(scope="module")
def ref(portrait):
    return _clip(portrait)


def _run(name, pred, ref=None, **params):
    m = create_metric(name, **params)
    m.update(pred, ref)
    return m.compute()


def test_landmark_distances_are_zero_on_identical_video_and_match_a_known_shift(portrait, ref):
    shifted = _clip(portrait, dx=4.0)
    for name in ("lmd-mouth", "lmd-face", "akd"):
        assert _run(name, ref, ref).value == pytest.approx(0.0, abs=1e-6)
        # a 4 px shift at 256 px moves every landmark by about 4 px
        assert _run(name, shifted, ref).value == pytest.approx(4.0, abs=1.0)
    # centred LMD ignores the shift
    assert _run("lmd-mouth", shifted, ref, center=True).value < 1.0
    # and a bigger frame reports the same px@256 distance
    import cv2

    big = lambda clip: np.stack([cv2.resize(f, (512, 512), interpolation=cv2.INTER_CUBIC) for f in clip])
    assert _run("lmd-face", big(shifted), big(ref)).value == pytest.approx(4.0, abs=1.0)


def test_mouth_change_shows_most_in_mouth_metrics(portrait, ref):
    talking = np.stack([open_mouth(f, 10) for f in ref])
    shifted = _clip(portrait, dx=4.0)
    mouth, face = _run("lmd-mouth", talking, ref).value, _run("lmd-face", talking, ref).value
    assert mouth > 1.5 * face
    # expression distance and mesh error see the jaw drop, and barely a pure shift
    for name in ("aed", "mve", "f-lmd"):
        assert _run(name, talking, ref).value > 3 * _run(name, shifted, ref).value, name


def test_pose_metrics_measure_a_known_head_roll(portrait, ref):
    rolled = _clip(portrait, angle=8.0)
    assert _run("prmse", rolled, ref).value == pytest.approx(8.0 / math.sqrt(3), abs=1.0)
    assert _run("ard", rolled, ref).value == pytest.approx(8.0, abs=1.5)
    assert _run("apd", rolled, ref).value == pytest.approx(8.0 / 3, abs=0.7)
    for name in ("prmse", "ard", "apd"):
        assert _run(name, ref, ref).value == pytest.approx(0.0, abs=1e-5)


def test_head_pose_recovers_in_plane_rotation(portrait):
    from thg.features import FaceMesher

    with FaceMesher(static=True) as mesher:
        poses = [G.head_pose(mesher.detect(face_crop(portrait, angle=a))[0].points.astype(float)) for a in (0, 15)]
    assert poses[1][2] - poses[0][2] == pytest.approx(-15.0, abs=2.0)   # roll
    assert abs(poses[1][0] - poses[0][0]) < 3 and abs(poses[1][1] - poses[0][1]) < 3


def test_motion_metrics_separate_a_frozen_head_from_a_moving_one(portrait, ref):
    frozen = np.stack([ref[0]] * N)
    wobbling = np.stack([face_crop(portrait, dx=3 * np.sin(i), angle=6 * np.sin(i / 2)) for i in range(N)])
    talking = np.stack([open_mouth(f, 12 * (i % 2)) for i, f in enumerate(frozen)])
    assert _run("head-motion", frozen).value < 0.01
    assert _run("head-motion", wobbling).value > 1.0
    assert _run("diversity", frozen).value < 1e-4
    assert _run("diversity", talking).value > 10 * _run("diversity", frozen).value + 1e-3
    assert _run("smoothness-landmark", frozen).value == pytest.approx(0.0, abs=1e-6)
    smooth = _run("smoothness-landmark", ref).value
    jittery = _run("smoothness-landmark", wobbling).value
    assert jittery > 2 * smooth
    assert _run("smoothness-pixel", frozen).value == 0.0
    assert _run("smoothness-pixel", wobbling).value > _run("smoothness-pixel", ref).value > 0


def test_blink_rate_counts_blinks(portrait):
    base = face_crop(portrait)
    frames = [base] * 50
    blinking = list(frames)
    for start in (10, 32):  # two blinks of 3 frames in 2 s
        for i, s in zip(range(start, start + 3), (0.5, 0.25, 0.5)):
            blinking[i] = close_eyes(base, s)
    r = _run("blink-rate", np.stack(blinking))
    assert r.extra["blinks"] == 2
    assert r.value == pytest.approx(60.0, abs=1.0)        # 2 blinks in 2 s at 25 fps
    assert _run("blink-rate", np.stack(frames)).value == 0.0


def test_frames_without_face_lower_coverage_not_crash(portrait, ref):
    blank = ref.copy()
    blank[3:6] = 128  # three gray frames
    r = _run("lmd-face", blank, ref)
    assert r.coverage == pytest.approx(9 / 12)
    assert np.isnan(r.per_frame[3:6]).all() and np.isfinite(r.value)
    assert any("3 of 12" in n for n in r.notes)
    empty = _run("head-motion", np.full((4, 256, 256, 3), 128, np.uint8))
    assert math.isnan(empty.value) and empty.coverage == 0.0


def test_fréchet_distance_against_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=3), rng.normal(size=3)
    d1, d2 = np.diag([1.0, 2.0, 3.0]), np.diag([2.0, 2.0, 1.0])
    expected = ((mu1 - mu2) ** 2).sum() + sum(a + b - 2 * math.sqrt(a * b) for a, b in zip([1, 2, 3], [2, 2, 1]))
    assert G.frechet_distance(mu1, d1, mu2, d2) == pytest.approx(expected, rel=1e-6)


@pytest.fixture(scope="module")
def speech(speech_path):
    from thg.io import load_audio

    return load_audio(speech_path).samples


def test_mouth_sync_finds_the_speech_and_its_offset(portrait, speech):
    fps = 25.0
    n = int(len(speech) / 16000 * fps)
    env = G.speech_envelope(speech, fps, n)
    synced = np.stack(speech_driven_frames(portrait, env))
    late = np.stack(speech_driven_frames(portrait, env, lag=4))
    rng = np.random.default_rng(1)
    random_mouth = np.stack([open_mouth(face_crop(portrait), d) for d in rng.uniform(0, 12, n)])

    def run(name, frames):
        m = create_metric(name)
        m.set_context(fps=fps, audio=speech)
        m.update(frames)
        return m.compute()

    good = run("mouth-sync", synced)
    assert good.value > 0.6 and good.extra["offset_frames"] == 0
    assert run("mouth-av-offset", late).value == 4
    assert run("mouth-sync", random_mouth).value < good.value - 0.3
    with pytest.raises(Exception, match="needs speech audio"):
        create_metric("mouth-sync").compute()


def test_frechet_distance_matches_scipy_sqrtm_on_full_matrices():
    from scipy import linalg

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(40, 6)), rng.normal(size=(40, 6)) * 1.5 + 0.3
    c1, c2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    m1, m2 = a.mean(0), b.mean(0)
    expected = ((m1 - m2) ** 2).sum() + np.trace(c1 + c2 - 2 * np.real(linalg.sqrtm(c1 @ c2)))
    assert G.frechet_distance(m1, c1, m2, c2) == pytest.approx(expected, rel=1e-8)


def test_lmd_on_the_mesh_points_sees_the_same_changes(portrait, ref):
    talking = np.stack([open_mouth(f, 10) for f in ref])
    shifted = _clip(portrait, dx=4.0)
    mouth = _run("lmd-mouth", talking, ref, landmarks="mesh")
    assert mouth.convention["points"] == "mesh lip contours (40 points)"
    assert mouth.value > 1.5 * _run("lmd-face", talking, ref, landmarks="mesh").value
    assert _run("lmd-face", shifted, ref, landmarks="mesh").value == pytest.approx(4.0, abs=1.0)
    with pytest.raises(Exception, match="landmarks='dlib'"):
        create_metric("lmd-face", landmarks="dlib")


def test_cross_sample_diversity_grows_with_different_head_motions(portrait):
    from thg.eval.metrics.face import FaceTracker

    def points(angles):
        tracker = FaceTracker()
        try:
            return tracker.track(np.stack([face_crop(portrait, angle=a) for a in angles])).astype(float)
        finally:
            tracker.close()

    same = [points([0, 2, 4, 6])] * 3
    varied = [points([0, 2, 4, 6]), points([0, -3, -6, -9]), points([0, 5, 10, 15])]
    assert G.cross_sample_diversity(same) == pytest.approx(0.0, abs=1e-6)
    assert G.cross_sample_diversity(varied) > 1.0              # degrees of roll apart
    assert G.cross_sample_diversity(varied, feature="expression") < 0.05


def test_lmd_on_dlib_landmarks_is_dlib_s_own_points(portrait, ref):
    from thg.eval.functional import dlib68 as D

    ref6 = ref[:6]
    opened = np.stack([open_mouth(f, 6) for f in ref6])
    assert _run("lmd-mouth", ref6, ref6, landmarks="dlib68").value == 0.0      # dlib is deterministic
    r = _run("lmd-mouth", opened, ref6, landmarks="dlib68")
    by_hand = G.landmark_distance(D.landmarks(opened), D.landmarks(ref6), G.MOUTH68).mean()   # 256 px frames
    assert r.value == pytest.approx(by_hand, rel=1e-12) and r.value > 0.5 and r.coverage == 1.0
    assert r.convention["landmarks"].startswith("dlib 68-point shape predictor")
    mesh = _run("lmd-mouth", opened, ref6)
    assert mesh.convention["landmarks"].startswith("mediapipe") and mesh.value != r.value
    shifted = _clip(portrait, dx=4.0, n=6)
    assert _run("akd", shifted, ref6, landmarks="dlib68").value == pytest.approx(4.0, abs=1.0)
