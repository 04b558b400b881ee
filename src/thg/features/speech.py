"""Speech features: timed phonemes (espeak-ng for text, pocketsphinx for audio) and prosody.

Phonemes are returned as IPA-like strings with start and end times in seconds; the viseme table in
:mod:`thg.motion.visemes` maps them to mouth shapes whatever language they came from.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from dataclasses import dataclass

import numpy as np

from thg.errors import BackendMissingError, InputError
from thg.io.audio import SAMPLE_RATE, Audio, resample


@dataclass(frozen=True)
class Phoneme:
    symbol: str   # IPA (espeak-ng) or ARPAbet upper case (pocketsphinx), "" for silence
    start: float  # seconds
    end: float


# ----------------------------------------------------------------------------------------------
# espeak-ng through its C library: synthesis with phoneme events
# ----------------------------------------------------------------------------------------------
_EVENT_PHONEME = 7
_EVENT_MSG_TERMINATED = 6
_EVENT_LIST_TERMINATED = 0
_AUDIO_OUTPUT_SYNCHRONOUS = 0x02
_INIT_PHONEME_EVENTS = 0x0001
_INIT_PHONEME_IPA = 0x0002
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _espeak() -> tuple[ctypes.CDLL, int]:
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise BackendMissingError("espeak-ng is not installed (needed for --text); install it with "
                                  "`sudo apt-get install espeak-ng` or run scripts/setup.sh") from None
    lib.espeak_Initialize.restype = ctypes.c_int
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None,
                                 _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT)
    if rate <= 0:
        raise BackendMissingError("espeak-ng failed to start (its data files are missing); reinstall espeak-ng")
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                 ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    return lib, rate


def espeak_voices() -> list[str]:
    """Language codes espeak-ng can speak (from its data folder)."""
    import subprocess

    try:
        out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line.split()[1] for line in out.splitlines()[1:] if len(line.split()) > 1]


@functools.lru_cache(maxsize=1)
def _voice_table() -> dict[str, str]:
    """Every language code espeak-ng answers to (its voices' own codes and their other codes, such
    as zh for cmn) -> the voice file to select; the lowest priority number wins. Empty without espeak-ng."""
    import re
    import subprocess

    try:
        out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    best: dict[str, tuple[int, str]] = {}
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 5:
            continue
        code, voice = cols[1], cols[4].rsplit("/", 1)[-1]   # the voice file's name selects it
        priority = int(cols[0]) if cols[0].isdigit() else 5
        for alias, prio in [(code, priority)] + [(a, int(p)) for a, p in re.findall(r"\(([\w-]+) (\d+)\)", line)]:
            if alias.lower() not in best or prio < best[alias.lower()][0]:
                best[alias.lower()] = (prio, voice)
    return {alias: code for alias, (_, code) in best.items()}


def resolve_lang(lang: str) -> str:
    """The espeak-ng voice for a language code (``zh`` -> ``cmn``); unknown codes come back as given."""
    return _voice_table().get(lang.strip().lower(), lang)


def synthesize(text: str, lang: str = "en", *, words_per_minute: int = 160) -> tuple[Audio, list[Phoneme]]:
    """Speak ``text`` with espeak-ng; returns the speech (16 kHz) and its phonemes with exact times."""
    if not text or not text.strip():
        raise InputError("--text is empty; give the sentence to speak")
    lib, rate = _espeak()
    chunks: list[np.ndarray] = []
    events: list[tuple[str, float]] = []

    def callback(wav, n, ev):
        if n > 0 and wav:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while ev[i].type != _EVENT_LIST_TERMINATED:
            if ev[i].type == _EVENT_PHONEME:
                sym = bytes(ev[i].id.string).split(b"\0")[0].decode("utf-8", "replace")
                events.append((sym, ev[i].audio_position / 1000.0))
            i += 1
        return 0

    cb = _CALLBACK(callback)
    data = text.encode("utf-8") + b"\0"
    with _LOCK:
        if lib.espeak_SetVoiceByName(resolve_lang(lang).encode()) != 0:
            raise InputError(f"--lang {lang!r} is not a language espeak-ng speaks; "
                             f"try a code such as en, de, fr, es, zh, hi (`espeak-ng --voices` lists them)")
        lib.espeak_SetParameter(1, int(words_per_minute), 0)  # espeakRATE
        lib.espeak_SetSynthCallback(cb)
        if lib.espeak_Synth(data, len(data), 0, 0, 0, _CHARS_UTF8, None, None) != 0:
            raise InputError("espeak-ng could not speak the text; check it is plain UTF-8 text")
    samples = (np.concatenate(chunks).astype(np.float32) / 32768.0) if chunks else np.zeros(0, np.float32)
    if samples.size == 0:
        raise InputError("--text produced no speech; give words in the chosen --lang")
    duration = samples.size / rate
    phonemes = []
    for k, (sym, t) in enumerate(events):
        end = events[k + 1][1] if k + 1 < len(events) else duration
        if end > t:
            phonemes.append(Phoneme(sym.strip("ˈˌ"), t, min(end, duration)))
    return Audio(resample(samples, rate, SAMPLE_RATE)), phonemes


# ----------------------------------------------------------------------------------------------
# pocketsphinx: phoneme recognition on any speech (en-us models ship in the wheel)
# ----------------------------------------------------------------------------------------------
def recognize_phonemes(audio: Audio) -> list[Phoneme]:
    """Phoneme segmentation with pocketsphinx's all-phone decoder, streamed in 1 s blocks."""
    try:
        import os

        from pocketsphinx import Decoder, get_model_path
    except ImportError:
        raise BackendMissingError("pocketsphinx is not installed; `pip install pocketsphinx`") from None
    model = get_model_path()
    decoder = Decoder(hmm=os.path.join(model, "en-us", "en-us"),
                      allphone=os.path.join(model, "en-us", "en-us-phone.lm.bin"),
                      lm=None, dict=None, loglevel="FATAL", lw=2.0, beam=1e-10, pbeam=1e-10)
    pcm = (np.clip(audio.samples, -1, 1) * 32767).astype(np.int16)
    phonemes: list[Phoneme] = []
    # decode in utterances of at most 30 s so memory and search stay bounded on long audio
    block = 30 * SAMPLE_RATE
    for offset in range(0, len(pcm), block):
        decoder.start_utt()
        piece = pcm[offset: offset + block]
        for k in range(0, len(piece), SAMPLE_RATE):
            decoder.process_raw(piece[k: k + SAMPLE_RATE].tobytes(), False, False)
        decoder.end_utt()
        t0 = offset / SAMPLE_RATE
        for seg in decoder.seg():
            sym = "" if seg.word in ("SIL", "+SPN+", "+NSN+", "<s>", "</s>") else seg.word
            phonemes.append(Phoneme(sym, t0 + seg.start_frame / 100.0, t0 + (seg.end_frame + 1) / 100.0))
    return phonemes


