"""Speech in: any common format and rate, read whole or in blocks.

:func:`open_speech` gives a :class:`SpeechSource`, read in blocks at the file's own rate (so memory
stays flat however long the speech); :func:`analysis_blocks` turns those blocks into the 16 kHz mono
float32 that the speech features use, with a streaming polyphase resampler. :func:`load_audio` reads a
whole file at 16 kHz for callers that want it all at once.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

from thg.errors import InputError
from thg.io.formats import READ

SAMPLE_RATE = 16000
AUDIO_SUFFIXES = READ["audio"]
MAX_SECONDS = 4 * 3600
BLOCK_SECONDS = 0.5  # what one read of a speech file holds


@dataclass(frozen=True)
class Audio:
    """Mono speech at :data:`SAMPLE_RATE`; ``path`` is the file it came from, if any."""

    samples: np.ndarray
    sample_rate: int = SAMPLE_RATE
    path: Path | None = None

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def is_silent(self) -> bool:
        return self.samples.size == 0 or float(np.abs(self.samples).max()) < 1e-3


def resample(samples: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling of the whole speech (:class:`Resampler` in one block)."""
    resampler = Resampler(rate_in, rate_out)
    return np.concatenate([resampler(samples), resampler.finish()])


class Resampler:
    """Polyphase resampling of consecutive blocks from ``rate_in`` to ``rate_out``, as they come.

    The filter and the alignment are scipy's ``resample_poly`` (a Kaiser-windowed sinc, beta 5,
    reaching 10 periods of the slower rate each side; zeros beyond both ends), without its import
    cost; the blocks out, joined, equal resampling the whole speech at once (within float32 rounding).
    """

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE) -> None:
        g = gcd(int(rate_in), int(rate_out))
        self.up, self.down = int(rate_out) // g, int(rate_in) // g
        self._n_in = self._n_done = 0
        if self.up == self.down:
            return
        taps, half = _kaiser_lowpass(self.up, self.down)
        pre_pad = self.down - half % self.down
        self._shift = (half + pre_pad) // self.down * self.down - pre_pad  # output m is the filter at m*down+shift
        n_phase = -(-len(taps) // self.up)
        table = np.zeros(n_phase * self.up, np.float32)
        table[: len(taps)] = taps
        # [phase, j]: the tap on input (m*down + shift)//up - (n_phase - 1) + j, for output m of that phase
        self._table = np.ascontiguousarray(table.reshape(n_phase, self.up).T[:, ::-1])
        self._x = np.zeros(n_phase, np.float32)  # the input from sample ``self._x0`` on that outputs still need
        self._x0 = -n_phase                      # (zeros before the start)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        block = np.asarray(block, dtype=np.float32)
        if self.up == self.down:
            return block
        self._x = np.concatenate([self._x, block])
        self._n_in += len(block)
        # outputs whose every input has arrived: (m*down + shift)//up < n_in
        ready = max((self._n_in * self.up - self._shift - 1) // self.down + 1, 0)
        return self._outputs(ready)

    def finish(self) -> np.ndarray:
        """The outputs still held back (the input ends in zeros)."""
        if self.up == self.down:
            return np.zeros(0, np.float32)
        self._x = np.concatenate([self._x, np.zeros(self._table.shape[1] + self.down, np.float32)])
        return self._outputs(-(-self._n_in * self.up // self.down))

    def _outputs(self, stop: int) -> np.ndarray:
        """Outputs up to ``stop``: those sharing a phase (every ``up``-th) are one strided dot product."""
        m0, n_taps = self._n_done, self._table.shape[1]
        if stop <= m0:
            return np.zeros(0, np.float32)
        out = np.empty(stop - m0, np.float32)
        windows = np.lib.stride_tricks.sliding_window_view(self._x, n_taps)  # row i: input x0+i .. x0+i+n_taps-1
        for r in range(min(self.up, stop - m0)):
            pos = (m0 + r) * self.down + self._shift
            first = pos // self.up - n_taps + 1 - self._x0
            out[r::self.up] = windows[first::self.down][: len(out[r::self.up])] @ self._table[pos % self.up]
        self._n_done = stop
        oldest = (stop * self.down + self._shift) // self.up - n_taps + 1 - self._x0  # first input still needed
        keep = int(np.clip(oldest, 0, len(self._x)))
        self._x, self._x0 = self._x[keep:], self._x0 + keep
        return out


def _kaiser_lowpass(up: int, down: int) -> tuple[np.ndarray, int]:
    """scipy's resample_poly filter: firwin(2*half+1, 1/max(up, down), window=("kaiser", 5)) * up."""
    rate = max(up, down)
    half = 10 * rate
    m = np.arange(2 * half + 1) - half
    taps = np.sinc(m / rate) / rate * np.kaiser(2 * half + 1, 5.0)
    taps = (taps / taps.sum()).astype(np.float32) * np.float32(up)
    return taps, half


class SpeechSource:
    """Mono speech that can be read, in blocks, as often as needed: from a file (never held whole in
    memory) or from samples in memory. ``sample_rate`` is the rate of the blocks (the file's own)."""

    def __init__(self, *, path: Path | None = None, samples: np.ndarray | None = None,
                 sample_rate: int = SAMPLE_RATE, n_samples: int | None = None) -> None:
        self.path, self._samples, self.sample_rate, self.n_samples = path, samples, sample_rate, n_samples

    @classmethod
    def from_audio(cls, audio: Audio) -> SpeechSource:
        samples = np.asarray(audio.samples, dtype=np.float32)
        return cls(path=audio.path, samples=samples, sample_rate=audio.sample_rate, n_samples=len(samples))

    def blocks(self, seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
        """Consecutive mono float32 blocks of about ``seconds`` each (the last may be shorter)."""
        size = max(1, int(seconds * self.sample_rate))
        if self._samples is not None:
            for k in range(0, len(self._samples), size):
                yield self._samples[k: k + size]
        elif self.path is None:
            raise ValueError("a SpeechSource needs samples or a path")
        elif self.n_samples is not None:   # libsndfile reads it
            yield from _soundfile_blocks(self.path, size)
        else:
            yield from _ffmpeg_blocks(self.path, size)


def _soundfile_blocks(path: Path, size: int) -> Iterator[np.ndarray]:
    import soundfile as sf

    with sf.SoundFile(str(path)) as f:
        while True:
            data = f.read(size, dtype="float32", always_2d=True)
            if not len(data):
                return
            block = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1)
            if not np.isfinite(block).all():
                raise InputError(f"{path}: audio holds NaN or infinite samples; re-export it as 16-bit WAV")
            yield block


def _ffmpeg_cmd(path: Path) -> list[str]:
    from thg.io.video import ffmpeg_exe, ffmpeg_file

    return [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", ffmpeg_file(path), "-vn", "-ac", "1",
            "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"]


def _ffmpeg_blocks(path: Path, size: int) -> Iterator[np.ndarray]:
    """Formats libsndfile does not read (M4A/AAC, some MP3), decoded by ffmpeg to 16 kHz as they stream."""
    proc = subprocess.Popen(_ffmpeg_cmd(path), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        while True:
            buf = proc.stdout.read(4 * size)
            if not buf:
                return
            yield np.frombuffer(buf[: len(buf) // 4 * 4], dtype=np.float32)
    finally:
        proc.kill()
        proc.wait()


def open_speech(path: str | os.PathLike, *, max_seconds: float = MAX_SECONDS) -> SpeechSource:
    """A speech file (WAV, MP3, FLAC, OGG, M4A; any rate; mono or stereo), checked but not yet read."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: audio file not found; check the path")
    try:
        info = sf.info(str(path))
        rate, n = int(info.samplerate), int(info.frames)
    except Exception:  # formats libsndfile does not read (M4A/AAC) or damaged files
        proc = subprocess.run(_ffmpeg_cmd(path) + ["-t", "0.1"], capture_output=True)
        if proc.returncode != 0 or not proc.stdout:
            raise InputError(f"{path}: cannot decode audio (corrupt, truncated or no audio stream); "
                             f"use a WAV, MP3, FLAC, OGG or M4A speech file") from None
        return SpeechSource(path=path, sample_rate=SAMPLE_RATE)
    if n <= 0:
        raise InputError(f"{path}: audio file holds no samples; give a recording with speech")
    if n / rate > max_seconds:
        raise InputError(f"{path}: audio is {n / rate / 60:.0f} min long, over the {max_seconds / 60:.0f} min limit; "
                         f"split it into shorter files or raise --max-seconds")
    return SpeechSource(path=path, sample_rate=rate, n_samples=n)


def analysis_blocks(blocks: Iterable[np.ndarray], rate: int) -> Iterator[np.ndarray]:
    """Blocks at ``rate`` resampled, as they come, to :data:`SAMPLE_RATE` (the rate of the speech features)."""
    resample = Resampler(rate)
    for block in blocks:
        out = resample(block)
        if len(out):
            yield out
    tail = resample.finish()
    if len(tail):
        yield tail


def load_audio(path: str | os.PathLike, *, max_seconds: float = MAX_SECONDS) -> Audio:
    """Read speech (WAV, MP3, FLAC, OGG, M4A; any rate; mono or stereo) whole, as 16 kHz mono."""
    source = open_speech(path, max_seconds=max_seconds)
    parts = list(analysis_blocks(source.blocks(), source.sample_rate))
    samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    check_samples(source.path, samples.size, max_seconds)
    return Audio(samples, SAMPLE_RATE, source.path)


def check_samples(path, n_samples: int, max_seconds: float = MAX_SECONDS) -> None:
    """The checks that need the decoded speech: some samples, not too long."""
    if n_samples == 0:
        raise InputError(f"{path}: audio file holds no samples; give a recording with speech")
    if n_samples / SAMPLE_RATE > max_seconds:
        raise InputError(f"{path}: audio is {n_samples / SAMPLE_RATE / 60:.0f} min long, over the "
                         f"{max_seconds / 60:.0f} min limit; split it into shorter files or raise --max-seconds")


def save_wav(path: str | os.PathLike, audio: Audio) -> None:
    import soundfile as sf

    sf.write(str(path), audio.samples, audio.sample_rate, subtype="PCM_16", format="WAV")
