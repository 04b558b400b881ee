"""Face geometry: mediapipe's 478-point face mesh in pixel coordinates.

The face-mesh model files ship inside the mediapipe wheel (0.10.14 to 0.10.21), so nothing is
downloaded. ``z`` is in the same pixel scale as ``x`` (mediapipe's convention), smaller = nearer.
"""

from __future__ import annotations

import atexit
import math
import os
import re
import sys
import threading
from dataclasses import dataclass

import numpy as np

from thg.errors import FaceAtEdgeError, FaceTooSmallError, NoFaceError
from thg.features import landmarks as L

MIN_FACE_PX = 48
# Tile sides, as fractions of the image's long side, searched when the whole image has too few
# faces (see _find_faces). The detector finds faces of about 14-70 % of what it is shown, so
# tiles of 1/2 find faces of about 7-35 % of the long side and tiles of 1/4 those of 3.5-17 %.
TILE_FRACTIONS = (1 / 2, 1 / 4)
TILE_MIN_PX = 64  # smaller tiles could only hold faces under MIN_FACE_PX
TILE_MAX_PX = 640  # larger tiles are shrunk to this (the mesh sees a face at most 192 px anyway)
CONFIRM_WINDOW = 3.0  # a face found in a tile is looked at again in a window this many times its size


