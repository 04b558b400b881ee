import numpy as np
import pytest

from thg.errors import FaceAtEdgeError, FaceTooSmallError, NoFaceError
from thg.features import find_face


def _canvas(width: int, height: int) -> np.ndarray:
    """A textured background with no face: scikit-image's photo of grass, stretched."""
    import cv2
    from skimage import data

    return np.repeat(cv2.resize(data.grass(), (width, height))[:, :, None], 3, axis=2)


def _paste(canvas: np.ndarray, photo: np.ndarray, face_px: float, x: int, y: int) -> np.ndarray:
    """Paste ``photo`` scaled so its face is ``face_px`` with its top-left at (x, y); returns where
    the face must be found: the box of the face found on the original photo, moved and scaled."""
    import cv2

    face = find_face(photo)
    s = face_px / face.size
    small = cv2.resize(photo, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
    return np.array(face.bbox) * s + [x, y, x, y]


def _z_depth(face) -> float:
    """Front-to-back extent of the mesh over the face size (the same on any scaled copy)."""
    return float(np.ptp(face.points[:468, 2]) / face.size)


def test_astronaut_face_found_with_sane_geometry(portrait):
    face = find_face(portrait)
    assert face.points.shape == (478, 3)
    x0, y0, x1, y1 = face.bbox
    assert 150 < x0 < x1 < 300 and 50 < y0 < y1 < 200  # her face, not the flag or the suit
    right, left = face.eye_openness()
    assert 0.2 < right < 0.5 and 0.2 < left < 0.5  # eyes open in the photo


@pytest.mark.parametrize("long_side, fraction", [(1280, 0.06), (3200, 0.08)])
def test_small_face_in_a_half_body_shot_is_found_where_it_is(portrait, long_side, fraction):
    canvas = _canvas(long_side, long_side * 5 // 8)
    face_px = fraction * long_side
    expected = _paste(canvas, portrait, face_px, int(0.55 * long_side), int(0.2 * long_side))
    face = find_face(canvas, name="group.jpg")
    assert face.image_size == (canvas.shape[1], canvas.shape[0])
    assert np.abs(np.array(face.bbox) - expected).max() < 0.1 * face_px  # on her face, to a few px
    assert abs(face.size - face_px) < 0.1 * face_px
    assert _z_depth(face) == pytest.approx(_z_depth(find_face(portrait)), rel=0.08)  # z in x's pixel scale


def test_one_small_person_is_one_face(portrait):
    # In this picture the tiles' detector also fires on the base of the toy shuttle, at about
    # (377, 400); the second look on a window around each tile's find must turn that down.
    canvas = _canvas(1280, 720)
    _paste(canvas, portrait, 102.63, 15, 169)
    with pytest.raises(NoFaceError, match=r"only 1 face\(s\) found"):
        find_face(canvas, face_index=1)


def test_two_small_faces_side_by_side_by_face_index(portrait, hopper):
    canvas = _canvas(1600, 900)
    hopper_box = _paste(canvas, hopper, 76, 150, 250)  # 4.75 % of the long side, on the left
    astronaut_box = _paste(canvas, portrait, 100, 900, 300)  # 6.25 %, on the right
    largest, second = find_face(canvas, face_index=0), find_face(canvas, face_index=1)
    assert np.abs(np.array(largest.bbox) - astronaut_box).max() < 10
    assert np.abs(np.array(second.bbox) - hopper_box).max() < 8
    with pytest.raises(NoFaceError, match=r"pair.jpg: --face-index 2 asked for, but only 2 face\(s\) found"):
        find_face(canvas, face_index=2, name="pair.jpg")


def test_no_face_in_a_landscape(portrait):
    sky = np.full_like(portrait, 120)
    with pytest.raises(NoFaceError, match="no face found") as err:
        find_face(sky, name="sky.png")
    message = str(err.value)
    assert message.startswith("sky.png: ") and "\n" not in message
    assert "crop closer" in message and "larger photo" in message and "48 px" in message


def test_face_found_but_too_small_gives_its_size(portrait):
    canvas = _canvas(400, 400)
    _paste(canvas, portrait, 40, 120, 100)  # 10 % of the picture, but only 40 px
    with pytest.raises(FaceTooSmallError) as err:
        find_face(canvas, name="small.png")
    message = str(err.value)
    size = float(message.split("only ")[1].split(" px")[0])
    assert 34 < size < 46 and message.startswith("small.png: ") and "\n" not in message
    assert "crop closer" in message and "larger photo" in message


def test_face_of_three_percent_is_refused_with_pixels_and_cropping(portrait):
    canvas = _canvas(1280, 800)
    _paste(canvas, portrait, 0.03 * 1280, 500, 300)
    with pytest.raises((FaceTooSmallError, NoFaceError), match=r"\d+ px.*crop closer") as err:
        find_face(canvas, name="crowd.jpg")
    assert str(err.value).startswith("crowd.jpg: ")


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
