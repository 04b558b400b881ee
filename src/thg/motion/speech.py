"""Speech-driven motion: timed phonemes + prosody -> a MotionTrack.

Mouth, evaluated at the video frame times:

* coarticulation after Cohen and Massaro (1993): each viseme pulls the lips toward its target with a
  dominance ``alpha * exp(-|t - centre| / T)`` whose reach ahead of the sound (``T = LEAD``,
  anticipation) is longer than after it (``T = LAG``, carry-over); the shape is the dominance-weighted
  mean of the targets. The lips move toward a sound before it starts, short sounds are undershot as in
  fluent speech, and nothing jumps: every change is spread over tens of milliseconds.
* loudness: the speech's activity scales the articulation (quiet sounds move the lips less) through a
  gate blurred by ``GATE_BLUR``, so that it cannot pop either.
* rest: pauses (frames ``PAUSE_MARGIN`` from any audible speech), the first and the last frame are an
  exact neutral mouth (all mouth channels 0), reached along ``PAUSE_RAMP`` smoothstep ramps, as long
  into speech as out of it, so that the openings keep their timing.
* bilabial closures: a frame whose middle half the /p b m/ closure overlaps has the lips exactly
  together; the opening comes down over ``APPROACH`` before and parts over ``RELEASE`` after (a
  plosive release is the fastest opening of the lips); from a pause straight into a closure the lips
  stay together. The mouth width keeps its coarticulated course through a closure.
* rounding follows the same closure ramps as the opening and never exceeds ``ROUND_PER_OPEN`` times
  the opening (/w/'s own ratio): lips shut or nearly shut are not rounded, so they cannot pinch;
  /w/ and /u/ keep their rounding, their own small openings allow it.

Life: blinks at a human rate, head motion and brows that follow prosody, all low-pass filtered so
nothing jitters. Everything random comes from ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thg.curves import smoothstep
from thg.errors import UsageError
from thg.features.speech import Phoneme, Prosody
from thg.motion.track import CHANNEL_NAMES, MotionTrack
from thg.motion.visemes import Viseme, visemes_of

FINE_RATE = 100.0  # Hz of the time line on which audible speech is found


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


#: field of MotionStyle -> (option, lowest, highest): beyond these the face tears or smudges
STYLE_RANGES: dict[str, tuple[str, float, float]] = {
    "expression_scale": ("--expression-scale", 0.0, 3.0),
    "head_motion": ("--head-motion", 0.0, 3.0),
    "blink_rate": ("--blink", 0.0, 60.0),
    "seed": ("--seed", 0, 2**32 - 1),
}


@dataclass(frozen=True)
class MotionStyle:
    """User controls of speech-driven motion (ranges in :data:`STYLE_RANGES`)."""

    expression_scale: float = 1.0   # scales mouth articulation, brows and the emotion
    head_motion: float = 1.0        # 0 = still head
    blink_rate: float = 17.0        # blinks per minute (people: about 15-20 at rest)
    emotion: str = "neutral"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.emotion not in EMOTIONS:
            raise UsageError(f"--emotion {self.emotion!r} is not known; choose one of {', '.join(EMOTIONS)}")
        for name, (option, lo, hi) in STYLE_RANGES.items():
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and lo <= value <= hi):
                raise UsageError(f"{option} {value!r} is out of range; use {lo:g} to {hi:g}")


# coarticulation (see the module docstring)
LEAD, LAG = 0.08, 0.05    # s: dominance decay before / after a viseme's centre (anticipation reaches further)
REACH = 0.6               # s: dominance beyond this is below e^-7 of its peak and left out
# rest and closures
PAUSE_MARGIN = 0.06       # s: a frame this far from audible speech is a pause: lips at rest
PAUSE_RAMP = 0.2          # s: rest <-> speech (5 frames at 25 fps: closed to wide open takes >= 3)
APPROACH, RELEASE = 0.12, 0.07  # s: into / out of a bilabial closure (a release opens in 2 frames)
BRIDGE = 0.12             # s: a pause and a bilabial closure this close keep the lips together between
SPEECH_ACTIVITY = 0.1     # prosody activity below this is not speech, whatever the phonemes say
GATE_BLUR = 0.05          # s: Gaussian sigma of the loudness gate (activity scales the articulation)
ROUND_PER_OPEN = 15.0     # rounding <= 15 x opening: /w/ (0.9 at 0.06) is the roundest small opening


def _gaps(t: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time from each of ``t`` to the next of the sorted ``points`` (0 on one) and since the one
    before; inf where there is none."""
    k = np.searchsorted(points, t)
    return np.append(points, np.inf)[k] - t, t - np.insert(points, 0, -np.inf)[k]


