"""Face-geometry metrics on mediapipe face-mesh points (T×478×3 arrays, pixels, NaN = no face).

Conventions (stated once, recorded in every result):

- **Landmarks**: the 68-point iBUG layout (dlib / FAN order) is taken from the mesh with
  :data:`thg.features.landmarks.IBUG68` (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth
  48-67). The mesh points are not dlib's detector output: numbers are comparable between videos
  evaluated here, not digit-for-digit with papers that ran dlib or FAN.
- **Units**: distances in pixels of the frame rescaled to 256 px width ("px@256"), the resolution
  at which LMD / AKD are usually reported; ``scale = 256 / frame width``.
- **Head pose**: a head frame built from the mesh itself (no canonical model file is needed):
  x = from the subject's right face edge to the left (mean of 4 oval points each side), y = from
  forehead (10) to chin (152), orthogonalised, z = x × y (into the image). Pose angles are
  intrinsic Y-X-Z Euler angles of that frame in camera coordinates: yaw, pitch, roll in degrees.
  The mesh's z is in pixel scale (mediapipe's convention).
- **Pose-free ("face-frame") coordinates**: points rotated into the head frame, centred on the
  mesh centroid, divided by the 3-D inter-ocular distance (eye-corner centres). Expression
  measures (AED, diversity, eye and mouth openness) use them, so head motion does not count.
"""

from __future__ import annotations

import numpy as np

from thg.features import landmarks as L

UNIT_WIDTH = 256.0
IBUG68 = np.array(L.IBUG68)
MOUTH68 = np.arange(48, 68)
#: the mesh's 40 lip-contour points (outer and inner, upper and lower)
MESH_LIPS = np.array(sorted(set(L.LIPS_OUTER_UPPER + L.LIPS_OUTER_LOWER + L.LIPS_INNER_UPPER + L.LIPS_INNER_LOWER)))
#: expression-bearing iBUG points: brows, eyes, mouth
EXPRESSION68 = np.r_[17:27, 36:68]
_RIGHT_SIDE = [234, 93, 132, 127]
_LEFT_SIDE = [454, 323, 361, 356]


def ibug68(points: np.ndarray) -> np.ndarray:
    """...×478×3 mesh points -> ...×68×3 in iBUG order."""
    return points[..., IBUG68, :]


def _normalize(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def head_rotation(points: np.ndarray) -> np.ndarray:
    """...×478×3 -> ...×3×3 rotation whose columns are the head's x, y, z axes in camera coordinates."""
    x = points[..., _LEFT_SIDE, :].mean(-2) - points[..., _RIGHT_SIDE, :].mean(-2)
    y = points[..., L.CHIN, :] - points[..., L.FOREHEAD, :]
    x = _normalize(x)
    y = _normalize(y - (y * x).sum(-1, keepdims=True) * x)
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=-1)


def head_pose(points: np.ndarray) -> np.ndarray:
    """...×478×3 -> ...×3 (yaw, pitch, roll) in degrees; NaN where the points are NaN."""
    from scipy.spatial.transform import Rotation

    r = head_rotation(points)
    flat = r.reshape(-1, 3, 3)
    out = np.full((len(flat), 3), np.nan)
    ok = np.isfinite(flat).all((1, 2))
    if ok.any():
        out[ok] = Rotation.from_matrix(flat[ok]).as_euler("YXZ", degrees=True)
    return out.reshape(r.shape[:-2] + (3,))


