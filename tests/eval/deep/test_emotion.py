import numpy as np
import pytest

from thg.errors import InputError
from thg.eval.metrics.deep.faces import emonet_crop
from thg.eval.registry import create_metric


def test_crop_follows_emonet_box_convention(face_frames):
    from thg.features import FaceMesher
    from thg.features.landmarks import IBUG68

    with FaceMesher(static=True) as mesher:
        pts = mesher.detect(face_frames[0])[0].xy
    crop = emonet_crop(face_frames[0], pts)
    assert crop.shape == (256, 256, 3)
    # EmoNet: centre of the 68-point box -> crop centre; a square of side 200 * (w + h) / 220 -> 256 px
    box = pts[list(IBUG68)]
    (x0, y0), (x1, y1) = box.min(0), box.max(0)
    side = 200 * ((x1 - x0) + (y1 - y0)) / 220
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    sx = round(cx + (100.5 - 128) * side / 256)      # source pixel landing on crop pixel (100, 140)
    sy = round(cy + (140.5 - 128) * side / 256)
    assert np.abs(crop[140, 100].astype(int) - face_frames[0][sy, sx].astype(int)).max() <= 40


def _run(frames, weights, ref=None, **params):
    m = create_metric("emotion-acc", weights_dir=weights, **params)
    m.update(frames, ref)
    return m.compute()


def test_emotion_acc_end_to_end_with_random_emonet(face_frames, emonet_weights):
    r = _run(face_frames[:2], emonet_weights, emotion="angry")            # dataset spelling accepted
    assert 0 <= r.value <= 1 and r.extra["target"] == "anger" and r.coverage == 1.0
    assert r.per_frame.shape == (2,) and len(r.convention["classes"]) == 8
    hist = r.extra["class_histogram"]
    assert sum(hist.values()) == 2 and r.value == hist["anger"] / 2
    agree = _run(face_frames[:1], emonet_weights, ref=face_frames[:1])     # target taken from the reference
    assert agree.value == 1.0                       # the same frame gets the reference's class
    assert agree.convention["target"].startswith("reference")


def test_five_class_file_is_read_from_the_checkpoint(face_frames, emonet_weights):
    r = _run(face_frames[:1], emonet_weights, emotion="fear", weights_file="emonet_5.pth")
    assert len(r.convention["classes"]) == 5


def test_bad_target_and_no_target_are_explained(face_frames, emonet_weights):
    with pytest.raises(InputError, match="contempt"):
        _run(face_frames[:1], emonet_weights, emotion="bored")
    with pytest.raises(InputError, match="--ref"):
        _run(face_frames[:1], emonet_weights)
