"""Speech features: timed phonemes (espeak-ng for text, pocketsphinx for audio) and prosody.

Phonemes are returned as IPA-like strings with start and end times in seconds; the viseme table in
:mod:`thg.motion.visemes` maps them to mouth shapes whatever language they came from.
"""

from __future__ import annotations

import _ctypes
import contextlib
import ctypes
import ctypes.util
import functools
import json
import os
import struct
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from thg.errors import BackendMissingError, InputError
from thg.features._phones import PIECE, PhoneDecoder
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


@contextlib.contextmanager
def _espeak() -> Iterator[tuple[ctypes.CDLL, int]]:
    """espeak-ng's library, loaded afresh, initialised, and unloaded when done, under :data:`_LOCK`.

    Its synthesiser keeps state from one call to the next that no call resets (the phase of its pitch
    flutter, for one): loaded once, the same text spoke a few samples longer or shorter each time,
    and so moved differently. Loaded for each call (1-5 ms), it says a text the same way every time."""
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    with _LOCK:
        try:
            lib = ctypes.CDLL(name, mode=os.RTLD_LOCAL)
        except OSError:
            raise BackendMissingError("espeak-ng is not installed (needed for --text); install it with "
                                      "`sudo apt-get install espeak-ng` or run scripts/setup.sh") from None
        rate = 0
        try:
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
            yield lib, rate
        finally:
            if rate > 0:
                lib.espeak_Terminate()
            _ctypes.dlclose(lib._handle)


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
    with _espeak() as (lib, rate):
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
class PhoneRecognizer:
    """pocketsphinx's all-phone decoder (:class:`thg.features._phones.PhoneDecoder`) fed block by
    block, 16 kHz float32 in blocks of any size; phonemes come out as they settle, ``settled_until``
    tells up to when all are out. ``process=True`` decodes in a child process, so that the caller's
    other threads keep the interpreter meanwhile (it starts at once and is ended by :meth:`close`)."""

    def __init__(self, *, process: bool = False) -> None:
        self._decode = _PhoneProcess() if process else _local_decoder()
        self._pending = np.zeros(0, np.int16)
        self.settled_until = 0.0

    def feed(self, samples: np.ndarray) -> list[Phoneme]:
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
        self._pending = np.concatenate([self._pending, pcm]) if len(self._pending) else pcm
        out: list[Phoneme] = []
        while len(self._pending) >= PIECE:
            out += self._piece(self._pending[:PIECE].tobytes(), False)
            self._pending = self._pending[PIECE:]
        return out

    def finish(self) -> list[Phoneme]:
        out = self._piece(self._pending.tobytes(), True)
        self._pending = np.zeros(0, np.int16)
        self.close()
        return out

    def _piece(self, pcm: bytes, last: bool) -> list[Phoneme]:
        self.settled_until, phonemes = self._decode(pcm, last)
        return [Phoneme(*ph) for ph in phonemes]

    def close(self) -> None:
        getattr(self._decode, "close", lambda: None)()


def _local_decoder():
    try:
        decoder = PhoneDecoder()
    except ImportError:
        raise BackendMissingError("pocketsphinx is not installed; `pip install pocketsphinx`") from None

    def decode(pcm: bytes, last: bool):
        phonemes = decoder.piece(pcm, last)
        return decoder.settled_until, phonemes

    return decode


