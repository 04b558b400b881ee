"""What a user would measure on a video with the face mesh, independent of thg.reenact's own code."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thg.features import FaceMesher
from thg.features import landmarks as L
from thg.io import read_video_frames


@dataclass
class Series:
    fps: float
    mouth: np.ndarray     # inner-lip gap / mouth width
    eyes: np.ndarray      # mean lid gap / eye width
    turn: np.ndarray      # nose tip off the eye midpoint along the eyes / interocular (a yaw proxy)
    points: list          # 478×3 per frame
    frames: list

    def at(self, times: np.ndarray, name: str) -> np.ndarray:
        values = getattr(self, name)
        return np.interp(times, np.arange(len(values)) / self.fps, values)


def measure_video(path, fps: float) -> Series:
    mouth, eyes, turn, points, frames = [], [], [], [], []
    with FaceMesher(static=False, max_faces=1) as mesher:
        for frame in read_video_frames(path):
            faces = mesher.detect(frame)
            assert faces, "the face must stay detectable in every frame"
            g = faces[0]
            mouth.append(g.mouth_opening())
            eyes.append(float(np.mean(g.eye_openness())))
            r = g.xy[list(L.RIGHT_EYE_CORNERS)].mean(0)
            left = g.xy[list(L.LEFT_EYE_CORNERS)].mean(0)
            u = (left - r) / np.linalg.norm(left - r)
            turn.append(float((g.xy[L.NOSE_TIP] - (r + left) / 2) @ u / np.linalg.norm(left - r)))
            points.append(g.points)
            frames.append(frame)
    return Series(fps, np.array(mouth), np.array(eyes), np.array(turn), points, frames)


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])
