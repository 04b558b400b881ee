"""dlib's landmarks, descriptors and the realism measures on real photos (astronaut, Grace Hopper)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from thg.errors import BackendMissingError
from thg.eval.functional import dlib68 as D

# hand-checked face boxes (left, top, right, bottom) in the two photos
BOXES = {"astronaut": (175, 75, 270, 175), "hopper": (155, 130, 385, 360)}


@pytest.fixture(scope="module")
def photos(portrait):
    from matplotlib import cbook

    from thg.io.image import load_image

    return {"astronaut": portrait, "hopper": load_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))}


@pytest.fixture(scope="module")
def faces(photos):
    return {name: D.models().face(img) for name, img in photos.items()}


def test_models_found_without_pkg_resources():
    code = ("import sys; sys.modules['pkg_resources'] = None\n"
            "from thg.eval.functional import dlib68 as D\n"
            "D.models()\n"
            "assert 'face_recognition_models' not in sys.modules\n"
            "print(D.model_path(D.SHAPE_MODEL).stat().st_size, D.model_path(D.RESNET_MODEL).stat().st_size)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    shape_bytes, resnet_bytes = map(int, out.split())
    assert shape_bytes > 90e6 and resnet_bytes > 20e6


def test_missing_models_name_the_package(monkeypatch):
    monkeypatch.setattr(D.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BackendMissingError, match="pip install face-recognition-models"):
        D.model_path(D.SHAPE_MODEL)


@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_face_and_landmarks_lie_on_the_face(faces, name):
    face = faces[name]
    assert face is not None
    left, top, right, bottom = BOXES[name]
    bl, bt, br, bb = face.box
    overlap = max(0, min(right, br) - max(left, bl)) * max(0, min(bottom, bb) - max(top, bt))
    assert overlap > 0.6 * (right - left) * (bottom - top)
    p = face.points
    assert p.shape == (68, 2)
    assert np.all((p >= [left - 10, top - 10]) & (p <= [right + 10, bottom + 10]))
    brows, eyes, nose_tip, mouth, chin = p[17:27, 1].mean(), p[36:48, 1].mean(), p[33, 1], p[48:68, 1].mean(), p[8, 1]
    assert brows < eyes < nose_tip < mouth < chin
    assert p[36:42, 0].mean() < p[27:36, 0].mean() < p[42:48, 0].mean()  # subject's right eye on the image left


def test_near_follows_the_given_face_not_a_larger_one(photos):
    """A bigger face elsewhere in the frame (here Grace Hopper pasted beside the astronaut) is
    the one picked without ``near``; with the astronaut's box, her face is kept — and so is she
    by :func:`D.landmarks` once the first frame has found her."""
    astronaut, hopper = photos["astronaut"], photos["hopper"]
    frame = np.zeros((600, 512 + 512, 3), np.uint8)
    frame[:512, :512] = astronaut
    frame[:, 512:] = hopper
    dl = D.models()
    assert dl.face(frame).box[0] > 512
    box = BOXES["astronaut"]
    kept = dl.face(frame, near=box)
    assert abs(kept.box[0] - box[0]) < 15 and abs(kept.box[1] - box[1]) < 15
    alone = np.zeros_like(frame)
    alone[:512, :512] = astronaut
    tracked = D.landmarks(np.stack([alone, frame]))
    assert np.abs(tracked[1] - tracked[0]).max() < 3


def test_mouth_gap_teeth_versus_closed_lips(faces):
    assert D.inner_lip_gap(faces["astronaut"].points) > 0.1   # she smiles with her teeth showing
    assert D.inner_lip_gap(faces["hopper"].points) < 0.03     # lips together


def test_geometry_conventions_on_hand_made_points():
    pts = np.zeros((68, 2))
    pts[36:42] = pts[42:48] = [(0, 0), (1, -0.5), (2, -0.5), (3, 0), (2, 0.5), (1, 0.5)]
    assert D.eye_aspect_ratio(pts) == pytest.approx(1 / 3)
    pts[48], pts[54] = (0, 0), (10, 0)
    pts[[61, 62, 63]] = [(3, -1), (5, -1), (7, -1)]
    pts[[67, 66, 65]] = [(3, 1), (5, 1), (7, 1)]
    assert D.inner_lip_gap(pts) == pytest.approx(0.2)


def test_identity_same_photo_versus_other_person(photos, faces):
    dl = D.models()
    astro, hopper = (dl.descriptor(photos[n], faces[n]) for n in ("astronaut", "hopper"))
    again = photos["astronaut"].copy()
    assert D.cosine_similarity(dl.descriptor(again, dl.face(again)), astro) == pytest.approx(1, abs=1e-9)
    assert D.cosine_similarity(astro, hopper) < 0.9
    assert np.linalg.norm(astro - hopper) > 0.6   # dlib's own same-person threshold


def test_eye_aspect_ratio_drops_when_the_eyes_are_painted_shut(photos, faces):
    import cv2

    img, p = photos["astronaut"], faces["astronaut"].points
    mask = np.zeros(img.shape[:2], np.uint8)
    for eye in (p[36:42], p[42:48]):
        (x0, y0), (x1, y1) = eye.min(0).astype(int) - 3, eye.max(0).astype(int) + 4
        mask[y0:y1, x0:x1] = 1
    shut = cv2.inpaint(img, mask, 5, cv2.INPAINT_TELEA)   # skin fills the eyes
    open_ear, shut_ear = D.eye_aspect_ratio(p), D.eye_aspect_ratio(D.models().face(shut).points)
    assert 0.25 < open_ear < 0.4
    assert shut_ear < 0.6 * open_ear


@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_lip_colour_and_texture(photos, faces, name):
    import cv2

    img, p = photos[name], faces[name].points
    lips = D.lip_mask(img.shape, p, inner=True)
    assert lips.sum() > 80 and not (lips & D.polygon_mask(img.shape, p[D.INNER_LIPS])).any()
    lab, hf = D.mean_lab(img, lips), D.high_frequency_energy(img, lips)
    assert D.delta_e76(lab, D.mean_lab(img.copy(), lips)) == 0
    redder = img.copy()
    redder[lips] = np.clip(redder[lips] * [1.0, 0.8, 0.8], 0, 255)
    assert D.delta_e76(D.mean_lab(redder, lips), lab) > 6
    blurred = cv2.GaussianBlur(img, (0, 0), 2)
    assert D.high_frequency_energy(blurred, lips) < 0.2 * hf


def test_lip_mask_without_the_inner_mouth_leaves_out_the_teeth(photos, faces):
    img, p = photos["astronaut"], faces["astronaut"].points
    whole, lips = D.lip_mask(img.shape, p), D.lip_mask(img.shape, p, inner=True)
    assert lips.sum() < 0.7 * whole.sum()
    assert D.mean_lab(img, lips)[1] > D.mean_lab(img, whole)[1] + 3   # lips without the teeth: redder (a*)


def test_edge_hardness_convention_and_blur(photos, faces):
    import cv2

    step = np.full((120, 120, 3), 100, np.uint8)
    step[10:110, 10:110] = 200
    square = np.array([(9.5, 9.5), (109.5, 9.5), (109.5, 109.5), (9.5, 109.5)])
    assert D.edge_hardness(step, square) == pytest.approx(0.5)        # a one-pixel step
    faint = np.where(step == 200, 110, 100).astype(np.uint8)
    assert D.edge_hardness(faint, square) == pytest.approx(0.5)       # contrast does not matter
    blurred = cv2.GaussianBlur(step, (0, 0), 1.5)
    assert D.edge_hardness(blurred, square) < 0.6 * D.edge_hardness(step, square)
    img, p = photos["hopper"], faces["hopper"].points
    outer = D.edge_hardness(img, p[D.OUTER_LIPS])
    assert D.edge_hardness(cv2.GaussianBlur(img, (0, 0), 2), p[D.OUTER_LIPS]) < 0.7 * outer
    pasted = img.copy()
    cv2.fillPoly(pasted, [p[D.OUTER_LIPS].astype(np.int32)], (20, 10, 10))   # a hard dark cut-out
    assert D.edge_hardness(pasted, p[D.OUTER_LIPS]) > 1.5 * outer
