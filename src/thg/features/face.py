"""Face geometry: mediapipe's 478-point face mesh in pixel coordinates.

The face-mesh model files ship inside the mediapipe wheel (0.10.14 to 0.10.21), so nothing is
downloaded. ``z`` is in the same pixel scale as ``x`` (mediapipe's convention), smaller = nearer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thg.errors import FaceAtEdgeError, FaceTooSmallError, NoFaceError
from thg.features import landmarks as L

MIN_FACE_PX = 48


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
        """Inner-lip gap divided by mouth width (0 = closed)."""
        up = self.points[list(L.LIPS_INNER_UPPER[3:8]), 1].mean()
        lo = self.points[list(L.LIPS_INNER_LOWER[3:8]), 1].mean()
        return float(max(0.0, lo - up) / max(self.mouth_width, 1e-6))

    def eye_openness(self) -> tuple[float, float]:
        """Lid gap divided by eye width, (right, left); about 0.25-0.35 open, under 0.1 closed."""
        def one(upper, lower, corners):
            gap = np.abs(self.points[list(upper[3:6]), 1] - self.points[list(lower[3:6]), 1]).mean()
            width = np.linalg.norm(self.points[corners[0], :2] - self.points[corners[1], :2])
            return float(gap / max(width, 1e-6))
        return (one(L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER, L.RIGHT_EYE_CORNERS),
                one(L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER, L.LEFT_EYE_CORNERS))

    def scaled(self, factor: float) -> FaceGeometry:
        w, h = self.image_size
        return FaceGeometry(self.points * factor, (int(round(w * factor)), int(round(h * factor))))


class FaceMesher:
    """Runs the face mesh on images (``static=True``) or on consecutive video frames (tracking).

    Faces come back largest first. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, *, static: bool = True, max_faces: int = 5, min_confidence: float = 0.5) -> None:
        import mediapipe as mp

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


def _detect_at_workable_scale(image: np.ndarray) -> list[FaceGeometry]:
    """Detect on the image; if nothing is found in a large photo, try again on a downscaled copy
    (the mesh's detector is tuned for faces that fill a good part of the frame)."""
    import cv2

    with FaceMesher(static=True) as mesher:
        faces = mesher.detect(image)
        h, w = image.shape[:2]
        if not faces and max(h, w) > 1024:
            f = 1024 / max(h, w)
            small = cv2.resize(image, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
            faces = [face.scaled(1 / f) for face in mesher.detect(small)]
            faces = [FaceGeometry(face.points, (w, h)) for face in faces]
    return faces


def find_face(image: np.ndarray, *, face_index: int = 0, name: str = "image") -> FaceGeometry:
    """The portrait's face to animate: the largest by default, ``face_index`` to choose another.

    Raises a one-line :class:`NoFaceError`, :class:`FaceTooSmallError` or :class:`FaceAtEdgeError`
    naming ``name`` and what to do.
    """
    faces = _detect_at_workable_scale(image)
    if not faces:
        raise NoFaceError(f"{name}: no face found; use a photo with one clearly visible, roughly frontal face")
    if face_index >= len(faces) or face_index < 0:
        raise NoFaceError(f"{name}: --face-index {face_index} asked for, but only {len(faces)} face(s) found "
                          f"(0 = largest); choose 0 to {len(faces) - 1}")
    face = faces[face_index]
    if face.size < MIN_FACE_PX:
        raise FaceTooSmallError(f"{name}: the face is only {face.size:.0f} px tall; use a photo where the face "
                                f"is at least {MIN_FACE_PX} px (crop closer or use a larger image)")
    w, h = face.image_size
    x0, y0, x1, y1 = face.bbox
    margin = 0.02 * face.size
    if x0 < -margin or y0 < -margin or x1 > w + margin or y1 > h + margin:
        raise FaceAtEdgeError(f"{name}: the face is cut by the image border; use a photo with some space "
                              f"around the whole face")
    return face
