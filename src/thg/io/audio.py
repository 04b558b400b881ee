"""Load speech of any common format and rate as 16 kHz mono float32."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

from thg.errors import InputError
from thg.io.formats import READ

SAMPLE_RATE = 16000
AUDIO_SUFFIXES = READ["audio"]
MAX_SECONDS = 4 * 3600


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


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    if rate_in == rate_out:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import (
        resample_poly,  # imported only when needed: it takes a while
    )

    g = gcd(rate_in, rate_out)
    return resample_poly(samples, rate_out // g, rate_in // g).astype(np.float32)


def _decode_with_ffmpeg(path: Path) -> tuple[np.ndarray, int]:
    from thg.io.video import ffmpeg_exe, ffmpeg_file

    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", ffmpeg_file(path), "-vn", "-ac", "1",
           "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0 or not proc.stdout:
        raise InputError(f"{path}: cannot decode audio (corrupt, truncated or no audio stream); "
                         f"use a WAV, MP3, FLAC, OGG or M4A speech file")
    return np.frombuffer(proc.stdout, dtype=np.float32).copy(), SAMPLE_RATE


def load_audio(path: str | os.PathLike, *, max_seconds: float = MAX_SECONDS) -> Audio:
    """Read speech (WAV, MP3, FLAC, OGG, M4A; any rate; mono or stereo) as 16 kHz mono."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: audio file not found; check the path")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        samples = data.mean(axis=1)
    except Exception:  # formats libsndfile does not read (M4A/AAC) or damaged files
        samples, rate = _decode_with_ffmpeg(path)
    if samples.size == 0:
        raise InputError(f"{path}: audio file holds no samples; give a recording with speech")
    if not np.isfinite(samples).all():
        raise InputError(f"{path}: audio holds NaN or infinite samples; re-export it as 16-bit WAV")
    seconds = samples.size / rate
    if seconds > max_seconds:
        raise InputError(f"{path}: audio is {seconds / 60:.0f} min long, over the {max_seconds / 60:.0f} min limit; "
                         f"split it into shorter files or raise --max-seconds")
    return Audio(resample(samples, int(rate), SAMPLE_RATE), SAMPLE_RATE, path)


def save_wav(path: str | os.PathLike, audio: Audio) -> None:
    import soundfile as sf

    sf.write(str(path), audio.samples, audio.sample_rate, subtype="PCM_16", format="WAV")