class _PhoneProcess:
    """A :class:`PhoneDecoder` in a child process (the protocol is in :mod:`thg.features._phones`)."""

    def __init__(self) -> None:
        import subprocess
        import sys

        from thg.features import _phones

        self._proc = subprocess.Popen([sys.executable, "-I", _phones.__file__], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self._proc.stdin is not None and self._proc.stdout is not None    # both are pipes (PIPE above)
        self._stdin, self._stdout = self._proc.stdin, self._proc.stdout
        self._ready = False

    def __call__(self, pcm: bytes, last: bool):
        if not self._ready:  # its first line says it has loaded the models
            self._reply()
            self._ready = True
        try:
            self._stdin.write(struct.pack("<IB", len(pcm), last) + pcm)
            self._stdin.flush()
        except (BrokenPipeError, OSError):
            self._failed()
        return self._reply()

    def _reply(self):
        line = self._stdout.readline()
        if not line:
            self._failed()
        settled, phonemes = json.loads(line)
        return settled, phonemes

    def _failed(self):
        self.close()
        raise BackendMissingError("the phoneme recogniser did not start (pocketsphinx missing or broken); "
                                  "`pip install pocketsphinx`")

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for pipe in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                pipe.close()


def recognize_phonemes(audio: Audio) -> list[Phoneme]:
    """Phoneme segmentation of the whole speech with :class:`PhoneRecognizer`."""
    recognizer = PhoneRecognizer()
    return recognizer.feed(audio.samples) + recognizer.finish()


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
    return prosody_of_blocks([audio.samples], audio.sample_rate, fps, n_frames)


def prosody_of_blocks(blocks: Iterable[np.ndarray], sr: int, fps: float, n_frames: int | None = None) -> Prosody:
    """:func:`prosody` of speech given in consecutive blocks (only about two frames of it are kept);
    ``n_frames`` None: as many as the speech lasts at ``fps`` (at least one)."""
    hop = sr / fps
    half = int(round(2 * hop)) // 2
    x = np.zeros(0, np.float32)  # the speech from sample ``offset`` on that frames still need
    offset = total = done = 0
    db: list[np.ndarray] = []
    pitch: list[np.ndarray] = []
    for block in blocks:
        x = np.concatenate([x, block]) if len(x) else np.asarray(block)
        total += len(block)
        # frames whose whole window has arrived (and is not cut by the start)
        stop = int(np.floor((total - half) / hop - 0.5)) + 1
        while stop > 0 and int((stop - 0.5) * hop) + half > total:
            stop -= 1
        stop = stop if n_frames is None else min(stop, n_frames)
        if stop > done:
            d, p = _frame_features(x, offset, done, stop, hop, half, sr)
            db.append(d)
            pitch.append(p)
            done = stop
            keep = max(0, int((done + 0.5) * hop) - half - offset)  # the next frame's window start
            x, offset = x[keep:], offset + keep
    if n_frames is None:
        n_frames = max(1, int(round(total / sr * fps)))
    if n_frames > done:
        d, p = _frame_features(x, offset, done, n_frames, hop, half, sr)
        db.append(d)
        pitch.append(p)
    db_all = np.concatenate(db) if db else np.full(n_frames, -100.0)
    pitch_all = np.concatenate(pitch) if pitch else np.zeros(n_frames)
    return Prosody(fps, db_all, _activity(db_all), pitch_all)


def _frame_features(x: np.ndarray, offset: int, i0: int, i1: int, hop: float, half: int, sr: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Loudness (dB) and pitch of frames ``i0..i1-1``; ``x`` holds the speech from sample ``offset``
    on (to its end, where windows are cut)."""
    centres = ((np.arange(i0, i1) + 0.5) * hop).astype(np.int64)
    lo, hi = np.maximum(centres - half, 0), np.minimum(centres + half, offset + len(x))
    db, pitch = np.full(i1 - i0, -100.0), np.zeros(i1 - i0)
    whole = (lo == centres - half) & (hi == centres + half)
    if whole.any() and half >= 8:  # full-length windows, all at once
        rows = np.flatnonzero(whole)
        frames = np.lib.stride_tricks.sliding_window_view(x, 2 * half)[lo[rows] - offset]
        rms = np.sqrt(np.mean(frames * frames, axis=1)).astype(np.float64)
        db[rows] = 20 * np.log10(rms + 1e-9)
        voiced = rms > 1e-3
        pitch[rows[voiced]] = _pitch_rows(frames[voiced], sr)
    for r in np.flatnonzero(~whole):  # windows cut by the start or the end of the speech
        seg = x[lo[r] - offset: hi[r] - offset]
        if seg.size < 16:
            continue
        rms = float(np.sqrt(np.mean(seg * seg)))
        db[r] = 20 * np.log10(rms + 1e-9)
        pitch[r] = _pitch_rows(seg[None], sr)[0] if rms > 1e-3 else 0.0
    return db, pitch


def _activity(db: np.ndarray) -> np.ndarray:
    """0..1 speech activity: 0 below 35 dB under the speech level (90th percentile), 1 within 8 dB of it."""
    speech_level = np.percentile(db[db > -100], 90) if (db > -100).any() else -100.0
    return np.clip((db - (speech_level - 35)) / 27.0, 0, 1) if speech_level > -60 else np.zeros(len(db))


def _pitch_rows(segs: np.ndarray, sr: int, fmin: float = 70.0, fmax: float = 400.0, rows: int = 16) -> np.ndarray:
    """Autocorrelation pitch (Hz, 0 when unvoiced or unclear) of each row of ``segs`` (``rows`` at a time)."""
    out = np.zeros(len(segs))
    n_seg = segs.shape[1] if segs.ndim == 2 else 0
    lo, hi = int(sr / fmax), min(int(sr / fmin), n_seg - 1)
    if hi <= lo:
        return out
    n = 1 << int(np.ceil(np.log2(n_seg + hi)))  # long enough that lags up to ``hi`` do not wrap around
    for r0 in range(0, len(segs), rows):
        part = segs[r0: r0 + rows]
        spec = np.fft.rfft(part - part.mean(axis=1, keepdims=True), n, axis=1)
        ac = np.fft.irfft(spec.real * spec.real + spec.imag * spec.imag, n, axis=1)  # = spec * conj(spec)
        ok = np.flatnonzero(ac[:, 0] > 0)
        lags = ac[ok, lo:hi] / ac[ok, :1]
        k = np.argmax(lags, axis=1)
        strong = lags[np.arange(len(ok)), k] > 0.45
        out[r0 + ok[strong]] = sr / (lo + k[strong])
    return out
