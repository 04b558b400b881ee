"""Realism read by dlib: 68-point landmarks and the face-recognition ResNet, an eye independent of
the mediapipe mesh that drives the renderer.

    >>> from thg.eval.functional.dlib68 import measure_clip
    >>> measure_clip("talk.mp4", "talk.json", photo)      # dict of the realism figures

Models: ``shape_predictor_68_face_landmarks.dat`` and ``dlib_face_recognition_resnet_model_v1.dat``
from the PyPI package ``face-recognition-models`` (found without importing it: its ``__init__``
needs ``pkg_resources``), dlib itself from ``dlib-bin``. Both are loaded once, on first use.

Conventions:

- **Images**: H×W×3 RGB uint8. **Points**: 68×2 float (x, y) pixels in dlib's iBUG order: jaw
  0-16, brows 17-26, nose 27-35, the subject's right eye 36-41 and left eye 42-47, outer lips
  48-59, inner lips 60-67; eye and lip contours run clockwise in the image from their image-left
  corner (upper lid / upper lip first).
- **Face**: dlib's HOG frontal detector at the image's own scale, upsampled once only when that
  finds nothing (small faces); the largest box is the face.
- **Luma**: Rec. 601, Y = 0.299 R + 0.587 G + 0.114 B on the 0-255 scale.
- **Colour**: CIELAB (D65) by ``skimage.color.rgb2lab``; ΔE is CIE76 (Euclidean distance in Lab).
- **Polygons** hold the pixels whose centres lie inside (a closed mouth's inner-lip polygon is
  then all but empty).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from thg.errors import BackendMissingError, NoFaceError
from thg.features.edges import edge_hardness, luma  # noqa: F401  (re-exported: part of the measures)

SHAPE_MODEL = "shape_predictor_68_face_landmarks.dat"
RESNET_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
OUTER_LIPS = np.arange(48, 60)
INNER_LIPS = np.arange(60, 68)
#: motion ``mouth_open`` from which a frame counts as open-mouthed (for the interior's edges)
OPEN_MOUTH = 0.1
#: motion blink closure from which a frame counts as a full blink
FULL_BLINK = 0.99


def model_path(name: str) -> Path:
    """Path of a model file of ``face-recognition-models``, located without importing the package."""
    spec = importlib.util.find_spec("face_recognition_models")
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0], "models", name) if folders else None
    if path is None or not path.is_file():
        raise BackendMissingError(f"dlib model {name} not found; `pip install face-recognition-models`")
    return path


@dataclass
class DlibFace:
    box: tuple[int, int, int, int]   # left, top, right, bottom (pixels)
    points: np.ndarray               # 68×2 (x, y)
    shape: object                    # dlib.full_object_detection, for the descriptor


class Dlib68:
    """dlib's detector, 68-point shape predictor and ResNet, loaded once: use :func:`models`."""

    def __init__(self) -> None:
        try:
            import dlib
        except ImportError:
            raise BackendMissingError("dlib is not installed; `pip install dlib-bin`") from None
        self.detector = dlib.get_frontal_face_detector()
        self.predictor = dlib.shape_predictor(str(model_path(SHAPE_MODEL)))
        self.resnet = dlib.face_recognition_model_v1(str(model_path(RESNET_MODEL)))

    def face(self, image: np.ndarray, near: tuple[int, int, int, int] | None = None) -> DlibFace | None:
        """The largest face with its 68 landmarks, or None when dlib finds none; given ``near`` (a
        box: left, top, right, bottom), the face that overlaps it most, so that a face-like patch
        elsewhere in the frame (a round badge, a poster) is not taken for the face being followed."""
        boxes = list(self.detector(image, 0)) or list(self.detector(image, 1))
        if not boxes:
            return None
        box = max(boxes, key=lambda b: b.area() if near is None else _overlap(b, near))
        shape = self.predictor(image, box)
        points = np.array([(p.x, p.y) for p in shape.parts()], np.float64)
        return DlibFace((box.left(), box.top(), box.right(), box.bottom()), points, shape)

    def descriptor(self, image: np.ndarray, face: DlibFace) -> np.ndarray:
        """The 128-d ResNet face descriptor (dlib's identity embedding; same person: distance < 0.6)."""
        return np.array(self.resnet.compute_face_descriptor(np.ascontiguousarray(image), face.shape))


def _overlap(box, near: tuple[int, int, int, int]) -> float:
    """Intersection over union of a dlib rectangle and a (left, top, right, bottom) box."""
    left, top, right, bottom = near
    w = max(0, min(box.right(), right) - max(box.left(), left))
    h = max(0, min(box.bottom(), bottom) - max(box.top(), top))
    inter = w * h
    return inter / max(box.area() + (right - left) * (bottom - top) - inter, 1)


