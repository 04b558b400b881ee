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


def _doc(**kw):
    return {"format": "thg-motion", "version": 1, "fps": 25, "frames": [{}], **kw}


@pytest.mark.parametrize("text, msg", [
    (json.dumps(_doc(frames=[{"yaw": 10**400}])), "channel 'yaw' is 1000.*expected a number"),
    (json.dumps(_doc(frames=[{"yaw": 1e308}])), "'yaw' is 1e\\+308, outside -60 to 60"),
    (json.dumps(_doc(frames=[{"mouth_open": True}])), "expected a number"),
    (json.dumps(_doc(meta=[1, 2])), "\"meta\" is list; it must be an object"),
    (json.dumps(_doc(meta="x")), "\"meta\" is str"),
    (json.dumps(_doc(fps=1000)), "fps 1000 is not a frame rate from 1 to 120"),
    (json.dumps(_doc(fps=0.01)), "fps 0.01 is not a frame rate"),
    (json.dumps(_doc(fps="25")), "fps '25' is not a frame rate"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"format": "thg-motion", "version": 1, "frames": [{"yaw": ' + "9" * 5000 + "}]}", "not valid JSON"),
    ("\xff\xfe", "not valid JSON"),
])
def test_hostile_motion_files_are_one_line_errors(tmp_path, text, msg):
    path = tmp_path / "m.json"
    path.write_text(text, encoding="latin-1" if text.startswith("\xff") else "utf-8")
    with pytest.raises(InputError, match=msg):
        MotionTrack.load(path)


def test_a_motion_file_longer_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(json.dumps(_doc(fps=25, frames=[{}] * 2000)))
    with pytest.raises(InputError, match="2000 frames .80 s., over the 60 s limit; split it or raise --max-seconds"):
        MotionTrack.load(path, max_seconds=60)
    assert len(MotionTrack.load(path, max_seconds=80)) == 2000


@pytest.mark.parametrize("emotion", ["surprised", "angry", "happy"])
def test_motion_thg_derives_at_its_strongest_style_loads_back(tmp_path, emotion):
    """The limits a file is checked against hold whatever thg itself writes, at the top of every
    style range: a file saved by --save-motion always renders with --motion."""
    from thg.features.speech import prosody, synthesize
    from thg.motion.speech import STYLE_RANGES, MotionStyle, motion_from_speech

    audio, phonemes = synthesize("Wow! Bob bought a big blue map, open it!", "en")
    n = int(round(audio.duration * 25))
    top = {name: hi for name, (_, lo, hi) in STYLE_RANGES.items() if name != "seed"}
    track = motion_from_speech(phonemes, prosody(audio, 25, n), n, MotionStyle(emotion=emotion, seed=7, **top))
    track.save(tmp_path / "m.json")
    assert np.allclose(MotionTrack.load(tmp_path / "m.json").values, track.values, atol=1e-4)