def _rest_envelope(t: np.ndarray, closed: np.ndarray, into: float, out_of: float) -> np.ndarray:
    """0 on the ``closed`` frames, 1 away from them, smoothstep ramps ``into`` s long before each closed
    run and ``out_of`` s after it."""
    ahead, since = _gaps(t, t[closed])
    return np.minimum(smoothstep(0.0, 1.0, ahead / into), smoothstep(0.0, 1.0, since / out_of))


def _coarticulate(segments: list[tuple[float, float, Viseme]], t: np.ndarray) -> np.ndarray:
    """(open, wide, round, tongue) at times ``t``: the dominance-weighted mean of the segments'
    targets (the lips' with each sound's ``dominance``, the tongue's with its ``tongue_dominance``)."""
    num, den = np.zeros((4, len(t))), np.zeros((2, len(t)))
    for start, end, vis in segments:
        centre = (start + end) / 2
        lo, hi = np.searchsorted(t, (centre - REACH, centre + REACH))
        tau = t[lo:hi] - centre
        decay = np.exp(np.where(tau < 0, tau / LEAD, -tau / LAG))
        lips, tongue = vis.dominance * decay, vis.tongue_dominance * decay
        den[0, lo:hi] += lips
        den[1, lo:hi] += tongue
        num[:3, lo:hi] += np.outer((vis.open, vis.wide, vis.round), lips)
        num[3, lo:hi] += vis.tongue * tongue
    return num / np.maximum(den[[0, 0, 0, 1]], 1e-12)  # no sound near: 0


