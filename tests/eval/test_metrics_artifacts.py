"""Blurry mouths, mouths open in silence and jittering faces, made on purpose on the astronaut."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from _clips import face_crop, open_mouth, speech_driven_frames

from thg.eval.functional import artifacts as A
from thg.eval.functional import face as G
from thg.eval.registry import create_metric

MOUTH = (slice(135, 185), slice(95, 165))    # the mouth region of a 256 px face_crop()


@pytest.fixture(scope="module")
def speech(speech_path):
    from thg.io import load_audio

    return load_audio(speech_path).samples


def _run(name, frames, audio=None, fps=25.0, **params):
    m = create_metric(name, **params)
    m.set_context(fps=fps, audio=audio)
    m.update(np.asarray(frames))
    return m.compute()


def test_a_blurred_mouth_scores_low_and_a_blurred_background_does_not(portrait):
    sharp = face_crop(portrait)
    blurred_mouth = sharp.copy()
    blurred_mouth[MOUTH] = cv2.GaussianBlur(sharp, (0, 0), 2.0)[MOUTH]
    blurred_rest = cv2.GaussianBlur(sharp, (0, 0), 2.0)
    blurred_rest[MOUTH] = sharp[MOUTH]
    s, m, r = (_run("mouth-sharpness", f[None]).value for f in (sharp, blurred_mouth, blurred_rest))
    assert m < 0.3 * s                       # blurring the lips and teeth shows
    assert r == pytest.approx(s, rel=0.1)    # the rest of the frame does not count
    big = cv2.resize(sharp, (512, 512), interpolation=cv2.INTER_CUBIC)
    assert _run("mouth-sharpness", big[None]).value > 0.5 * s   # resampled to one box width: scale barely matters


def test_silent_frames_skip_onsets():
    env = np.r_[np.ones(5), np.zeros(7), np.ones(5)]
    assert A.silent_frames(env).tolist() == [False] * 7 + [True] * 3 + [False] * 7


def test_mouth_open_in_silence(portrait, speech):
    fps = 25.0
    n = int(len(speech) / 16000 * fps)
    env = G.speech_envelope(speech, fps, n)
    talking = speech_driven_frames(portrait, env)         # closes the mouth when the speech pauses
    agape = [open_mouth(face_crop(portrait), 12.0)] * n      # the mouth hangs open throughout
    # the astronaut's lips part over her teeth at rest (gap 0.17 of the mouth width): count wider as open
    good = _run("mouth-open-in-silence", talking, speech, open_threshold=0.25)
    bad = _run("mouth-open-in-silence", agape, speech, open_threshold=0.25)
    assert np.nanmin(good.per_frame) < 0.2 and np.nanmin(bad.per_frame) > 0.25
    assert good.extra["silent_frames"] == bad.extra["silent_frames"] >= 5   # the pause in the middle
    assert good.value == 0.0 and bad.value == 1.0
    with pytest.raises(Exception, match="needs the speech"):
        _run("mouth-open-in-silence", talking[:3])


def test_jitter_is_the_fast_part_of_the_motion(portrait):
    t = np.arange(20)
    still = [face_crop(portrait)] * 20
    sway = [face_crop(portrait, dx=4 * np.sin(2 * np.pi * 1.0 * i / 25)) for i in t]     # 1 Hz, 4 px
    shake = [face_crop(portrait, dx=(-1.0) ** i) for i in t]                              # 12.5 Hz, ±1 px
    values = [_run("landmark-jitter", c).value for c in (still, sway, shake)]
    assert values[0] == pytest.approx(0.0, abs=1e-9)
    assert values[1] < 0.15 and 0.5 < values[2] < 1.2
    assert _run("smoothness-landmark", sway).value > 0


def test_landmark_jitter_of_known_tracks():
    from scipy.ndimage import gaussian_filter1d

    sigma = A.jitter_sigma(25.0)
    impulse = np.zeros(41)
    impulse[20] = 1
    kernel = gaussian_filter1d(impulse, sigma)
    gain = lambda f: abs((kernel * np.exp(-2j * np.pi * f / 25 * np.arange(-20, 21))).sum())
    assert 0.5 < gain(8.0) < 0.55        # half amplitude at the cut-off for the continuous Gaussian; 0.54 sampled at 25 fps
    t = np.arange(200)
    tracks = np.zeros((200, 68, 2))
    tracks[:, :, 1] = 0.5 * np.cos(np.pi * t)[:, None]          # ±0.5 px at 12.5 Hz
    expected = 0.5 * (1 - gain(12.5))                            # RMS of an alternating signal = its amplitude
    np.testing.assert_allclose(A.landmark_jitter(tracks, 25.0)[5], expected, rtol=0.02)   # the ends differ a little
    slow = tracks.copy()
    slow[:, :, 0] = 5 * np.sin(2 * np.pi * 1.0 * t / 25)[:, None]  # a 1 Hz sway adds almost nothing
    assert A.landmark_jitter(slow, 25.0).mean() < expected + 0.05
    slow[10] = np.nan                                              # a lost face is bridged
    assert np.isfinite(A.landmark_jitter(slow, 25.0)).all()