@dataclass(frozen=True)
class FaceGeometry:
    """One face in one image: ``points`` is 478×3 (x, y, z) in pixels of an image of ``image_size``."""

    points: np.ndarray
    image_size: tuple[int, int]  # (width, height)

    @property
    def xy(self) -> np.ndarray:
        return self.points[:, :2]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the 468 surface points."""
        xy = self.points[:468, :2]
        return (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))

    @property
    def size(self) -> float:
        """Face size in pixels: the larger side of the landmark box."""
        x0, y0, x1, y1 = self.bbox
        return max(x1 - x0, y1 - y0)

    @property
    def interocular(self) -> float:
        right = self.points[list(L.RIGHT_EYE_CORNERS), :2].mean(0)
        left = self.points[list(L.LEFT_EYE_CORNERS), :2].mean(0)
        return float(np.linalg.norm(left - right))

    @property
    def mouth_width(self) -> float:
        a, b = L.MOUTH_CORNERS
        return float(np.linalg.norm(self.points[a, :2] - self.points[b, :2]))

    def mouth_opening(self) -> float:
        """Inner-lip gap divided by mouth width (0 = closed): :func:`thg.features.landmarks.mouth_opening`."""
        return float(L.mouth_opening(self.points))

    def eye_openness(self) -> tuple[float, float]:
        """Lid gap divided by eye width, (right, left): :func:`thg.features.landmarks.eye_openness`."""
        right, left = L.eye_openness(self.points)
        return float(right), float(left)

    def scaled(self, factor: float) -> FaceGeometry:
        w, h = self.image_size
        return FaceGeometry(self.points * factor, (int(round(w * factor)), int(round(h * factor))))


#: what mediapipe's C++ code (absl, TensorFlow Lite), OpenCV (its own log, libpng) and Ray's core write to
#: stderr: not for users
_NATIVE_LOG = re.compile(rb"^([IWEF]\d{4} \d\d:\d\d:\d\d|INFO: |WARNING: All log messages before absl|libpng (error|warning): "
                         rb"|\[ ?(WARN|ERROR|INFO):\d+@"
                         rb"|\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [IWE] \d+ \d+\] )")  # Ray's core (--engine ray)
_filter_started = False
_filter_lock = threading.Lock()


def _reopen_stderr() -> None:
    """Point ``sys.stderr`` at the new file descriptor 2. A stream opened on a regular file
    (``2> log.txt``) remembers that it can seek and would fail on the pipe ("Illegal seek")."""
    import io

    try:
        if sys.stderr is None or sys.stderr.fileno() != 2:
            return  # not the process's own stderr (a test runner's capture): nothing to do
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        return
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding=sys.stderr.encoding,
                                  errors=sys.stderr.errors, line_buffering=True, write_through=True)


def _filter_native_logs() -> None:
    """From now on, drop mediapipe's (and OpenCV's libpng) native log lines from the process's stderr (file descriptor 2)
    and pass every other line through. The C++ code logs from its own threads at moments Python
    does not see, so a temporary redirection cannot catch it; a filter on the descriptor can. At
    exit the descriptor is restored and whatever is still in the pipe is passed on."""
    global _filter_started
    if os.environ.get("THG_VERBOSE", "") not in ("", "0"):  # thg --verbose: the user wants to see them
        return
    with _filter_lock:
        if _filter_started:
            return
        try:
            real = os.dup(2)
            read, write = os.pipe()
            os.dup2(write, 2)
            os.close(write)
        except OSError:
            return
        _filter_started = True
        _reopen_stderr()

    def pump() -> None:
        with os.fdopen(read, "rb") as pipe:
            for line in pipe:
                if not _NATIVE_LOG.match(line):
                    os.write(real, line)

    thread = threading.Thread(target=pump, name="thg-stderr-filter", daemon=True)
    thread.start()

    def restore() -> None:
        sys.stderr.flush()
        os.dup2(real, 2)  # closes the pipe's last writer: the pump sees the end and finishes
        thread.join(timeout=2.0)

    atexit.register(restore)


class FaceMesher:
    """Runs the face mesh on images (``static=True``) or on consecutive video frames (tracking).

    Faces come back largest first. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, *, static: bool = True, max_faces: int = 5, min_confidence: float = 0.5) -> None:
        _filter_native_logs()
        mp = L.import_mediapipe()

        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=static, max_num_faces=max_faces, refine_landmarks=True,
            min_detection_confidence=min_confidence, min_tracking_confidence=min_confidence)

    def detect(self, image: np.ndarray) -> list[FaceGeometry]:
        h, w = image.shape[:2]
        result = self._mesh.process(np.ascontiguousarray(image))
        faces = []
        for lms in result.multi_face_landmarks or ():
            pts = np.array([(p.x * w, p.y * h, p.z * w) for p in lms.landmark], dtype=np.float32)
            faces.append(FaceGeometry(pts, (w, h)))
        faces.sort(key=lambda f: -f.size)
        return faces

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> FaceMesher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _detect_in(mesher: FaceMesher, image: np.ndarray, x0: int, y0: int, side: int) -> list[FaceGeometry]:
    """Faces in the square window of ``side`` at (x0, y0) (clipped to the image), in image pixels.
    A window larger than ``TILE_MAX_PX`` is shrunk to that first."""
    import cv2

    h, w = image.shape[:2]
    window = image[y0:y0 + side, x0:x0 + side]
    k = min(1.0, TILE_MAX_PX / max(window.shape[:2]))
    if k < 1:
        window = cv2.resize(window, (round(window.shape[1] * k), round(window.shape[0] * k)),
                            interpolation=cv2.INTER_AREA)
    offset = np.array([x0, y0, 0], np.float32)  # z scales like x and has no offset
    return [FaceGeometry(face.points / k + offset, (w, h)) for face in mesher.detect(window)]


def _tiles(w: int, h: int):
    """(x0, y0, side) of the square tiles searched for small faces: for each side in
    ``TILE_FRACTIONS`` of the long side, a grid whose tiles are at most half a side apart, so a
    face up to half a tile lies wholly in one."""
    def starts(length: int, side: int) -> np.ndarray:
        n = 1 if length <= side else math.ceil((length - side) / (side / 2)) + 1
        return np.linspace(0, max(length - side, 0), n).round().astype(int)

    for fraction in TILE_FRACTIONS:
        side = round(max(w, h) * fraction)
        if side >= TILE_MIN_PX:
            yield from ((int(x0), int(y0), side) for y0 in starts(h, side) for x0 in starts(w, side))