def mouth_curves(phonemes: list[Phoneme], n_frames: int, fps: float, activity: np.ndarray | None = None,
                 loudness: np.ndarray | None = None, phoneme_weight: float = 1.0, *,
                 window: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(open, wide, round, tongue) per video frame (sampled at the frame centres).

    ``activity`` and ``loudness`` (0..1 per frame) decide what is audible and, with ``phoneme_weight``
    < 1, partly replace the phoneme shapes, so that speech the recogniser does not know still moves the
    lips. ``window`` = (a, b) evaluates only frames a..b-1 of the clip (``activity`` and ``loudness``
    still cover the whole clip); frames more than :data:`CONTEXT` from a cut window edge are exactly
    what the whole clip gives, so :class:`SpeechMotion` can make the mouth block by block.
    """
    a, b = window or (0, n_frames)
    t = (np.arange(a, b) + 0.5) / fps
    k0, k1 = int(np.floor(a / fps * FINE_RATE)), int(np.ceil(b / fps * FINE_RATE))
    fine = np.arange(k0, k1) / FINE_RATE
    audible = np.zeros(len(fine), bool)
    segments, lips = [], np.zeros(b - a, bool)
    for ph in phonemes:
        shapes = visemes_of(ph.symbol)
        if shapes:
            audible[max(int(ph.start * FINE_RATE) - k0, 0): max(int(np.ceil(ph.end * FINE_RATE)) - k0, 0)] = True
        bounds = np.linspace(ph.start, ph.end, len(shapes) + 1)
        for vis, s0, s1 in zip(shapes, bounds[:-1], bounds[1:]):
            segments.append((s0, s1, vis))
            if vis.closed:  # the closure (middle 60 %, >= 40 ms) shuts each frame whose middle half it overlaps
                mid, half = (s0 + s1) / 2, max(0.3 * (s1 - s0), 0.02)
                i0, i1 = int(np.floor((mid - half) * fps - 0.75)) + 1, int(np.ceil((mid + half) * fps - 0.25))
                lips[max(i0 - a, 0): max(i1 - a, 0)] = True
    open_, wide, rnd, tongue = _coarticulate(segments, t)
    if loudness is not None and phoneme_weight < 1.0:
        open_ = phoneme_weight * open_ + (1 - phoneme_weight) * 0.32 * loudness[a:b]
    if activity is not None:  # quiet sounds are articulated less; smoothed, so that it cannot pop
        audible &= np.interp(fine, t, activity[a:b]) > SPEECH_ACTIVITY
        gate = gaussian_filter1d(np.clip(1.6 * activity[a:b], 0, 1), GATE_BLUR * fps)
        open_, wide, rnd, tongue = open_ * gate, wide * gate, rnd * gate, tongue * gate
    pause = np.minimum(*_gaps(t, fine[audible])) >= PAUSE_MARGIN
    pause[0] |= a == 0
    pause[-1] |= b == n_frames
    # from a pause straight into /p b m/ (or out of one into a pause) the lips stay together
    shut = np.flatnonzero(pause | lips)
    bridge = (np.diff(shut) > 1) & (np.diff(t[shut]) <= BRIDGE) & (pause[shut[:-1]] != pause[shut[1:]])
    for s0, s1 in zip(shut[:-1][bridge], shut[1:][bridge]):
        lips[s0:s1] = True
    rest = _rest_envelope(t, pause, PAUSE_RAMP, PAUSE_RAMP)
    lips_apart = np.minimum(rest, _rest_envelope(t, lips, APPROACH, RELEASE))
    open_ = open_ * lips_apart
    return open_, wide * rest, np.minimum(rnd * lips_apart, ROUND_PER_OPEN * open_), tongue * rest


def _smooth_noise(rng: np.random.Generator, n: int, fps: float, freqs=(0.11, 0.23, 0.37, 0.53)) -> np.ndarray:
    """Sum of slow sinusoids with random phases, unit peak scale: calm, never jittery."""
    t = np.arange(n) / fps
    x = sum(np.sin(2 * np.pi * f * (1 + 0.2 * rng.standard_normal()) * t + rng.uniform(0, 2 * np.pi)) / (1 + i)
            for i, f in enumerate(freqs))
    return x / 1.6


BLINK_CLOSE, BLINK_HOLD, BLINK_REOPEN = 0.07, 0.05, 0.13  # s: human blink timing


def blink_curve(rng: np.random.Generator, n: int, fps: float, rate_per_min: float) -> np.ndarray:
    """Eyelid closure 0..1 per frame: blinks at ``rate_per_min`` with human timing (about 0.25 s).

    Every blink shows at least one frame fully closed (the hold lasts at least a frame), none starts
    before 0.4 s and none is cut off by the end of the clip.
    """
    out = np.zeros(n)
    if rate_per_min <= 0:
        return out
    hold = max(BLINK_HOLD, 1.2 / fps)
    mean_gap = 60.0 / rate_per_min
    t = rng.uniform(0.4, max(0.4, min(mean_gap, 3.0)))
    duration = n / fps
    while t + BLINK_CLOSE + hold + BLINK_REOPEN <= duration:
        i0 = max(int(t * fps - 0.5), 0)  # the frames this blink touches (0 elsewhere)
        i1 = min(int(np.ceil((t + BLINK_CLOSE + hold + BLINK_REOPEN) * fps + 0.5)) + 1, n)
        times = (np.arange(i0, i1) + 0.5) / fps - t
        shape = np.where(times < 0, 0, np.where(times < BLINK_CLOSE, times / BLINK_CLOSE, np.where(
            times < BLINK_CLOSE + hold, 1.0, np.clip(1 - (times - BLINK_CLOSE - hold) / BLINK_REOPEN, 0, 1))))
        out[i0:i1] = np.maximum(out[i0:i1], shape)
        t += max(1.2, rng.exponential(mean_gap - 1.2) + 1.2) if mean_gap > 1.2 else mean_gap
    return out


#: eye movements while talking: the eyes hold a point (a fixation) for FIXATION seconds, then jump
#: to the next in a saccade of SACCADE seconds; most points lie near the listener (within NEAR in the
#: gaze channels, x and y: the iris moves about 5 % of the eye's width), one in LOOK_AWAY_SHARE is
#: a glance aside (up to AWAY, about 15 %) that comes back
FIXATION = (0.6, 2.4)
SACCADE = 0.05
NEAR = (0.15, 0.08)
AWAY = (0.4, 0.2)
LOOK_AWAY_SHARE = 0.2


def gaze_curves(rng: np.random.Generator, n: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaze x and y per frame (fractions of the eye's width and height): fixations and saccades.

    The first fixation is straight ahead; a glance aside is followed by a fixation near the listener
    again. A still gaze (the eyes locked on one point for the whole clip) reads as a stare."""
    x, y = np.zeros(n), np.zeros(n)
    t, point, away = 0.0, np.zeros(2), False
    duration = n / fps
    while t < duration:
        hold = rng.uniform(*FIXATION) * (0.5 if away else 1.0)
        start, stop = int(round(t * fps)), int(round(min(t + hold, duration) * fps))
        x[start:stop], y[start:stop] = point
        t += hold
        previous = point
        away = not away and rng.random() < LOOK_AWAY_SHARE
        reach = np.asarray(AWAY if away else NEAR)
        point = rng.uniform(-1, 1, 2) * reach
        # the saccade: a smooth step over a frame or two
        steps = max(1, int(round(SACCADE * fps)))
        for k in range(steps):
            i = stop + k
            if i < n:
                x[i], y[i] = previous + (point - previous) * (k + 1) / (steps + 1)
        t += steps / fps
    return x, y


CONTEXT = 1.0    # s: frames of context each side of a block of mouth frames (more than any filter reaches)
LOOKAHEAD = REACH + 0.1  # s: a frame's mouth is final once the phonemes this far past its centre are known
MOUTH = ("mouth_open", "mouth_wide", "mouth_round", "tongue")


class SpeechMotion:
    """Speech-driven motion of one clip, its mouth made block by block as phonemes become known.

    Blinks, head and brows follow the prosody alone and are made at once; :meth:`add` takes the next
    phonemes and finalises the mouth of every frame they decide (those :data:`LOOKAHEAD` before the
    time up to which all phonemes are known). The result equals making the whole clip at once.

    >>> motion = SpeechMotion(prosody, n_frames, style)
    >>> ready = motion.add(first_phonemes, known_until=1.5)   # frames 0..ready-1 are final
    >>> ready = motion.add(more_phonemes)                      # None: these were the last ones
    """

    def __init__(self, prosody: Prosody, n_frames: int, style: MotionStyle = MotionStyle(), *,
                 phoneme_weight: float = 1.0, meta: dict | None = None) -> None:
        self.prosody, self.n_frames, self.style, self.phoneme_weight = prosody, n_frames, style, phoneme_weight
        fps = prosody.fps
        db = prosody.loudness_db
        self.level = np.clip((db - (np.percentile(db, 90) - 30)) / 30, 0, 1)
        self.track = _prosody_motion(prosody, n_frames, style, meta)
        self.ready = 0                        # frames whose motion is final
        self._phonemes: list[Phoneme] = []    # those a block still to come may need
        self._context = int(np.ceil(CONTEXT * fps))

    def add(self, phonemes: list[Phoneme], known_until: float | None = None) -> int:
        """Add the next phonemes (in time order); ``known_until``: time before which every phoneme has
        now been given (None: all have). Returns how many frames are final."""
        self._phonemes += phonemes
        fps, n = self.prosody.fps, self.n_frames
        stop = n if known_until is None else int(np.clip(np.floor((known_until - LOOKAHEAD) * fps - 0.5) + 1, 0, n))
        if stop > self.ready:
            self._mouth(self.ready, stop)
            self.ready = stop
            keep_from = self.ready / fps - CONTEXT - REACH - 0.1
            self._phonemes = [ph for ph in self._phonemes if ph.end >= keep_from]
        return self.ready

    def _mouth(self, a: int, b: int) -> None:
        wa, wb = max(a - self._context, 0), min(b + self._context, self.n_frames)
        curves = mouth_curves(self._phonemes, self.n_frames, self.prosody.fps, self.prosody.activity, self.level,
                              self.phoneme_weight, window=(wa, wb))
        k = self.style.expression_scale
        offsets = EMOTIONS[self.style.emotion]
        for name, curve in zip(MOUTH, curves):
            value = curve[a - wa: b - wa] * k
            if name in ("mouth_round", "tongue"):
                value = np.clip(value, 0, 1)
            column = CHANNEL_NAMES.index(name)
            self.track.values[a:b, column] = value
            if name in offsets:
                self.track.values[a:b, column] += offsets[name] * k


def _prosody_motion(prosody: Prosody, n_frames: int, style: MotionStyle, meta: dict | None) -> MotionTrack:
    """Everything of the speech motion but the mouth (left at its emotion's offset)."""
    fps = prosody.fps
    track = MotionTrack.zeros(n_frames, fps, **(meta or {}))
    k = style.expression_scale
    rng = np.random.default_rng(style.seed)
    blink = blink_curve(rng, n_frames, fps, style.blink_rate)
    track["blink_l"] = blink
    track["blink_r"] = blink
    # (drawn from a generator of their own: the head and blinks of a seed stay as they were)
    track["gaze_x"], track["gaze_y"] = gaze_curves(np.random.default_rng([style.seed, 1]), n_frames, fps)

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


def motion_from_speech(phonemes: list[Phoneme], prosody: Prosody, n_frames: int, style: MotionStyle = MotionStyle(),
                       *, phoneme_weight: float = 1.0, meta: dict | None = None) -> MotionTrack:
    """The whole clip's motion at once (:class:`SpeechMotion` with every phoneme known)."""
    motion = SpeechMotion(prosody, n_frames, style, phoneme_weight=phoneme_weight, meta=meta)
    motion.add(phonemes)
    return motion.track
