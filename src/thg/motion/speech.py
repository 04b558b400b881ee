"""Speech-driven motion: timed phonemes + prosody -> a MotionTrack.

Mouth: phoneme visemes on a 100 Hz time line, blended by a short Gaussian (coarticulation), gated
by the speech's own loudness (closed in silence), bilabial closures enforced, then sampled at the
video frame times. Life: blinks at a human rate, head motion and brows that follow prosody, all
low-pass filtered so nothing jitters. Everything random comes from ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thg.errors import UsageError
from thg.features.speech import Phoneme, Prosody
from thg.motion.track import MotionTrack
from thg.motion.visemes import visemes_of

FINE_RATE = 100.0  # Hz of the internal time line


def gaussian_filter1d(x: np.ndarray, sigma: float, axis: int = -1, mode: str = "nearest") -> np.ndarray:
    """Gaussian smoothing along ``axis`` with edge values held (scipy.ndimage's "nearest" mode),
    without importing scipy.ndimage, which costs a noticeable part of a short clip's run time."""
    x = np.asarray(x, dtype=np.float64)
    radius = max(1, int(4 * sigma + 0.5))
    t = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (t / max(sigma, 1e-6)) ** 2)
    kernel /= kernel.sum()
    moved = np.moveaxis(x, axis, -1)
    padded = np.concatenate([np.repeat(moved[..., :1], radius, -1), moved, np.repeat(moved[..., -1:], radius, -1)], -1)
    flat = padded.reshape(-1, padded.shape[-1])
    out = np.stack([np.convolve(row, kernel, mode="valid") for row in flat]).reshape(moved.shape)
    return np.moveaxis(out, -1, axis)

#: channel offsets of the emotion presets (before --expression-scale)
EMOTIONS: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"smile": 0.7, "brow_l": 0.15, "brow_r": 0.15, "mouth_wide": 0.05},
    "sad": {"smile": -0.6, "brow_l": 0.25, "brow_r": 0.25, "blink_l": 0.2, "blink_r": 0.2},
    "angry": {"brow_in": 0.9, "brow_l": -0.35, "brow_r": -0.35, "smile": -0.25, "blink_l": 0.15, "blink_r": 0.15},
    "surprised": {"brow_l": 1.0, "brow_r": 1.0, "blink_l": -0.35, "blink_r": -0.35, "mouth_open": 0.05},
}


@dataclass(frozen=True)
class MotionStyle:
    """User controls of speech-driven motion."""

    expression_scale: float = 1.0   # scales mouth articulation, brows and the emotion
    head_motion: float = 1.0        # 0 = still head
    blink_rate: float = 17.0        # blinks per minute (people: about 15-20 at rest)
    emotion: str = "neutral"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.emotion not in EMOTIONS:
            raise UsageError(f"--emotion {self.emotion!r} is not known; choose one of {', '.join(EMOTIONS)}")
        if self.expression_scale < 0 or self.head_motion < 0 or self.blink_rate < 0:
            raise UsageError("--expression-scale, --head-motion and --blink must not be negative")