def _same_face(a: FaceGeometry, b: FaceGeometry) -> bool:
    """Landmark boxes overlapping by more than half of the smaller one."""
    ax0, ay0, ax1, ay1 = a.bbox
    bx0, by0, bx1, by1 = b.bbox
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    smaller = min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0))
    return inter > 0.5 * max(smaller, 1e-6)


def _second_look(mesher: FaceMesher, image: np.ndarray, seen: FaceGeometry) -> FaceGeometry | None:
    """``seen`` found again on a window ``CONFIRM_WINDOW`` times its size centred on it (kept
    inside the image), or None when it is not there."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = seen.bbox
    side = round(CONFIRM_WINDOW * seen.size)
    wx = int(np.clip((x0 + x1 - side) / 2, 0, max(w - side, 0)))
    wy = int(np.clip((y0 + y1 - side) / 2, 0, max(h - side, 0)))
    return next((face for face in _detect_in(mesher, image, wx, wy, side) if _same_face(face, seen)), None)


def _find_faces(image: np.ndarray, enough: int = 1) -> list[FaceGeometry]:
    """Faces in the image, largest first (by :attr:`FaceGeometry.size`; exact ties left to right).

    The whole image is searched first: the mesh's detector finds faces above about 13 % of what
    it is shown, so a portrait's face is found at once. Only if that gives fewer than ``enough``
    faces are the overlapping tiles of :func:`_tiles` searched too, which finds faces down to
    about 4 % of the long side (these are smaller than the whole image's, so stopping early keeps
    the order). A face seen in a tile gets a :func:`_second_look`; it is kept only if found there
    again (this drops the detector's false alarms on small patches of texture, and a face cut by a
    tile border is then seen whole), and the centred mesh is the one kept. Sightings whose landmark
    boxes overlap by more than half the smaller box are one face; the first kept (whole image,
    then tiles, coarse to fine) wins.
    """
    h, w = image.shape[:2]
    with FaceMesher(static=True) as mesher:
        faces = mesher.detect(image)
        if len(faces) >= enough:
            return faces

        def is_new(face: FaceGeometry) -> bool:
            return not any(_same_face(face, kept) for kept in faces)

        for x0, y0, side in _tiles(w, h):
            for seen in filter(is_new, _detect_in(mesher, image, x0, y0, side)):
                face = _second_look(mesher, image, seen)
                if face is not None and is_new(face):
                    faces.append(face)
    return sorted(faces, key=lambda face: (-face.size, face.bbox[0]))


def find_face(image: np.ndarray, *, face_index: int = 0, name: str = "image") -> FaceGeometry:
    """The portrait's face to animate: the largest by default, ``face_index`` to choose another
    (0 = largest; see :func:`_find_faces` for the order and how small faces are found).

    Raises a one-line :class:`NoFaceError`, :class:`FaceTooSmallError` or :class:`FaceAtEdgeError`
    naming ``name`` and what to do.
    """
    faces = _find_faces(image, enough=max(face_index, 0) + 1)
    if not faces:
        raise NoFaceError(f"{name}: no face found; use a photo with a clearly visible, roughly frontal face "
                          f"at least {MIN_FACE_PX} px and 4 % of the picture across (crop closer to the "
                          f"face or use a larger photo)")
    if face_index >= len(faces) or face_index < 0:
        raise NoFaceError(f"{name}: --face-index {face_index} asked for, but only {len(faces)} face(s) found "
                          f"(0 = largest); choose 0 to {len(faces) - 1}")
    face = faces[face_index]
    if face.size < MIN_FACE_PX:
        raise FaceTooSmallError(f"{name}: the face is only {face.size:.0f} px across; it needs at least "
                                f"{MIN_FACE_PX} px (crop closer to the face or use a larger photo)")
    w, h = face.image_size
    x0, y0, x1, y1 = face.bbox
    margin = 0.02 * face.size
    if x0 < -margin or y0 < -margin or x1 > w + margin or y1 > h + margin:
        raise FaceAtEdgeError(f"{name}: the face is cut by the image border; use a photo with some space "
                              f"around the whole face")
    return face
