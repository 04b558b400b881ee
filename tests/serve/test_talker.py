"""The live talker's clock: sound and motion of an utterance start on the same frame, interruptions
cut both, queued speech follows, and the idle track loops without a seam."""

from __future__ import annotations

import numpy as np
import pytest

from thg.motion.track import CHANNEL_NAMES
from thg.pipeline import GenerateConfig
from thg.serve.talker import RATE, SPEECH_CHANNELS, Talker


@pytest.fixture(scope="module")
def talker():
    from skimage import data

    return Talker(data.astronaut(), GenerateConfig(max_size=256))


def test_utterance_sound_and_mouth_start_on_one_frame(talker):
    seg = talker.say("Bob opens a map.", at=talker.sample_of_frame(10) + 5)   # not on a frame boundary
    first = talker.frame_of_sample(seg.start)
    assert seg.start == talker.sample_of_frame(first) and first == 11
    assert not talker.audio(0, seg.start).any() and talker.audio(seg.start, len(seg.pcm)).any()
    mouth = np.array([talker.motion(k)[SPEECH_CHANNELS[0]] for k in range(first + len(seg.track) + 5)])
    assert mouth[:first].max() < 0.02 and mouth.max() > 0.2
    talker.interrupt(0)


def test_interrupt_cuts_sound_and_closes_the_mouth_within_a_few_frames(talker):
    seg = talker.say("This sentence is long enough to be cut in the middle of a word.", at=0)
    cut = seg.start + RATE // 2
    talker.interrupt(cut)
    assert talker.audio(seg.start, cut - seg.start).any() and not talker.audio(cut, RATE).any()
    k = talker.frame_of_sample(cut)
    mouth = [talker.motion(k + i)[SPEECH_CHANNELS[0]] for i in range(8)]
    assert mouth[-1] < 0.02 and np.all(np.diff(mouth[:5]) <= 1e-6)    # closes, and not with a jump open
    assert not talker.speaking(cut + 1)


def test_queued_speech_follows_and_interrupting_speech_replaces(talker):
    a = talker.say("One.", at=0)
    b = talker.say("Two.", at=0, interrupt=False)
    assert b.start >= a.end
    c = talker.say("Three.", at=a.start + 100)
    assert c.start >= a.start + 100 and not talker.audio(c.end, RATE).any()   # "two" is gone
    talker.interrupt(0)


def test_idle_loops_without_a_seam(talker):
    idle = talker.idle
    steps = np.abs(np.diff(np.concatenate([idle, idle[:1]]), axis=0)).max(axis=0)
    inner = np.abs(np.diff(idle, axis=0)).max(axis=0)
    assert np.all(steps <= inner + 1e-6)          # the wrap is no bigger a step than any other
    blink = idle[:, CHANNEL_NAMES.index("blink_l")]
    assert (blink > 0.8).any()                    # it blinks while idle
