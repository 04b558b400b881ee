"""The speech-driven motion model on real espeak-ng phonemes."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from thg.features.speech import prosody, synthesize
from thg.motion.speech import (AWAY, FIXATION, PAUSE_MARGIN, MotionStyle, blink_curve, gaussian_filter1d, gaze_curves,
                               motion_from_speech)

SENTENCE = "Hello world. Bob opens a map."  # open vowels, /b p m/ after vowels and after a pause


@functools.lru_cache(maxsize=None)
def _speech(text: str, fps: float = 25.0):
    """(audio, phonemes, track) for ``text`` spoken by espeak-ng, the motion at ``fps``."""
    audio, phonemes = synthesize(text)
    n = int(round(audio.duration * fps))
    return audio, phonemes, motion_from_speech(phonemes, prosody(audio, fps, n), n)


def _bilabials(phonemes, fps):
    """(first, last) frame of each bilabial closure: the frames whose middle half the closure
    (the middle 60 % of the phoneme, at least 40 ms) overlaps."""
    out = []
    for ph in phonemes:
        if ph.symbol[:1] in ("p", "b", "m"):
            mid, half = (ph.start + ph.end) / 2, max(0.3 * (ph.end - ph.start), 0.02)
            out.append((int(np.floor((mid - half) * fps - 0.75)) + 1, int(np.ceil((mid + half) * fps - 0.25)) - 1))
    return out


def _envelope(audio, n, fps):
    hop = audio.sample_rate / fps
    return np.array([np.sqrt(np.mean(audio.samples[int(i * hop): int((i + 1) * hop)] ** 2) + 1e-12) for i in range(n)])


def test_gaussian_smoothing_matches_scipy():
    from scipy.ndimage import gaussian_filter1d as reference

    x = np.random.default_rng(0).normal(size=(3, 400))
    for sigma in (0.7, 3.0, 12.5):
        assert np.allclose(gaussian_filter1d(x, sigma, axis=1), reference(x, sigma, axis=1, mode="nearest"), atol=1e-12)


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_lips_close_on_bilabials_approached_smoothly_and_open_on_vowels(fps):
    _, phonemes, track = _speech(SENTENCE + " Papa bought a big bomb.", fps)
    opening = track["mouth_open"]
    closures = _bilabials(phonemes, fps)
    assert len(closures) >= 8
    for ph in phonemes:
        mid = int((ph.start + ph.end) / 2 * fps)
        if ph.symbol in ("b", "m", "p"):
            assert opening[mid] == 0.0, (ph, opening[max(mid - 2, 0): mid + 3])
    for i0, i1 in closures:
        assert np.all(opening[i0: i1 + 1] == 0.0), (i0, i1, opening[max(i0 - 2, 0): i1 + 3])
        # the lips come down before the closure: no drop from open to shut within one frame
        if i0 > 0:
            assert opening[i0 - 1] < 0.15, (i0, opening[max(i0 - 3, 0): i0 + 1])
    assert opening.max() > 0.25


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_mouth_opens_gradually_without_one_frame_pops(fps):
    from_rest = 0
    texts = (SENTENCE, "Aha! A pop-up map, a bad apple.", "Papa bought a big bomb.", "Hello world. Aha, I am happy.")
    for text in texts:
        _, phonemes, track = _speech(text, fps)
        o = track["mouth_open"]
        released = np.zeros(len(o), bool)  # frames that end a bilabial closure: the lips may part faster
        for _, i1 in _bilabials(phonemes, fps):
            released[min(i1, len(o) - 1)] = True
        assert np.diff(o).max() < 0.26, text  # a pop from closed to a vowel (0.3-0.42) is larger
        # no frame stands out above or below both neighbours: a spike up and down within one frame
        before, after = o[1:-1] - o[:-2], o[1:-1] - o[2:]
        spikes = np.where(np.sign(before) == np.sign(after), np.minimum(np.abs(before), np.abs(after)), 0.0)
        assert spikes.max() < 0.15, (text, int(np.argmax(spikes)) + 1)
        # closed (< 0.05) to open (>= 0.3): at least 3 frames, 2 right after a bilabial closure
        ramps = []
        for k in np.flatnonzero((o[1:] >= 0.3) & (o[:-1] < 0.3)) + 1:
            j = k - 1
            while j >= 0 and 0.05 <= o[j] < 0.3:
                j -= 1
            if j >= 0 and o[j] < 0.05:
                ramps.append((k - j, released[j]))
        assert ramps, text
        assert all(length >= (2 if after_closure else 3) for length, after_closure in ramps), (text, ramps)
        from_rest += sum(not after_closure for _, after_closure in ramps)
    assert from_rest >= 2  # "Aha!" opens from the first frame, "Aha, I am" from a pause


def test_mouth_rests_closed_at_the_ends_and_in_pauses():
    for text in (SENTENCE, "Aha! A pop-up map, a bad apple."):
        _, phonemes, track = _speech(text)
        mouth = np.array([track[c] for c in ("mouth_open", "mouth_wide", "mouth_round", "tongue")])
        assert np.all(mouth[:, [0, -1]] == 0.0), text
        t = (np.arange(len(track)) + 0.5) / track.fps
        near_speech = np.zeros(len(t), bool)
        margin = PAUSE_MARGIN + 0.01  # the model finds speech on a 10 ms time line
        for ph in phonemes:
            if ph.symbol:
                near_speech |= (t > ph.start - margin) & (t < ph.end + margin)
        inner_pause = ~near_speech & (t > phonemes[0].start) & (t < phonemes[-1].end)
        assert inner_pause.sum() >= 3, text
        assert np.all(mouth[:, ~near_speech] == 0.0), text
        # speech right after the first frame: the mouth ramps open over the next frames
        o = mouth[0]
        assert 0 < o[1] < o[2] < o[3], (text, o[:5])


def test_rounded_vowels_round_the_lips_spread_ones_do_not():
    assert _speech("Who knew you would do it too?")[2]["mouth_round"].max() > 0.6
    assert _speech("Eat this tea, Steve.")[2]["mouth_round"].max() < 0.3


def test_the_tongue_rises_on_tongue_sounds_not_on_lip_sounds_or_open_vowels():
    """/t d n l θ/ put the tongue's tip at the upper teeth, whatever the lips do around them; /p b m/
    and an /ɑ/ among them leave it low. Read at the middle frame of each phoneme espeak-ng times."""
    _, phonemes, track = _speech("Little Ted and Nell thought it all null. Papa, ma, baba.")
    tongue = track["tongue"]
    at = {}
    for ph in phonemes:
        at.setdefault(ph.symbol[:1], []).append(tongue[int((ph.start + ph.end) / 2 * track.fps)])
    raised = np.array([v for k in "tdnlθ" for v in at.get(k, [])])
    low = np.array([v for k in "pbmɑ" for v in at.get(k, [])])   # the lips' sounds and "Papa, ma, baba"'s /ɑ/
    assert len(raised) >= 8 and len(low) >= 6, at
    # (the utterance's first /l/ and a /d/ before a pause are raised less: the mouth ramps to rest there)
    assert np.median(raised) >= 0.8 and np.mean(raised >= 0.5) >= 0.7, at
    assert low.max() <= 0.15, at
    assert tongue.min() >= 0 and tongue.max() <= 1
    assert np.abs(np.diff(tongue)).max() < 0.6                   # it moves, it does not flicker


def test_rounding_never_pinches_nearly_closed_lips():
    for text in (SENTENCE, "Who knew you would do it too?", "Papa bought a big bomb.", "Bonjour, ma petite amie."):
        track = _speech(text)[2]
        o, r = track["mouth_open"], track["mouth_round"]
        assert not np.any((r > 0.3) & (o < 0.03)), text  # lips shut (a closure) with a strong rounding
        assert np.all(r <= 15.0 * o + 1e-9), text         # /w/: 0.9 at 0.06 is the roundest small opening
        assert np.abs(np.diff(r)).max() < 0.45 and np.abs(np.diff(track["mouth_wide"])).max() < 0.2, text


def test_mouth_follows_the_speech_envelope_within_one_frame():
    audio, _, track = _speech(SENTENCE)
    o = track["mouth_open"]
    env = _envelope(audio, len(o), track.fps)
    m, e = (o - o.mean()) / o.std(), (env - env.mean()) / env.std()
    lags = range(-4, 5)
    corr = [np.mean(m[max(0, k): len(m) + min(0, k)] * e[max(0, -k): len(e) - max(0, k)]) for k in lags]
    assert abs(list(lags)[int(np.argmax(corr))]) <= 1 and max(corr) > 0.4, np.round(corr, 2)
    # anticipation moves each opening earlier, but its centre of mass stays with its sound
    edges = np.flatnonzero(np.diff(np.r_[0, o > 0, 0]))
    openings = [(a, b) for a, b in zip(edges[::2], edges[1::2]) if a > 1 and b < len(o) - 1 and b - a >= 3]
    assert len(openings) >= 3  # those between closures and pauses, not the ones at the clip ends
    for a, b in openings:
        frames = np.arange(a, b)
        offset = np.average(frames, weights=o[a:b]) - np.average(frames, weights=env[a:b])
        assert abs(offset) <= 1.0, (a, b, offset)


def test_blinks_at_the_asked_rate_and_seeded():
    n, fps = 25 * 120, 25.0
    a = blink_curve(np.random.default_rng(5), n, fps, 17.0)
    b = blink_curve(np.random.default_rng(5), n, fps, 17.0)
    assert np.array_equal(a, b)
    blinks = np.sum((a[1:] >= 0.99) & (a[:-1] < 0.99))
    assert 22 <= blinks <= 46  # 34 expected in two minutes
    assert blink_curve(np.random.default_rng(5), n, fps, 0.0).max() == 0.0


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_every_blink_closes_the_eyes_fully(fps):
    blinks = 0
    for n in range(int(fps), int(6 * fps)):  # every clip length: none cuts a blink short
        curve = blink_curve(np.random.default_rng(5), n, fps, 17.0)
        assert curve[0] == 0.0
        edges = np.flatnonzero(np.diff(np.r_[0, curve > 0, 0]))
        for s, e in zip(edges[::2], edges[1::2]):
            assert curve[s:e].max() == 1.0, (n, s, curve[s:e])
            blinks += 1
    assert blinks > 50


def test_head_motion_is_smooth_and_scales():
    audio, phonemes = synthesize("The quick brown fox jumps over the lazy dog, again and again.")
    n = int(round(audio.duration * 25))
    feats = prosody(audio, 25, n)
    calm = motion_from_speech(phonemes, feats, n, MotionStyle(head_motion=0.0))
    lively = motion_from_speech(phonemes, feats, n, MotionStyle(head_motion=1.0))
    assert np.abs(calm["yaw"]).max() == 0 and np.abs(lively["yaw"]).max() > 0.5
    # no jitter: frame-to-frame changes are small next to the range of the motion
    for ch in ("yaw", "pitch", "roll"):
        step = np.abs(np.diff(lively[ch])).max()
        assert step < 0.25 * np.ptp(lively[ch]) + 1e-6, ch


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_the_eyes_move_in_fixations_and_saccades(fps):
    """While talking the eyes do not stare: they hold a point for 0.3-2.4 s (a glance aside half as
    long), jump to the next within two frames, start straight ahead and never look further aside
    than AWAY; the same seed moves them the same way."""
    n = int(60 * fps)
    x, y = gaze_curves(np.random.default_rng(3), n, fps)
    again = gaze_curves(np.random.default_rng(3), n, fps)
    assert np.array_equal(x, again[0]) and np.array_equal(y, again[1])
    assert x[: int(0.3 * fps)].max() == 0 == np.abs(y[: int(0.3 * fps)]).max()
    assert np.abs(x).max() <= AWAY[0] and np.abs(y).max() <= AWAY[1]
    # frame to frame changes come in short runs (a saccade: its frames and the arrival), held between
    changed = np.r_[0, ((np.diff(x) != 0) | (np.diff(y) != 0)).astype(int), 0]
    edges = np.flatnonzero(np.diff(changed))
    saccades = edges[1::2] - edges[::2]
    holds = (edges[2::2] - edges[1:-1:2]) / fps   # frames between one saccade's arrival and the next
    assert len(saccades) >= 60 / FIXATION[1] and saccades.max() <= 3, saccades
    assert holds.min() >= 0.5 * FIXATION[0] - 2 / fps and holds.max() <= FIXATION[1] + 1 / fps, holds