@functools.lru_cache(maxsize=1)
def models() -> Dlib68:
    return Dlib68()


def landmarks(frames: np.ndarray) -> np.ndarray:
    """T×68×2 dlib landmarks of T×H×W×3 RGB frames, NaN rows without a face: the largest face
    in the first frame with one, then in each frame the face overlapping the last one found."""
    dl = models()
    out = np.full((len(frames), 68, 2), np.nan)
    last = None
    for i, frame in enumerate(frames):
        face = dl.face(np.ascontiguousarray(frame), near=last)
        if face is not None:
            out[i], last = face.points, face.box
    return out


# --- geometry -----------------------------------------------------------------------------------
def inner_lip_gap(pts: np.ndarray) -> float:
    """Mean distance of the inner-lip pairs 61-67, 62-66, 63-65 over the mouth width (48-54);
    the same unit as the motion channel ``mouth_open`` (0 = lips together)."""
    gap = np.linalg.norm(pts[[61, 62, 63]] - pts[[67, 66, 65]], axis=1).mean()
    return float(gap / np.linalg.norm(pts[54] - pts[48]))


def eye_aspect_ratio(pts: np.ndarray) -> float:
    """Soukupová & Čech (2016) EAR, (|p2-p6| + |p3-p5|) / (2 |p1-p4|), mean of both eyes; about
    0.25-0.35 open, near 0 shut."""
    def ear(e):
        return (np.linalg.norm(e[1] - e[5]) + np.linalg.norm(e[2] - e[4])) / (2 * np.linalg.norm(e[0] - e[3]))

    return float((ear(pts[36:42]) + ear(pts[42:48])) / 2)


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- lip appearance -----------------------------------------------------------------------------
def polygon_mask(shape: tuple[int, ...], polygon: np.ndarray) -> np.ndarray:
    """H×W bool: pixels whose centres lie inside ``polygon`` (N×2 x, y)."""
    from skimage.draw import polygon2mask

    return polygon2mask(shape[:2], polygon[:, ::-1])


def lip_mask(shape: tuple[int, ...], pts: np.ndarray, *, inner: bool = False, erode: int = 1) -> np.ndarray:
    """The lip region: the outer-lip polygon (48-59); with ``inner``, minus the inner-mouth polygon
    (60-67), the lips' own pixels when the mouth shows teeth or a cavity. Eroded by ``erode`` px
    (3×3 steps) so that the skin (and the interior) around it does not bleed in."""
    from scipy.ndimage import binary_erosion

    mask = polygon_mask(shape, pts[OUTER_LIPS])
    if inner:
        mask &= ~polygon_mask(shape, pts[INNER_LIPS])
    return binary_erosion(mask, np.ones((3, 3), bool), iterations=erode) if erode else mask


