"""MFCC exactly as ``python_speech_features.mfcc`` computes it (the features syncnet_python feeds SyncNet).

Conventions (python_speech_features 0.6): pre-emphasis 0.97; 25 ms frames every 10 ms, the last
frame zero-padded; rectangular window; power spectrum |rfft(frame, nfft)|² / nfft; 26 triangular
mel filters between 0 Hz and Nyquist (HTK mel scale, filter edges on FFT bins
``floor((nfft + 1) * hz / rate)``); log (zeros replaced by machine epsilon); orthonormal DCT-II,
first 13 coefficients; sinusoidal lifter 22; coefficient 0 replaced by the log frame energy.
syncnet_python reads the WAV with ``scipy.io.wavfile``, so samples are int16-scaled: pass float
audio in [-1, 1] with ``int16_scale=True`` (the default) to match it.
"""

from __future__ import annotations

import decimal
import math

import numpy as np


def _round_half_up(x: float) -> int:
    return int(decimal.Decimal(x).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


def hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(nfilt: int = 26, nfft: int = 512, rate: int = 16000,
                   low_hz: float = 0.0, high_hz: float | None = None) -> np.ndarray:
    """nfilt × (nfft // 2 + 1) triangular filters on FFT bins."""
    high_hz = high_hz or rate / 2
    mels = np.linspace(hz_to_mel(low_hz), hz_to_mel(high_hz), nfilt + 2)
    edges = np.floor((nfft + 1) * mel_to_hz(mels) / rate)
    bank = np.zeros((nfilt, nfft // 2 + 1))
    for j in range(nfilt):
        lo, mid, hi = edges[j], edges[j + 1], edges[j + 2]
        for i in range(int(lo), int(mid)):
            bank[j, i] = (i - lo) / (mid - lo)
        for i in range(int(mid), int(hi)):
            bank[j, i] = (hi - i) / (hi - mid)
    return bank


def frame_signal(signal: np.ndarray, frame_len: int, frame_step: int) -> np.ndarray:
    """Frames × frame_len; enough frames to cover the signal, the tail zero-padded."""
    n = len(signal)
    count = 1 if n <= frame_len else 1 + math.ceil((n - frame_len) / frame_step)
    padded = np.concatenate([signal, np.zeros(int((count - 1) * frame_step + frame_len) - n)])
    idx = np.arange(frame_len)[None, :] + frame_step * np.arange(count)[:, None]
    return padded[idx]


def mfcc(audio: np.ndarray, rate: int = 16000, *, winlen: float = 0.025, winstep: float = 0.01,
         numcep: int = 13, nfilt: int = 26, nfft: int = 512, preemph: float = 0.97,
         ceplifter: int = 22, int16_scale: bool = True) -> np.ndarray:
    """Frames × numcep MFCC matrix (python_speech_features conventions)."""
    from scipy.fft import dct

    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    if int16_scale:
        x = x * 32768.0
    x = np.append(x[:1], x[1:] - preemph * x[:-1])
    frames = frame_signal(x, _round_half_up(winlen * rate), _round_half_up(winstep * rate))
    power = np.abs(np.fft.rfft(frames, nfft)) ** 2 / nfft
    eps = np.finfo(float).eps
    energy = power.sum(1)
    energy = np.where(energy == 0, eps, energy)
    feat = power @ mel_filterbank(nfilt, nfft, rate).T
    feat = np.where(feat == 0, eps, feat)
    cep = dct(np.log(feat), type=2, axis=1, norm="ortho")[:, :numcep]
    if ceplifter > 0:
        n = np.arange(numcep)
        cep = cep * (1 + (ceplifter / 2.0) * np.sin(np.pi * n / ceplifter))
    cep[:, 0] = np.log(energy)
    return cep
