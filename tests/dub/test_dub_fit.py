"""Which original frame shows at each output frame, for each ``--fit``."""

from __future__ import annotations

import pytest

from thg.dub.fit import DEFAULT_FIT, FITS, schedule
from thg.errors import UsageError


def order(n_video: int, n_speech: int, fit: str) -> list[int]:
    n, runs = schedule(n_video, n_speech, fit)
    frames = [i for run in runs for i in run.indices()]
    assert len(frames) == n
    return frames


def test_pingpong_turns_at_the_ends_without_repeating_them():
    assert DEFAULT_FIT == "pingpong"
    assert order(4, 11, "pingpong") == [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2]


def test_loop_starts_over():
    assert order(4, 10, "loop") == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]


def test_trim_and_pad():
    assert order(4, 6, "trim") == [0, 1, 2, 3]
    assert order(6, 4, "trim") == [0, 1, 2, 3]
    assert order(4, 6, "pad") == [0, 1, 2, 3, 3, 3]
    assert order(6, 4, "pad") == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("fit", FITS)
def test_speech_shorter_than_the_clip(fit):
    expected = {"pingpong": 3, "loop": 3, "trim": 3, "pad": 5}[fit]
    assert order(5, 3, fit) == list(range(expected))


def test_a_one_frame_clip_is_held():
    n, runs = schedule(1, 100_000, "pingpong")
    assert n == 100_000 and len(runs) == 1 and runs[0].step == 0


def test_an_hour_is_a_few_runs():
    n, runs = schedule(30 * 60, 30 * 3600, "pingpong")   # a 1-minute clip under an hour of speech
    assert n == 108_000 and len(runs) == 61


def test_unknown_fit_is_a_usage_error():
    with pytest.raises(UsageError, match="--fit 'bounce' is not known"):
        schedule(4, 4, "bounce")
