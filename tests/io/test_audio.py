"""Speech reading and resampling: the streaming polyphase resampler against scipy's resample_poly."""

from __future__ import annotations

from math import gcd

import numpy as np
import pytest
import soundfile as sf

from thg.io.audio import SAMPLE_RATE, Resampler, load_audio, open_speech, resample


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 24000, 44100, 48000])
def test_resampling_matches_scipy_whole_and_in_blocks(rate, speech_path):
    from scipy.signal import resample_poly

    data, file_rate = sf.read(str(speech_path), dtype="float32")
    x = data if rate == file_rate else resample_poly(data, rate // gcd(rate, file_rate),
                                                     file_rate // gcd(rate, file_rate)).astype(np.float32)
    g = gcd(rate, SAMPLE_RATE)
    reference = resample_poly(x, SAMPLE_RATE // g, rate // g).astype(np.float32)
    whole = resample(x, rate)
    assert len(whole) == len(reference)
    assert np.abs(whole - reference).max() < 1e-6
    resampler, parts, k, rng = Resampler(rate), [], 0, np.random.default_rng(1)
    while k < len(x):
        step = int(rng.integers(1, 6000))
        parts.append(resampler(x[k: k + step]))
        k += step
    parts.append(resampler.finish())
    assert np.abs(np.concatenate(parts) - whole).max() < 1e-6


def test_speech_file_is_read_in_blocks_at_its_own_rate(speech_path):
    source = open_speech(speech_path)
    data, rate = sf.read(str(speech_path), dtype="float32")
    assert source.sample_rate == rate and source.n_samples == len(data)
    blocks = list(source.blocks(0.1))
    assert max(len(b) for b in blocks) == int(0.1 * rate)
    assert np.array_equal(np.concatenate(blocks), data)
    audio = load_audio(speech_path)
    assert audio.sample_rate == SAMPLE_RATE and abs(audio.duration - len(data) / rate) < 1e-3
