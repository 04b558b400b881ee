"""The artefacts users of talking-head generators complain about, measured: blurry mouths and teeth,
mouths hanging open in silence, and jittering faces.

- :func:`mouth_sharpness`: variance of the Laplacian (Pech-Pacheco et al. 2000's focus measure) of
  the luma in the mouth box, resampled so that the box is :data:`MOUTH_BOX_WIDTH` px wide: the same
  mouth scores the same at any frame size.
- :func:`open_in_silence`: the share of silent frames in which the mouth is open.
- :func:`landmark_jitter`: the RMS of the landmarks' fast motion (what a Gaussian low-pass with half
  amplitude at :data:`JITTER_CUTOFF_HZ` removes).
"""

from __future__ import annotations

import numpy as np

from thg.features.edges import luma

#: width (px) the mouth box is resampled to before its sharpness is measured
MOUTH_BOX_WIDTH = 64
#: the box around the lip contour: its width × 1.3, its height × 1.5 (at least half the width)
BOX_PAD_X, BOX_PAD_Y = 1.3, 1.5
#: speech RMS below this share of the clip's 95th-percentile RMS counts as silence (20 dB down)
SILENCE_RATIO = 0.1
#: a silent frame counts only with this many silent frames on each side (80 ms at 25 fps: no onsets)
SILENCE_MARGIN = 2
#: inner-lip gap / mouth width above which the mouth is open
OPEN_MOUTH = 0.1
#: landmark motion above this frequency (Hz) is jitter; speech moves the mouth at about 4-7 Hz
JITTER_CUTOFF_HZ = 8.0


def _luma(frame: np.ndarray) -> np.ndarray:
    return luma(frame[..., :3])


def mouth_box(lips: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) pixel box around lip contour points (N×2 x, y), padded; None if it leaves the frame."""
    (x0, y0), (x1, y1) = lips.min(0), lips.max(0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = (x1 - x0) * BOX_PAD_X
    h = max((y1 - y0) * BOX_PAD_Y, w / 2)
    box = int(round(cx - w / 2)), int(round(cy - h / 2)), int(round(cx + w / 2)), int(round(cy + h / 2))
    if box[0] < 0 or box[1] < 0 or box[2] > shape[1] or box[3] > shape[0] or box[2] - box[0] < 4:
        return None
    return box


def mouth_sharpness(frame: np.ndarray, lips: np.ndarray) -> float:
    """Laplacian variance (grey levels²) of the luma in the mouth box at :data:`MOUTH_BOX_WIDTH` px
    width (3×3 Laplacian, ``cv2.Laplacian`` ksize 1); NaN when the box is not inside the frame."""
    import cv2

    box = mouth_box(lips, frame.shape)
    if box is None:
        return float("nan")
    x0, y0, x1, y1 = box
    crop = _luma(frame[y0:y1, x0:x1])
    scale = MOUTH_BOX_WIDTH / (x1 - x0)
    size = (MOUTH_BOX_WIDTH, max(4, int(round((y1 - y0) * scale))))
    crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    return float(cv2.Laplacian(crop, cv2.CV_64F, ksize=1)[1:-1, 1:-1].var())


def silent_frames(envelope: np.ndarray, *, ratio: float = SILENCE_RATIO, margin: int = SILENCE_MARGIN) -> np.ndarray:
    """Bool per frame: speech RMS below ``ratio`` × its 95th percentile here and ``margin`` frames each side."""
    env = np.asarray(envelope, np.float64)
    loud = np.percentile(env, 95) if env.size else 0.0
    quiet = env < ratio * loud if loud > 0 else np.ones(env.shape, bool)
    keep = quiet.copy()
    for k in range(1, margin + 1):
        keep[k:] &= quiet[:-k]
        keep[:-k] &= quiet[k:]
        keep[:k] = False
        keep[len(keep) - k:] = False
    return keep


def open_in_silence(opening: np.ndarray, envelope: np.ndarray, *, open_threshold: float = OPEN_MOUTH,
                    ratio: float = SILENCE_RATIO, margin: int = SILENCE_MARGIN) -> tuple[float, int]:
    """(share of the silent frames with a face whose mouth is open, number of such silent frames)."""
    opening = np.asarray(opening, np.float64)
    silent = silent_frames(envelope, ratio=ratio, margin=margin) & np.isfinite(opening)
    n = int(silent.sum())
    return (float((opening[silent] > open_threshold).mean()) if n else float("nan")), n


def jitter_sigma(fps: float, cutoff_hz: float = JITTER_CUTOFF_HZ) -> float:
    """σ (frames) of the Gaussian low-pass that halves the amplitude at ``cutoff_hz``:
    exp(-(2π f σ)² / 2) = 1/2 at f = cutoff."""
    return float(np.sqrt(2 * np.log(2)) / (2 * np.pi * cutoff_hz) * fps)


def landmark_jitter(tracks: np.ndarray, fps: float, cutoff_hz: float = JITTER_CUTOFF_HZ) -> np.ndarray:
    """Per point, the RMS (over frames) of the 2-D landmark motion that a Gaussian temporal low-pass
    with half amplitude at ``cutoff_hz`` removes (``scipy.ndimage.gaussian_filter1d``, σ from
    :func:`jitter_sigma`, nearest-frame ends): slow head and mouth motion passes, shaking does not.

    ``tracks``: T×P×2 positions (NaN rows = no face, filled by linear interpolation; leading and
    trailing gaps by the nearest face). Per point sqrt(rms_x² + rms_y²).
    """
    from scipy.ndimage import gaussian_filter1d

    x = np.asarray(tracks, np.float64)
    t = np.arange(len(x))
    ok = np.isfinite(x).all((1, 2))
    filled = np.empty_like(x)
    for p in range(x.shape[1]):
        for c in range(2):
            filled[:, p, c] = np.interp(t, t[ok], x[ok, p, c])
    high = filled - gaussian_filter1d(filled, jitter_sigma(fps, cutoff_hz), axis=0, mode="nearest")
    return np.sqrt((high ** 2).mean(0).sum(-1))


__all__ = ["mouth_box", "mouth_sharpness", "silent_frames", "open_in_silence", "landmark_jitter", "jitter_sigma",
           "MOUTH_BOX_WIDTH", "SILENCE_RATIO", "SILENCE_MARGIN", "OPEN_MOUTH", "JITTER_CUTOFF_HZ"]