def mouth_curves(phonemes: list[Phoneme], duration: float, activity: np.ndarray | None = None,
                 loudness: np.ndarray | None = None, phoneme_weight: float = 1.0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """(open, wide, round) on the 100 Hz time line, and the bilabial closure intervals (seconds).

    ``activity`` and ``loudness`` (0..1, on the same time line) gate and, with ``phoneme_weight`` < 1,
    partly replace the phoneme shapes, so that speech the recogniser does not know still moves the lips.
    """
    n = max(1, int(np.ceil(duration * FINE_RATE)))
    curves = np.zeros((3, n))
    closures = []
    for ph in phonemes:
        a, b = int(ph.start * FINE_RATE), int(np.ceil(ph.end * FINE_RATE))
        shapes = visemes_of(ph.symbol)
        bounds = np.linspace(a, b, len(shapes) + 1).astype(int)
        for vis, s0, s1 in zip(shapes, bounds[:-1], bounds[1:]):
            curves[:, s0:s1] = np.array([vis.open, vis.wide, vis.round])[:, None]
            if vis.closed:
                mid, half = (ph.start + ph.end) / 2, max(0.3 * (ph.end - ph.start), 0.02)
                closures.append((mid - half, mid + half))
    sigma = 0.03 * FINE_RATE  # 30 ms coarticulation
    curves = gaussian_filter1d(curves, sigma, axis=1, mode="nearest")
    open_, wide, rnd = curves
    if loudness is not None and phoneme_weight < 1.0:
        open_ = phoneme_weight * open_ + (1 - phoneme_weight) * 0.32 * loudness
    if activity is not None:
        gate = np.clip(1.6 * activity, 0, 1)
        open_, wide, rnd = open_ * gate, wide * gate, rnd * gate
    return open_, wide, rnd, closures


def _frame_sample(curve: np.ndarray, n_frames: int, fps: float) -> np.ndarray:
    t = (np.arange(n_frames) + 0.5) / fps
    return np.interp(t * FINE_RATE, np.arange(len(curve)), curve)


def _smooth_noise(rng: np.random.Generator, n: int, fps: float, freqs=(0.11, 0.23, 0.37, 0.53)) -> np.ndarray:
    """Sum of slow sinusoids with random phases, unit peak scale: calm, never jittery."""
    t = np.arange(n) / fps
    x = sum(np.sin(2 * np.pi * f * (1 + 0.2 * rng.standard_normal()) * t + rng.uniform(0, 2 * np.pi)) / (1 + i)
            for i, f in enumerate(freqs))
    return x / 1.6


def blink_curve(rng: np.random.Generator, n: int, fps: float, rate_per_min: float) -> np.ndarray:
    """Eyelid closure 0..1 per frame: blinks at ``rate_per_min`` with human timing (about 0.25 s)."""
    out = np.zeros(n)
    if rate_per_min <= 0:
        return out
    mean_gap = 60.0 / rate_per_min
    t = rng.uniform(0.4, min(mean_gap, 3.0))
    duration = n / fps
    while t < duration:
        close, hold, reopen = 0.07, 0.05, 0.13
        times = (np.arange(n) + 0.5) / fps - t
        shape = np.where(times < 0, 0, np.where(times < close, times / close,
                 np.where(times < close + hold, 1.0, np.clip(1 - (times - close - hold) / reopen, 0, 1))))
        out = np.maximum(out, shape)
        t += max(1.2, rng.exponential(mean_gap - 1.2) + 1.2) if mean_gap > 1.2 else mean_gap
    return out


def motion_from_speech(phonemes: list[Phoneme], prosody: Prosody, n_frames: int, style: MotionStyle = MotionStyle(),
                       *, phoneme_weight: float = 1.0, meta: dict | None = None) -> MotionTrack:
    fps = prosody.fps
    duration = n_frames / fps
    fine_t = np.arange(int(np.ceil(duration * FINE_RATE))) / FINE_RATE
    frame_t = (np.arange(n_frames) + 0.5) / fps
    activity_fine = np.interp(fine_t, frame_t, prosody.activity)
    level = np.clip((prosody.loudness_db - (np.percentile(prosody.loudness_db, 90) - 30)) / 30, 0, 1)
    loud_fine = np.interp(fine_t, frame_t, level)
    open_f, wide_f, round_f, closures = mouth_curves(phonemes, duration, activity_fine, loud_fine, phoneme_weight)

    track = MotionTrack.zeros(n_frames, fps, **(meta or {}))
    k = style.expression_scale
    mouth_open = _frame_sample(open_f, n_frames, fps) * k
    # a bilabial closure that overlaps the middle of a frame closes the lips in that frame
    for a, b in closures:
        i0, i1 = int(np.floor(a * fps - 0.25)), int(np.ceil(b * fps - 0.75))
        mouth_open[max(i0, 0): max(i1, 0) + 1] = 0.0
    track["mouth_open"] = mouth_open
    track["mouth_wide"] = _frame_sample(wide_f, n_frames, fps) * k
    track["mouth_round"] = np.clip(_frame_sample(round_f, n_frames, fps) * k, 0, 1)

    rng = np.random.default_rng(style.seed)
    blink = blink_curve(rng, n_frames, fps, style.blink_rate)
    track["blink_l"] = blink
    track["blink_r"] = blink

    # head: slow drift, livelier while speaking, a small nod on each loudness onset
    speaking = gaussian_filter1d(prosody.activity, 0.5 * fps)
    liveliness = (0.45 + 0.55 * speaking) * style.head_motion
    onsets = gaussian_filter1d(np.clip(np.diff(prosody.activity, prepend=0), 0, None), 0.08 * fps)
    nod = gaussian_filter1d(onsets, 0.12 * fps)
    nod = nod / (nod.max() + 1e-9) if nod.max() > 0.05 else nod
    track["yaw"] = 3.0 * _smooth_noise(rng, n_frames, fps) * liveliness
    track["pitch"] = (1.6 * _smooth_noise(rng, n_frames, fps) + 2.2 * nod) * liveliness
    track["roll"] = 1.4 * _smooth_noise(rng, n_frames, fps) * liveliness
    # brows rise with pitch accents
    voiced = prosody.pitch > 0
    if voiced.sum() > 3:
        median = np.median(prosody.pitch[voiced])
        accent = np.where(voiced, np.clip((prosody.pitch - median) / (0.25 * median), 0, 1), 0.0)
        brow = gaussian_filter1d(accent, 0.1 * fps) * 0.35 * k
        track["brow_l"] = brow
        track["brow_r"] = brow

    for channel, value in EMOTIONS[style.emotion].items():
        track[channel] = track[channel] + value * k
    track.meta.update({"expression_scale": k, "head_motion": style.head_motion, "blink_rate": style.blink_rate,
                       "emotion": style.emotion, "seed": style.seed})
    return track
