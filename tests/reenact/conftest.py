"""A real driving video: the astronaut mirrored, stretched, shrunk and moved off-centre, speaking
espeak-ng speech at 30 fps with a known head turn and known blinks (rendered by thg's own pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from thg.motion import MotionTrack

from _driver_constants import BLINK_TIMES, DRIVER_FPS, YAW_AMPLITUDE  # noqa: F401


@dataclass
class Driver:
    video: Path
    truth: MotionTrack      # the motion the driving video was rendered with
    image: np.ndarray       # the driving face's photo (not the portrait)


def driver_face_image(portrait: np.ndarray) -> np.ndarray:
    """Another-looking face from the astronaut: mirrored, 18 % wider, smaller and off-centre in a 320 px frame."""
    import cv2

    img = portrait[:, ::-1]
    h, w = img.shape[:2]
    wide = cv2.resize(img, (int(w * 1.18), h), interpolation=cv2.INTER_AREA)
    canvas = np.full((int(h * 1.25), int(w * 1.4), 3), 40, np.uint8)
    canvas[40:40 + h, 20:20 + wide.shape[1]] = wide
    return cv2.resize(canvas, (400, 320), interpolation=cv2.INTER_AREA)


def _truth_motion(pipe, image, speech_path) -> MotionTrack:
    track = pipe.make_motion(pipe.load_speech(str(speech_path), None, Path(".")))
    t = np.arange(len(track)) / track.fps
    track["yaw"] = YAW_AMPLITUDE * np.sin(2 * np.pi * t / 2.2)
    track["pitch"] = 0.0
    track["roll"] = 0.0
    blink = np.zeros(len(track))
    for bt in BLINK_TIMES:
        blink = np.maximum(blink, np.clip(1 - np.abs(t - bt) / 0.12, 0, 1))
    track["blink_l"] = blink
    track["blink_r"] = blink
    return track


@pytest.fixture(scope="session")
def driver(tmp_path_factory, portrait, speech_path) -> Driver:
    from thg.motion.speech import MotionStyle
    from thg.pipeline import GenerateConfig, TalkingHeadPipeline

    from thg.post.watermark import InvisibleWatermark

    image = driver_face_image(portrait)
    # a fixed watermark id: a fresh one per run would make the driver, and what is tracked, differ run to run
    pipe = TalkingHeadPipeline(post=[InvisibleWatermark(output_id=1)],
                               config=GenerateConfig(fps=DRIVER_FPS, style=MotionStyle(blink_rate=0, seed=1)))
    truth = _truth_motion(pipe, image, speech_path)
    out = tmp_path_factory.mktemp("driver") / "driver.mp4"
    pipe(image, audio=speech_path, motion=truth, output=out)
    return Driver(out, truth, image)
