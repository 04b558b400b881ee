"""What the server accepts: size caps and content checks of uploads.

Every check raises :class:`thg.errors.InputError` with a one-line message that names the input, the
limit and the ``thg serve`` flag that changes it; the API returns it as the error text the page shows.
Uploads are recognised by their bytes (magic numbers and a real decode), never by their file name.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from thg.errors import InputError, UsageError


@dataclass(frozen=True)
class Limits:
    upload_mb: float = 20.0         # each uploaded file
    pixels: int = 16_000_000        # width x height of a portrait (4000 x 4000)
    audio_seconds: float = 60.0     # one uploaded recording
    text_chars: int = 1000          # one text to speak
    video_seconds: float = 120.0    # one uploaded video (to evaluate, dub or drive)
    jobs_per_minute: int = 10       # submissions per client address (0 = no limit)

    def __post_init__(self) -> None:
        if min(self.upload_mb, self.pixels, self.audio_seconds, self.text_chars, self.video_seconds) <= 0 \
                or self.jobs_per_minute < 0:
            raise UsageError("serve limits must be positive (--max-upload-mb, --max-pixels, --max-audio-seconds, "
                             "--max-text-chars, --max-video-seconds; --rate-limit may be 0 for none)")

    @property
    def upload_bytes(self) -> int:
        return int(self.upload_mb * 1024 * 1024)


# magic numbers -> the suffix the server stores the upload under
_IMAGE_MAGIC = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"), (b"BM", ".bmp"))
_AUDIO_MAGIC = ((b"RIFF", ".wav"), (b"fLaC", ".flac"), (b"OggS", ".ogg"), (b"ID3", ".mp3"),
                (b"\xff\xfb", ".mp3"), (b"\xff\xf3", ".mp3"), (b"\xff\xf2", ".mp3"), (b"\x1aE\xdf\xa3", ".webm"))


def _sniff(data: bytes, table) -> str | None:
    for magic, suffix in table:
        if data.startswith(magic):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[4:8] == b"ftyp":
        return ".m4a"
    return None


def check_size(data: bytes, what: str, limits: Limits) -> None:
    if len(data) > limits.upload_bytes:
        raise InputError(f"{what}: upload is {len(data) / 2**20:.1f} MB, over the {limits.upload_mb:g} MB limit; "
                         f"send a smaller file (the server's --max-upload-mb sets the limit)")
    if not data:
        raise InputError(f"{what}: upload is empty; choose a file")


def check_image(data: bytes, what: str, limits: Limits) -> str:
    """The suffix to store a portrait upload under; raises unless it is a JPEG, PNG, WebP or BMP image
    within the pixel limit (read from the header before anything is decoded)."""
    from PIL import Image

    check_size(data, what, limits)
    suffix = _sniff(data, _IMAGE_MAGIC)
    if suffix not in (".jpg", ".png", ".bmp", ".webp"):
        raise InputError(f"{what}: not a JPEG, PNG, WebP or BMP image (whatever its name says); upload a photo")
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w * h > limits.pixels:
                raise InputError(f"{what}: image is {w}×{h} = {w * h / 1e6:.1f} megapixels, over the "
                                 f"{limits.pixels / 1e6:g} MP limit; scale it down (the server's --max-pixels sets the limit)")
            im.load()
    except InputError:
        raise
    except Exception:
        raise InputError(f"{what}: image is corrupt or truncated; upload the photo again or re-save it") from None
    return suffix


def _video_suffix(data: bytes) -> str | None:
    if data[4:8] == b"ftyp":
        return ".mov" if data[8:10] == b"qt" else ".mp4"
    if data.startswith(b"\x1aE\xdf\xa3"):
        return ".mkv"
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return ".avi"
    return None


def check_video(data: bytes, what: str, limits: Limits) -> str:
    """The suffix to store a video upload under; raises unless ffmpeg reads a video stream within
    the duration and pixel limits."""
    from thg.io.video import probe_video

    check_size(data, what, limits)
    suffix = _video_suffix(data)
    if suffix is None:
        raise InputError(f"{what}: not an MP4, MOV, MKV/WebM or AVI video (whatever its name says); upload a video")
    with tempfile.TemporaryDirectory(prefix="thg-upload-") as tmp:
        path = Path(tmp) / f"video{suffix}"
        path.write_bytes(data)
        try:
            info = probe_video(path)
        except InputError:
            raise InputError(f"{what}: no readable video stream (corrupt or truncated); upload the video again") from None
    if info.width * info.height > limits.pixels:
        raise InputError(f"{what}: video is {info.width}×{info.height}, over the {limits.pixels / 1e6:g} MP limit; "
                         f"scale it down (the server's --max-pixels sets the limit)")
    if info.duration > limits.video_seconds:
        raise InputError(f"{what}: video is {info.duration:.1f} s, over the {limits.video_seconds:g} s limit; "
                         f"cut it shorter (the server's --max-video-seconds sets the limit)")
    return suffix


def check_audio(data: bytes, what: str, limits: Limits) -> str:
    """The suffix to store a speech upload under; raises unless it decodes as audio within the duration limit."""
    from thg.io.audio import load_audio

    check_size(data, what, limits)
    suffix = _sniff(data, _AUDIO_MAGIC)
    if suffix is None or suffix == ".webp":
        raise InputError(f"{what}: not a WAV, MP3, FLAC, OGG, WebM or M4A recording (whatever its name says); "
                         f"upload speech audio")
    with tempfile.TemporaryDirectory(prefix="thg-upload-") as tmp:
        path = Path(tmp) / f"speech{suffix}"
        path.write_bytes(data)
        try:
            audio = load_audio(path, max_seconds=float("inf"))
        except InputError:
            raise InputError(f"{what}: cannot decode this recording (corrupt or no audio stream); "
                             f"upload a WAV, MP3, FLAC or OGG file") from None
    if audio.duration > limits.audio_seconds:
        raise InputError(f"{what}: recording is {audio.duration:.1f} s, over the {limits.audio_seconds:g} s limit; "
                         f"send a shorter one (the server's --max-audio-seconds sets the limit)")
    if audio.is_silent:
        raise InputError(f"{what}: recording is silent; upload speech")
    return suffix


def check_text(text: str, limits: Limits) -> str:
    text = text.strip()
    if not text:
        raise InputError("text: nothing to say; type a sentence")
    if len(text) > limits.text_chars:
        raise InputError(f"text: {len(text)} characters, over the {limits.text_chars} character limit; "
                         f"shorten it (the server's --max-text-chars sets the limit)")
    return text