def rotation_distance(r1: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """Geodesic angle (degrees) between rotation matrices ...×3×3."""
    rel = np.einsum("...ji,...jk->...ik", r1, r2)
    cos = (np.trace(rel, axis1=-2, axis2=-1) - 1) / 2
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def interocular_3d(points: np.ndarray) -> np.ndarray:
    right = points[..., list(L.RIGHT_EYE_CORNERS), :].mean(-2)
    left = points[..., list(L.LEFT_EYE_CORNERS), :].mean(-2)
    return np.linalg.norm(left - right, axis=-1)


def face_frame(points: np.ndarray) -> np.ndarray:
    """Pose-free coordinates: rotate into the head frame, centre, divide by the 3-D inter-ocular distance."""
    r = head_rotation(points)
    centred = points - points[..., :468, :].mean(-2, keepdims=True)
    local = np.einsum("...ji,...nj->...ni", r, centred)
    return local / interocular_3d(points)[..., None, None]


def mouth_opening(points: np.ndarray) -> np.ndarray:
    """Inner-lip gap / mouth width in face-frame coordinates (0 = closed); ...×478×3 -> ....
    (:func:`thg.features.landmarks.mouth_opening` on the pose-free face frame)."""
    return L.mouth_opening(face_frame(points))


def eye_openness(points: np.ndarray) -> np.ndarray:
    """Mean lid gap / eye width of both eyes in face-frame coordinates; about 0.25-0.35 open, < 0.1
    closed (:func:`thg.features.landmarks.eye_openness` on the pose-free face frame)."""
    return L.eye_openness(face_frame(points)).mean(-1)


def landmark_distance(pred: np.ndarray, ref: np.ndarray, idx: np.ndarray | None = None, *,
                      scale: float = 1.0, center: bool = False) -> np.ndarray:
    """Mean 2-D Euclidean distance between corresponding iBUG68 landmarks, per frame (LMD).

    ``pred``/``ref``: ...×68×(2|3) pixel landmarks; ``idx`` selects points (e.g. :data:`MOUTH68`);
    ``center`` removes each set's mean first (translation-free LMD).
    """
    p, r = pred[..., :2], ref[..., :2]
    if idx is not None:
        p, r = p[..., idx, :], r[..., idx, :]
    if center:
        p = p - p.mean(-2, keepdims=True)
        r = r - r.mean(-2, keepdims=True)
    return np.linalg.norm(p - r, axis=-1).mean(-1) * scale


def umeyama(src: np.ndarray, dst: np.ndarray, *, with_scale: bool = True) -> tuple[float, np.ndarray, np.ndarray]:
    """Least-squares similarity (s, R, t) with dst ≈ s·R·src + t (Umeyama 1991); N×D points."""
    from thg.features.geometry import similarity_fit

    return similarity_fit(src, dst, with_scale=with_scale)


def mesh_vertex_error(pred: np.ndarray, ref: np.ndarray, *, scale: float = 1.0) -> float:
    """Mean 3-D distance of the 468 mesh vertices after similarity-aligning pred onto ref (MVE)."""
    p, r = pred[:468].astype(np.float64), ref[:468].astype(np.float64)
    s, rot, t = umeyama(p, r)
    aligned = s * p @ rot.T + t
    return float(np.linalg.norm(aligned - r, axis=-1).mean() * scale)


def expression_vector(points: np.ndarray) -> np.ndarray:
    """Pose-free 3-D coordinates of the expression-bearing iBUG points (brows, eyes, mouth): ...×42×3."""
    return face_frame(points)[..., IBUG68[EXPRESSION68], :]


def expression_distance(pred: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """AED per frame: mean over the 42 expression points of the L1 norm of the pose-free 3-D
    difference, in inter-ocular units."""
    return np.abs(expression_vector(pred) - expression_vector(ref)).sum(-1).mean(-1)


def _sqrt_psd(c: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((c + c.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """Fréchet distance between two Gaussians: |mu1-mu2|² + tr(C1 + C2 - 2 (C1 C2)^½).

    tr((C1 C2)^½) is computed as the sum of square roots of the eigenvalues of the symmetric
    C1^½ C2 C1^½ (same spectrum, stable for the rank-deficient covariances of short videos).
    """
    diff = np.asarray(mu1, dtype=np.float64) - np.asarray(mu2, dtype=np.float64)
    s1 = _sqrt_psd(np.asarray(cov1, dtype=np.float64))
    m = s1 @ np.asarray(cov2, dtype=np.float64) @ s1
    tr_covmean = float(np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum())
    return float(max(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * tr_covmean, 0.0))


def landmark_shape(points: np.ndarray) -> np.ndarray:
    """F-LMD's per-frame vector: the 68 iBUG 2-D landmarks centred on their mean and divided by
    the 2-D inter-ocular distance (translation- and scale-free), flattened to 136 values."""
    lm = ibug68(points)[..., :2]
    lm = lm - lm.mean(-2, keepdims=True)
    right = lm[..., 36:42, :].mean(-2)
    left = lm[..., 42:48, :].mean(-2)
    iod = np.linalg.norm(left - right, axis=-1)
    return (lm / iod[..., None, None]).reshape(lm.shape[:-2] + (136,))


def count_blinks(openness: np.ndarray, *, close_ratio: float = 0.55, open_ratio: float = 0.8,
                 baseline: float | None = None) -> int:
    """Number of blinks in an eye-openness series (NaN = no face, skipped).

    A blink starts when openness falls below ``close_ratio`` × baseline and ends when it rises
    above ``open_ratio`` × baseline (hysteresis); baseline = the series' 80th percentile (open eyes).
    """
    o = openness[np.isfinite(openness)]
    if o.size == 0:
        return 0
    base = float(np.percentile(o, 80)) if baseline is None else baseline
    closed, n = False, 0
    for v in o:
        if not closed and v < close_ratio * base:
            closed, n = True, n + 1
        elif closed and v > open_ratio * base:
            closed = False
    return n


def cross_sample_diversity(samples: list[np.ndarray], *, feature: str = "pose") -> float:
    """Diversity across several generations from the same input (SadTalker's use of the word):
    the standard deviation across samples of a per-frame feature, averaged over frames and feature
    dimensions. ``samples``: equally long T×478×3 mesh-point arrays (NaN = no face, skipped);
    ``feature``: "pose" (yaw, pitch, roll in degrees) or "expression" (pose-free expression points)."""
    if len(samples) < 2:
        raise ValueError("cross-sample diversity needs at least 2 generated samples")
    n = min(len(s) for s in samples)
    fn = head_pose if feature == "pose" else expression_vector
    if feature not in ("pose", "expression"):
        raise ValueError(f"feature must be 'pose' or 'expression', not {feature!r}")
    feats = np.stack([fn(np.asarray(s[:n], dtype=np.float64)).reshape(n, -1) for s in samples])  # S×T×D
    return float(np.nanmean(np.nanstd(feats, axis=0)))


def speech_envelope(audio: np.ndarray, fps: float, n_frames: int, sample_rate: int = 16000) -> np.ndarray:
    """RMS of the speech in a one-frame window centred on each video frame's time."""
    half = sample_rate / fps / 2
    out = np.zeros(n_frames)
    for i in range(n_frames):
        c = i * sample_rate / fps
        seg = audio[max(0, int(c - half)):max(0, int(c + half))]
        out[i] = float(np.sqrt(np.mean(seg.astype(np.float64) ** 2))) if seg.size else 0.0
    return out


def lagged_correlation(video: np.ndarray, audio: np.ndarray, max_offset: int = 15,
                       min_overlap: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of video[t] with audio[t - k] for k in -max_offset..max_offset.

    Positive k: the video lags the audio by k frames. Frames where either is NaN are left out;
    offsets with fewer than ``min_overlap`` common frames give NaN.
    """
    offsets = np.arange(-max_offset, max_offset + 1)
    corr = np.full(len(offsets), np.nan)
    n = len(video)
    for j, k in enumerate(offsets):
        if abs(k) >= n:
            continue
        if k >= 0:
            v, a = video[k:], audio[:n - k]
        else:
            v, a = video[:n + k], audio[-k:]
        ok = np.isfinite(v) & np.isfinite(a)
        if ok.sum() < min_overlap:
            continue
        v, a = v[ok] - v[ok].mean(), a[ok] - a[ok].mean()
        den = np.sqrt((v * v).sum() * (a * a).sum())
        corr[j] = (v * a).sum() / den if den > 0 else 0.0
    return offsets, corr


__all__ = [
    "UNIT_WIDTH", "IBUG68", "MOUTH68", "MESH_LIPS", "EXPRESSION68", "ibug68", "head_rotation", "head_pose",
    "rotation_distance", "interocular_3d", "face_frame", "mouth_opening", "eye_openness",
    "landmark_distance", "umeyama", "mesh_vertex_error", "expression_vector", "expression_distance",
    "frechet_distance", "landmark_shape", "cross_sample_diversity", "count_blinks", "speech_envelope", "lagged_correlation",
]
