"""Face crops the deep metrics feed their networks, placed from the mediapipe face mesh.

- :func:`syncnet_crop`: syncnet_python's crop (``run_pipeline.crop_video``): a square window
  ``2.8·s`` wide around a face box of half-size ``s`` (the larger box side / 2), starting ``s``
  above the box centre and reaching ``1.8·s`` below it (crop scale 0.4), on a frame padded with
  grey 110, resized to 224×224 (bilinear). The reference uses S3FD boxes; here the box is the
  bounding box of the 468 face-mesh surface points.
- :func:`arcface_align`: insightface's 112×112 alignment: the similarity transform (least squares,
  Umeyama) taking five points (eye centres, nose tip, mouth corners) to the ArcFace template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

import numpy as np

if TYPE_CHECKING:
    from thg.eval.base import MetricInfo

#: insightface's 5-point template for 112×112 crops (image-left eye first)
ARCFACE_TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                             [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float64)

# Mesh indices of the five points: iris centres (image-left = subject's right), nose tip, mouth corners.
FIVE_POINT_MESH = (468, 473, 1, 61, 291)


def face_box(points_xy: np.ndarray) -> tuple[float, float, float]:
    """(centre x, centre y, half-size s) of the 468 surface points, syncnet_python's box convention."""
    xy = points_xy[:468]
    x0, y0 = xy.min(0)
    x1, y1 = xy.max(0)
    return float((x0 + x1) / 2), float((y0 + y1) / 2), float(max(x1 - x0, y1 - y0) / 2)


def syncnet_crop(frame: np.ndarray, cx: float, cy: float, s: float, *, crop_scale: float = 0.4,
                 size: int = 224, pad_value: int = 110) -> np.ndarray:
    """syncnet_python's face crop of one frame, same channel order as ``frame``."""
    import cv2

    pad = int(s * (1 + 2 * crop_scale))
    padded = np.pad(frame, ((pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=pad_value)
    my, mx = cy + pad, cx + pad
    face = padded[int(my - s):int(my + s * (1 + 2 * crop_scale)),
                  int(mx - s * (1 + crop_scale)):int(mx + s * (1 + crop_scale))]
    if face.size == 0:
        face = padded
    return cv2.resize(face, (size, size), interpolation=cv2.INTER_LINEAR)


def five_points(points_xy: np.ndarray) -> np.ndarray:
    """5×2 landmarks in ArcFace order from a 478-point mesh."""
    return np.asarray(points_xy, dtype=np.float64)[list(FIVE_POINT_MESH), :2]


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2×3 least-squares similarity (rotation, uniform scale, translation) mapping src to dst (Umeyama)."""
    from thg.features.geometry import similarity_fit

    scale, rot, t = similarity_fit(src, dst)
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = t
    return m


def arcface_align(image: np.ndarray, points5: np.ndarray, size: int = 112) -> np.ndarray:
    """The 112×112 aligned face (same channel order as ``image``), black outside the image."""
    import cv2

    m = similarity_transform(points5, ARCFACE_TEMPLATE * (size / 112.0))
    return cv2.warpAffine(image, m, (size, size), borderValue=0.0)


class SharedMesh:
    """Mixin for the deep metrics that place crops from the face mesh.

    The per-video runner tracks each video once and hands every face metric the points through
    ``update_faces(pred, ref, pred_pts, ref_pts)`` (T×478×3 float32, NaN rows where no face), choosing
    the tracker by ``mesh_mode``. Called directly, ``update`` tracks the frames itself.
    """

    info: MetricInfo                    # the Metric it is mixed into has one
    mesh_mode: str
    uses_ref_faces = False

    def _init_mesh(self, params: dict) -> None:
        from thg.errors import InputError
        from thg.eval.metrics.face import MESH_MODES

        self.mesh_mode = params.get("mesh", "static")
        if self.mesh_mode not in MESH_MODES:
            raise InputError(f"metric {self.info.name!r}: mesh={self.mesh_mode!r} is not one of "
                             f"{', '.join(MESH_MODES)}")
        self._trackers: dict = {}

    def _track(self, key: str, frames: np.ndarray) -> np.ndarray:
        if key not in self._trackers:
            from thg.eval.metrics.face import FaceTracker

            self._trackers[key] = FaceTracker(self.mesh_mode)
        return self._trackers[key].track(frames)

    def _close_trackers(self) -> None:
        for t in self._trackers.values():
            t.close()
        self._trackers = {}

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        pred_pts = self._track("pred", pred)
        ref_pts = self._track("ref", ref) if ref is not None and self.uses_ref_faces else None
        self.update_faces(pred, ref, pred_pts, ref_pts)

    def update_faces(self, pred, ref, pred_pts, ref_pts) -> None:
        raise NotImplementedError


def has_face(points: np.ndarray | None) -> TypeGuard[np.ndarray]:
    return points is not None and bool(np.isfinite(points).all())


def emonet_crop(image: np.ndarray, points_xy: np.ndarray, size: int = 256) -> np.ndarray:
    """EmoNet's face crop (its ``DataAugmentor`` with a landmark box, no augmentation).

    The box of the 68 landmarks (here the face mesh's iBUG-68 approximation) gives the centre and
    ``scale = (w + h) / 220``; a square of side ``200·scale`` around the centre is mapped to
    ``size``×``size`` (bilinear, black outside the image).
    """
    import cv2

    from thg.features.landmarks import IBUG68

    pts = np.asarray(points_xy, np.float64)[list(IBUG68), :2]
    x0, y0 = pts.min(0)
    x1, y1 = pts.max(0)
    cx, cy = x1 - (x1 - x0) / 2, y1 - (y1 - y0) / 2
    side = 200.0 * ((x1 - x0) + (y1 - y0)) / 220.0
    m = np.array([[size / side, 0, size * (-cx / side + 0.5)],
                  [0, size / side, size * (-cy / side + 0.5)]])
    return cv2.warpAffine(image, m, (size, size))