# ----------------------------------------------------------------------------------------------
# prosody
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prosody:
    """Per-frame loudness (dB and 0..1 speech activity) and pitch (Hz, 0 when unvoiced)."""

    fps: float
    loudness_db: np.ndarray
    activity: np.ndarray
    pitch: np.ndarray


def prosody(audio: Audio, fps: float, n_frames: int) -> Prosody:
    """Loudness and pitch sampled at the video frame rate (window 2 frames, centred on each frame)."""
    x = audio.samples
    sr = audio.sample_rate
    hop = sr / fps
    win = int(round(2 * hop))
    centres = ((np.arange(n_frames) + 0.5) * hop).astype(np.int64)
    db = np.full(n_frames, -100.0)
    pitch = np.zeros(n_frames)
    for i, c in enumerate(centres):
        seg = x[max(0, c - win // 2): c + win // 2]
        if seg.size < 16:
            continue
        rms = float(np.sqrt(np.mean(seg * seg)))
        db[i] = 20 * np.log10(rms + 1e-9)
        pitch[i] = _pitch(seg, sr) if rms > 1e-3 else 0.0
    speech_level = np.percentile(db[db > -100], 90) if (db > -100).any() else -100.0
    # activity: 0 below 35 dB under the speech level, 1 within 8 dB of it
    activity = np.clip((db - (speech_level - 35)) / 27.0, 0, 1) if speech_level > -60 else np.zeros(n_frames)
    return Prosody(fps, db, activity, pitch)


def _pitch(seg: np.ndarray, sr: int, fmin: float = 70.0, fmax: float = 400.0) -> float:
    seg = seg - seg.mean()
    n = 1 << int(np.ceil(np.log2(2 * len(seg))))
    spec = np.fft.rfft(seg, n)
    ac = np.fft.irfft(spec * np.conj(spec))[: len(seg)]
    if ac[0] <= 0:
        return 0.0
    ac /= ac[0]
    lo, hi = int(sr / fmax), min(int(sr / fmin), len(ac) - 1)
    if hi <= lo:
        return 0.0
    k = lo + int(np.argmax(ac[lo:hi]))
    return sr / k if ac[k] > 0.45 else 0.0
