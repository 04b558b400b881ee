"""Motion files of any shape: a clean InputError or a valid track, never another exception."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thg.errors import InputError
from thg.motion.track import CHANNEL_LIMITS, CHANNEL_NAMES, FORMAT, MotionTrack

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**500, 10**500), st.floats(),
                    st.floats(-2, 2), st.text(max_size=5))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
channel_values = st.one_of(st.floats(-0.1, 0.1), st.floats(-100, 100), st.integers(-10**400, 10**400), st.floats(),
                           json_values)
frames = st.lists(st.dictionaries(st.sampled_from(CHANNEL_NAMES + ("jaw",)), channel_values, max_size=4),
                  min_size=1, max_size=6) | json_values
#: thg-motion documents whose every field may be hostile (the format and version right, so that
#: the checks behind them are reached; wrong ones come from ``json_values``)
documents = st.fixed_dictionaries(
    {"format": st.just(FORMAT), "version": st.just(1), "frames": frames},
    optional={"fps": st.sampled_from([25, 30.0]) | st.floats(0, 200) | json_values,
              "meta": st.dictionaries(st.text(max_size=4), json_values, max_size=2) | json_values})

def _check(track: MotionTrack) -> None:
    lo = np.array([CHANNEL_LIMITS[c][0] for c in CHANNEL_NAMES])
    hi = np.array([CHANNEL_LIMITS[c][1] for c in CHANNEL_NAMES])
    assert len(track) >= 1 and 1 <= track.fps <= 120 and isinstance(track.meta, dict)
    assert np.isfinite(track.values).all() and (track.values >= lo - 1e-3).all() and (track.values <= hi + 1e-3).all()


@FUZZ
@given(doc=documents | json_values)
def test_any_document_is_a_valid_track_or_one_input_error(doc):
    try:
        track = MotionTrack.from_json(doc, name="fuzz.json")
    except InputError as e:
        assert str(e).startswith("fuzz.json: ") and "\n" not in str(e)
    else:
        _check(track)


@FUZZ
@given(doc=documents, cut=st.integers(0, 400), junk=st.binary(max_size=4))
def test_any_file_bytes_are_a_valid_track_or_one_input_error(tmp_path, doc, cut, junk):
    text = json.dumps(doc, default=str).encode()
    path = tmp_path / "m.json"
    path.write_bytes(text[:cut] + junk + text[cut:] if cut < len(text) else text)
    try:
        track = MotionTrack.load(path, max_seconds=600)
    except InputError as e:
        assert str(path) in str(e) and "\n" not in str(e)
    else:
        _check(track)
