import json

import numpy as np
import pytest

from thg.errors import InputError
from thg.motion import CHANNEL_NAMES, MotionTrack


def test_roundtrip_and_partial_hand_written_file(tmp_path):
    track = MotionTrack.zeros(10, 25.0, driver="test")
    track["mouth_open"] = np.linspace(0, 0.5, 10)
    track.save(tmp_path / "m.json")
    back = MotionTrack.load(tmp_path / "m.json")
    assert np.allclose(back["mouth_open"], track["mouth_open"], atol=1e-4) and back.meta["driver"] == "test"
    doc = {"format": "thg-motion", "version": 1, "fps": 30, "frames": [{"yaw": 5}, {"blink_l": 1.0}]}
    (tmp_path / "hand.json").write_text(json.dumps(doc))
    hand = MotionTrack.load(tmp_path / "hand.json")
    assert len(hand) == 2 and hand.fps == 30 and hand["yaw"][0] == 5 and hand["blink_l"][1] == 1
    assert len(CHANNEL_NAMES) == hand.values.shape[1]


@pytest.mark.parametrize("doc, msg", [
    ({"format": "x"}, "not a thg motion file"),
    ({"format": "thg-motion", "version": 99, "frames": [{}]}, "version 99"),
    ({"format": "thg-motion", "version": 1, "frames": [{"jaw": 1}]}, "unknown channel 'jaw'"),
    ({"format": "thg-motion", "version": 1, "frames": []}, "no frames"),
])
def test_bad_motion_files_name_the_problem(tmp_path, doc, msg):
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match=msg):
        MotionTrack.load(tmp_path / "m.json")