def mean_lab(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean CIELAB colour (L*, a*, b*) of the masked pixels."""
    from skimage.color import rgb2lab

    return rgb2lab(image[mask][None])[0].mean(0)


def delta_e76(lab_a: np.ndarray, lab_b: np.ndarray) -> float:
    """CIE76 colour difference; about 2 is just noticeable, above 5 clearly different."""
    return float(np.linalg.norm(np.asarray(lab_a) - np.asarray(lab_b)))


def high_frequency_energy(image: np.ndarray, mask: np.ndarray, sigma: float = 1.0) -> float:
    """Texture: mean squared (luma - Gaussian-blurred luma, σ = ``sigma`` px) over ``mask``, in
    grey levels²; a smoothed, painted-over or blurred region scores low."""
    from scipy.ndimage import gaussian_filter

    y = luma(image)
    return float(np.mean((y - gaussian_filter(y, sigma))[mask] ** 2))


# --- a whole clip ---------------------------------------------------------------------------------
def measure_clip(video: str | os.PathLike, motion, source_image: np.ndarray) -> dict:
    """The realism figures of a generated clip against its motion file and source photo.

    ``motion`` is a :class:`~thg.motion.MotionTrack` or its JSON path; frames beyond the shorter of
    video and motion are ignored; the photo is resized to the video's frame size if they differ.
    Every figure is read with dlib on the decoded frames:

    - ``faces_found`` of ``frames``: frames in which dlib finds a face.
    - ``lip_gap_corr``: Pearson correlation of :func:`inner_lip_gap` with motion ``mouth_open``.
    - ``ear_ratio``: the highest EAR of the full-blink frames (motion ``blink_l`` ≥ 0.99) over the
      median EAR of the open-eye frames (``blink_l`` = ``blink_r`` = 0); ``n_blink`` such frames.
    - ``identity_median`` / ``identity_min``: cosine similarity of each frame's ResNet descriptor
      to the photo's.
    - closed-mouth frames (``mouth_open`` = 0 in the frame and both neighbours; ``n_closed``):
      ``delta_e`` the largest CIE76 ΔE of the mean colour of the frame's lip region (the whole
      outer-lip polygon, :func:`lip_mask`) from the photo's lips, ``hf_ratio`` the median and ``hf_ratio_min`` the smallest ratio
      of its :func:`high_frequency_energy` to the photo's lips'. dlib's lip points on an encoded
      frame move by a pixel from frame to frame, which moves the measured region across the lip's
      edge: on one clip rendered with five different watermark ids, the smallest ratio ranged
      0.62-0.83 and the median 0.83-0.88. The photo's lips are its outer-lip
      polygon minus its inner mouth (``inner=True``), so teeth in the photo do not count.
    - open-mouth frames (``mouth_open`` ≥ 0.1; ``n_open``): ``edge_ratio``, the largest
      :func:`edge_hardness` along the frame's inner-lip contour (60-67, the edge of the
      synthesised interior) over that along the photo's own outer-lip contour (48-59); ≤ 1 means
      no edge of the interior is harder than the lips' own edge in the photo.

    A figure without frames to judge (no blink, no closed or open frame) is NaN.
    """
    import cv2

    from thg.io.video import probe_video, read_video_frames
    from thg.motion.track import MotionTrack

    track = motion if isinstance(motion, MotionTrack) else MotionTrack.load(motion)
    info = probe_video(video)
    src = source_image if source_image.shape[:2] == (info.height, info.width) else cv2.resize(
        source_image, (info.width, info.height), interpolation=cv2.INTER_AREA)
    dl = models()
    src_face = dl.face(src)
    if src_face is None:
        raise NoFaceError("dlib finds no face in the source photo; measure_clip needs one")
    src_desc = dl.descriptor(src, src_face)
    src_mask = lip_mask(src.shape, src_face.points, inner=True)
    src_lab, src_hf = mean_lab(src, src_mask), high_frequency_energy(src, src_mask)
    src_edge = edge_hardness(src, src_face.points[OUTER_LIPS])
    rows = []  # per frame: gap, EAR, identity, ΔE, HF ratio, edge ratio (NaN without a face)
    for frame, _ in zip(read_video_frames(video), range(len(track))):
        face = dl.face(frame, near=src_face.box)
        if face is None:
            rows.append([np.nan] * 6)
            continue
        p = face.points
        mask = lip_mask(frame.shape, p)
        rows.append([inner_lip_gap(p), eye_aspect_ratio(p), cosine_similarity(dl.descriptor(frame, face), src_desc),
                     delta_e76(mean_lab(frame, mask), src_lab), high_frequency_energy(frame, mask) / src_hf,
                     edge_hardness(frame, p[INNER_LIPS]) / src_edge])
    gap, ear, ident, de, hf, edge = np.array(rows, np.float64).reshape(-1, 6).T
    n = len(gap)
    mouth, blink_l, blink_r = (track[c][:n] for c in ("mouth_open", "blink_l", "blink_r"))
    found = ~np.isnan(gap)
    shut = np.r_[True, mouth == 0, True]
    closed = shut[:-2] & shut[1:-1] & shut[2:]
    full_blink = blink_l >= FULL_BLINK
    open_eyes = (blink_l == 0) & (blink_r == 0)

    def pick(fn, values, where):
        v = values[where & found]
        return float(fn(v)) if v.size else float("nan")

    return {
        "frames": n, "faces_found": int(found.sum()),
        "lip_gap_corr": float(np.corrcoef(gap[found], mouth[found])[0, 1]) if found.sum() > 2 else float("nan"),
        "ear_ratio": pick(np.max, ear, full_blink) / pick(np.median, ear, open_eyes),
        "n_blink": int(full_blink.sum()),
        "identity_median": pick(np.median, ident, found), "identity_min": pick(np.min, ident, found),
        "delta_e": pick(np.max, de, closed), "hf_ratio": pick(np.median, hf, closed),
        "hf_ratio_min": pick(np.min, hf, closed), "n_closed": int(closed.sum()),
        "edge_ratio": pick(np.max, edge, mouth >= OPEN_MOUTH), "n_open": int((mouth >= OPEN_MOUTH).sum()),
    }
