import numpy as np
import pytest

from thg.errors import FaceAtEdgeError, FaceTooSmallError, NoFaceError
from thg.features import find_face


def test_astronaut_face_found_with_sane_geometry(portrait):
    face = find_face(portrait)
    assert face.points.shape == (478, 3)
    x0, y0, x1, y1 = face.bbox
    assert 150 < x0 < x1 < 300 and 50 < y0 < y1 < 200  # her face, not the flag or the suit
    right, left = face.eye_openness()
    assert 0.2 < right < 0.5 and 0.2 < left < 0.5  # eyes open in the photo


def test_no_face_in_a_landscape(portrait):
    sky = np.full_like(portrait, 120)
    with pytest.raises(NoFaceError, match="no face found"):
        find_face(sky, name="sky.png")


def test_face_too_small_and_at_edge(portrait):
    import cv2

    tiny = np.full((900, 900, 3), 200, np.uint8)
    tiny[:72, :72] = cv2.resize(portrait, (72, 72))
    with pytest.raises((FaceTooSmallError, NoFaceError)):
        find_face(tiny, name="tiny.png")
    cut = portrait[:, 225:]  # the left half of her face is gone
    with pytest.raises((FaceAtEdgeError, NoFaceError)):
        find_face(cut, name="cut.png")


def test_face_index_out_of_range(portrait):
    with pytest.raises(NoFaceError, match="--face-index 3"):
        find_face(portrait, face_index=3)
