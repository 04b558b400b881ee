"""Helpers that make real test clips: the astronaut's face as short 256 px videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SIZE = 256
FRAMES = 12


def face_crop(portrait: np.ndarray, dx: float = 0.0, dy: float = 0.0, angle: float = 0.0,
              size: int = SIZE) -> np.ndarray:
    """The astronaut's head and shoulders (230 px square around the face) at ``size`` px, shifted by
    (dx, dy) output pixels and rotated by ``angle`` degrees about the face centre."""
    import cv2

    cx, cy, half = 225.0, 125.0, 115.0
    s = size / (2 * half)
    m = cv2.getRotationMatrix2D((cx, cy), angle, s)
    m[0, 2] += size / 2 - cx + dx
    m[1, 2] += size / 2 - cy + dy
    return cv2.warpAffine(portrait, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def open_mouth(frame: np.ndarray, amount: float) -> np.ndarray:
    """Pull the lower face down by up to ``amount`` px below the mouth (a jaw drop), smoothly."""
    import cv2

    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    mouth_y, mouth_x = 0.6 * h, 0.5 * w  # mouth line of face_crop()
    below = np.clip((yy - mouth_y) / 6.0, 0, 1)
    fade_y = np.clip(1 - (yy - mouth_y) / (0.35 * h), 0, 1)
    fade_x = np.exp(-((xx - mouth_x) / (0.16 * w)) ** 2)
    shift = amount * below * fade_y * fade_x
    return cv2.remap(frame, xx, yy - shift, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def write_video(path: Path, frames, fps: float = 25.0, audio_path=None) -> Path:
    from thg.io import VideoWriter

    frames = list(frames)
    h, w = frames[0].shape[:2]
    with VideoWriter(path, w, h, fps=fps, audio_path=audio_path, crf=12) as writer:
        for f in frames:
            writer.write(f)
    return path




#: eye centres and width in face_crop() frames at 256 px (measured with the face mesh)
EYES_256 = ((104.7, 102.7), (151.6, 105.2))
EYE_WIDTH_256 = 21.0


def close_eyes(frame: np.ndarray, squeeze: float) -> np.ndarray:
    """Squeeze both eyes of a 256 px face_crop() frame vertically (0.25 ≈ closed lids, 1 = unchanged)."""
    import cv2

    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    map_y = yy.copy()
    for cx, cy in EYES_256:
        weight = np.exp(-((xx - cx) / (0.7 * EYE_WIDTH_256)) ** 2) * np.exp(-((yy - cy) / (0.6 * EYE_WIDTH_256)) ** 2)
        map_y += weight * ((cy + (yy - cy) / squeeze) - yy)
    return cv2.remap(frame, xx, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def speech_driven_frames(portrait: np.ndarray, envelope: np.ndarray, max_drop: float = 12.0,
                         lag: int = 0) -> list[np.ndarray]:
    """A talking clip: the jaw drops in proportion to the speech ``envelope`` (one value per frame),
    ``lag`` frames late."""
    env = np.asarray(envelope, dtype=np.float64)
    env = env / max(env.max(), 1e-9)
    if lag:
        env = np.r_[np.zeros(lag), env[:-lag]]
    base = face_crop(portrait)
    return [open_mouth(base, max_drop * e) for e in env]
