"""The speech-driven motion model on real espeak-ng phonemes."""

from __future__ import annotations

import numpy as np

from thg.features.speech import prosody, synthesize
from thg.motion.speech import MotionStyle, blink_curve, gaussian_filter1d, motion_from_speech


def test_gaussian_smoothing_matches_scipy():
    from scipy.ndimage import gaussian_filter1d as reference

    x = np.random.default_rng(0).normal(size=(3, 400))
    for sigma in (0.7, 3.0, 12.5):
        assert np.allclose(gaussian_filter1d(x, sigma, axis=1), reference(x, sigma, axis=1, mode="nearest"), atol=1e-12)


def test_lips_close_on_bilabials_and_open_on_vowels():
    audio, phonemes = synthesize("Bob met a papa at the map.")
    n = int(round(audio.duration * 25))
    track = motion_from_speech(phonemes, prosody(audio, 25, n), n)
    opening = track["mouth_open"]
    for ph in phonemes:
        mid = int((ph.start + ph.end) / 2 * 25)
        if ph.symbol in ("b", "m", "p") and mid < n:
            assert opening[mid] == 0.0, (ph, opening[max(mid - 2, 0): mid + 3])
    assert opening.max() > 0.25


def test_rounded_vowels_round_the_lips_spread_ones_do_not():
    def rounding(text):
        audio, phonemes = synthesize(text)
        n = int(round(audio.duration * 25))
        return motion_from_speech(phonemes, prosody(audio, 25, n), n)["mouth_round"].max()

    assert rounding("Who knew you would do it too?") > 0.6
    assert rounding("Eat this tea, Steve.") < 0.3


def test_blinks_at_the_asked_rate_and_seeded():
    n, fps = 25 * 120, 25.0
    a = blink_curve(np.random.default_rng(5), n, fps, 17.0)
    b = blink_curve(np.random.default_rng(5), n, fps, 17.0)
    assert np.array_equal(a, b)
    blinks = np.sum((a[1:] >= 0.99) & (a[:-1] < 0.99))
    assert 22 <= blinks <= 46  # 34 expected in two minutes
    assert blink_curve(np.random.default_rng(5), n, fps, 0.0).max() == 0.0


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
