"""Encode a face video into a ``.thm`` motion stream and render it back, frame by frame.

    enc = MotionEncoder(fps=25)                 # sender: one frame in, bytes out
    for frame in camera:
        send(enc.push(frame))                   # header once the first face is seen, then 9 bytes a frame
    send(enc.finish())                          # end marker

    dec = MotionDecoder(receiver)               # receiver: any binary file object (file, pipe, socket)
    for frame in dec.frames():                  # rendered as records arrive; StreamError at damage
        show(frame)

See :mod:`thg.codec.format` for the byte layout.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from thg.codec.format import (
    DEFAULT_QUANTISER,
    END_MAGIC,
    END_SIZE,
    Header,
    StreamError,
    _read_exactly,
    pack_end,
    pack_record,
    record_ok,
    unpack_end,
)
from thg.errors import NoFaceError, UsageError
from thg.features.face import FaceGeometry
from thg.motion.track import CHANNEL_NAMES, MotionTrack
from thg.post.watermark import InvisibleWatermark

IMAGE_TYPES = {"webp": ".webp", "jpeg": ".jpg"}
_MOUTH_OPEN = CHANNEL_NAMES.index("mouth_open")


@dataclass(frozen=True)
class EncodeConfig:
    max_size: int = 512          # long side of the key frame (the decoded video's size)
    image_type: str = "webp"
    quality: int = 90
    smooth: float = 1.0          # jitter filter of the tracker (0 = off)

    def __post_init__(self) -> None:
        if self.image_type not in IMAGE_TYPES:
            raise UsageError(f"--image-type {self.image_type!r} is not known; use {' or '.join(IMAGE_TYPES)}")
        if not 1 <= self.quality <= 100:
            raise UsageError(f"--quality {self.quality} is out of range; use 1 to 100")
        if self.max_size < 64:
            raise UsageError(f"--size {self.max_size} is too small; use at least 64")


def _even_size(w: int, h: int, max_side: int) -> tuple[int, int]:
    f = min(1.0, max_side / max(w, h))
    return max(16, int(w * f) // 2 * 2), max(16, int(h * f) // 2 * 2)


def encode_image(image: np.ndarray, image_type: str, quality: int) -> bytes:
    import cv2

    flag = cv2.IMWRITE_WEBP_QUALITY if image_type == "webp" else cv2.IMWRITE_JPEG_QUALITY
    ok, buf = cv2.imencode(IMAGE_TYPES[image_type], np.ascontiguousarray(image[:, :, ::-1]), [flag, quality])
    if not ok:
        raise UsageError(f"cannot encode the key frame as {image_type}")
    return buf.tobytes()


class MotionEncoder:
    """Frame-by-frame encoder. ``push(frame)`` returns the bytes to send now; ``finish()`` the end marker.

    Nothing is sent until a face is seen: that frame becomes the key frame (and the neutral of the
    motion); frames before it are sent as still copies of it. With ``audio_kbps`` the stream also
    carries speech: give ``push`` each frame's samples (16 kHz mono) and ``last=True`` with the
    last frame, so that the end of the speech goes into its record.
    """

    def __init__(self, fps: float = 25.0, config: EncodeConfig | None = None,
                 audio_kbps: float | None = None) -> None:
        from thg.reenact.tracking import StreamTracker

        if not 1 <= fps <= 120:
            raise UsageError(f"--fps {fps} is out of range; use 1 to 120")
        self.fps = fps
        self.config = config or EncodeConfig()
        self.quantiser = DEFAULT_QUANTISER
        self._opus = None
        if audio_kbps is not None:
            from thg.codec.audio import OpusEncoder

            self._opus = OpusEncoder(audio_kbps)
        self._tracker = StreamTracker(fps=fps, smooth=self.config.smooth)
        self.header: Header | None = None
        self._pending: list[list[bytes]] = []   # the audio of frames before the first face
        self.n_frames = 0           # records sent
        self._crc = 0
        self.header_bytes = 0
        self.record_bytes = 0
        self.audio_bytes = 0        # Opus packets and their framing

    @property
    def missing(self) -> int:
        """Frames in which no face was found (their motion is held)."""
        return self._tracker.missing

    def _make_header(self, frame: np.ndarray) -> Header:
        import cv2

        neutral = self._tracker.neutral
        assert neutral is not None
        h, w = frame.shape[:2]
        kw, kh = _even_size(w, h, self.config.max_size)
        key = frame if (kw, kh) == (w, h) else cv2.resize(frame, (kw, kh), interpolation=cv2.INTER_AREA)
        points = neutral.points.copy()
        points[:, 0] *= kw / w
        points[:, 1] *= kh / h
        points[:, 2] *= kw / w
        image = encode_image(key, self.config.image_type, self.config.quality)
        return Header(self.fps, kw, kh, points.astype(np.float32), image, self.config.image_type, 0, self.quantiser,
                      audio=self._opus is not None)

    def _record(self, row: np.ndarray, packets: list[bytes]) -> bytes:
        audio = packets if self._opus is not None else None
        rec = pack_record(self.quantiser, row, self.n_frames, audio)
        self.n_frames += 1
        self._crc = zlib.crc32(rec, self._crc)
        motion = self.quantiser.payload_bytes + 1
        self.record_bytes += motion
        self.audio_bytes += len(rec) - motion
        return rec

    @property
    def audio(self) -> bool:
        """Whether the stream carries speech (made with ``audio_kbps``)."""
        return self._opus is not None

    def encode_audio(self, pcm: np.ndarray | None, last: bool = False) -> list[bytes]:
        """The packing step's speech: the Opus packets completed by ``pcm`` (16 kHz mono, -1..1), and
        with ``last`` the rest; [] for a stream without speech."""
        if self._opus is None:
            return []
        packets = self._opus.push(pcm) if pcm is not None and len(pcm) else []
        return packets + (self._opus.finish() if last else [])

    def track(self, frame: np.ndarray) -> np.ndarray | None:
        """The tracking step of :meth:`push`: the frame's motion row, unquantised, or None while no face
        has been seen. The first frame with a face makes :attr:`header` (its key frame)."""
        row = self._tracker.update(frame)
        if self.header is None:
            if self._tracker.neutral is None:
                return None
            self.header = self._make_header(frame)
            self.header_bytes = len(self.header.pack())
        return row

    def still_row(self) -> np.ndarray:
        """The row of the key frame itself (sent for the frames before the first face)."""
        assert self._tracker.neutral is not None
        still = np.zeros(len(CHANNEL_NAMES), np.float32)
        still[_MOUTH_OPEN] = self._tracker.neutral.features.mouth_open
        return still

    def push(self, frame: np.ndarray, pcm: np.ndarray | None = None, *, last: bool = False) -> bytes:
        """Track the frame, then pack it: the header with the first face, then the frame's record."""
        first = self.header is None
        row = self.track(frame)
        packets = self.encode_audio(pcm, last)
        if row is None:
            self._pending.append(packets)
            return b""
        if not first:
            return self._record(row, packets)
        assert self.header is not None
        out = [self.header.pack()] + [self._record(self.still_row(), early) for early in self._pending]
        out.append(self._record(row, packets))
        return b"".join(out)

    def close(self) -> None:
        """Free the tracker without ending the stream (a live stream whose sender went away)."""
        self._tracker.close()

    def finish(self) -> bytes:
        self.close()
        if self.header is None:
            raise NoFaceError(f"no face found in any of the {len(self._pending)} frames; nothing to encode "
                              f"(use a video with one clearly visible face)")
        return pack_end(self.n_frames, self._crc)


def encode_frames(frames: Iterable[np.ndarray], fps: float = 25.0,
                  config: EncodeConfig | None = None) -> Iterator[bytes]:
    """The stream for a sequence of RGB frames, as chunks (header, records, end marker)."""
    enc = MotionEncoder(fps, config)
    for frame in frames:
        chunk = enc.push(frame)
        if chunk:
            yield chunk
    yield enc.finish()


@dataclass
class EncodeResult:
    n_frames: int
    fps: float
    header_bytes: int
    record_bytes: int
    missing: int
    audio_bytes: int = 0

    @property
    def audio_kbps(self) -> float:
        return self.audio_bytes * 8 / max(self.n_frames / self.fps, 1e-9) / 1000

    @property
    def motion_kbps(self) -> float:
        return (self.record_bytes + END_SIZE) * 8 / max(self.n_frames / self.fps, 1e-9) / 1000

    @property
    def total_kbps(self) -> float:
        total = self.header_bytes + self.record_bytes + self.audio_bytes + END_SIZE
        return total * 8 / max(self.n_frames / self.fps, 1e-9) / 1000


def frames_with_audio(frames: Iterable[np.ndarray], fps: float,
                      samples: np.ndarray | None) -> Iterator[tuple[np.ndarray, np.ndarray | None, bool]]:
    """(frame, its 16 kHz samples or None, whether it is the last frame) for :meth:`MotionEncoder.push`."""
    from thg.codec.audio import SAMPLE_RATE

    it = iter(frames)
    frame = next(it, None)
    i = 0
    while frame is not None:
        following = next(it, None)
        pcm = None
        if samples is not None:
            pcm = samples[int(round(i * SAMPLE_RATE / fps)): int(round((i + 1) * SAMPLE_RATE / fps))]
        yield frame, pcm, following is None
        frame, i = following, i + 1


def encode_video(video: str | os.PathLike, output, *, overwrite: bool = False, config: EncodeConfig | None = None,
                 audio_kbps: float | None = None) -> EncodeResult:
    """Encode a video file into a ``.thm`` file (its header then carries the frame count); with
    ``audio_kbps`` and a video that has sound, its speech goes in as Opus at that rate."""
    from thg.io.audio import load_audio
    from thg.io.output import atomic_output
    from thg.io.video import probe_video, read_video_frames

    info = probe_video(video)
    samples = load_audio(video).samples if (audio_kbps is not None and info.has_audio) else None
    with atomic_output(output, overwrite=overwrite, inputs=[video]) as tmp:
        with open(tmp, "wb") as f:
            enc = MotionEncoder(info.fps, config, audio_kbps if samples is not None else None)
            for frame, pcm, last in frames_with_audio(read_video_frames(video), info.fps, samples):
                f.write(enc.push(frame, pcm, last=last))
            try:
                f.write(enc.finish())
            except NoFaceError as e:
                raise NoFaceError(f"{video}: {e}") from None
            assert enc.header is not None
            enc.header.n_frames = enc.n_frames      # a file can carry the count in its header too
            f.seek(0)
            f.write(enc.header.pack())
    return EncodeResult(enc.n_frames, info.fps, enc.header_bytes, enc.record_bytes, enc.missing, enc.audio_bytes)


class MotionDecoder:
    """Reads a ``.thm`` stream from a binary file object; :meth:`rows` and :meth:`frames` are lazy.

    Both raise :class:`StreamError` at the first damaged or missing byte, after yielding every
    frame before it. :meth:`frames` yields the frames with thg's invisible watermark in them.
    """

    def __init__(self, stream, name: str = "stream", renderer=None) -> None:
        self.stream, self.name = stream, name
        self.header = Header.read(stream, name)
        self.renderer = renderer
        self.good_frames = 0
        self.mark = InvisibleWatermark()
        self.audio_packets: list[bytes] = []   # the speech, as rows() reads it (streams with audio)

    def rows(self) -> Iterator[np.ndarray]:
        """The motion rows; a stream with audio also collects its Opus packets in :attr:`audio_packets`."""
        h, name = self.header, self.name
        size = h.record_size                 # payload + checksum, or payload + packet count with audio
        crc, i = 0, 0
        offset = len(h.pack())
        while True:
            rec = self._read(size)
            if h.audio and len(rec) == size and not rec.startswith(END_MAGIC):
                rec, packets = self._audio_record(rec, i, offset)
            else:
                packets = []
            if len(rec) >= size and record_ok(rec, i):
                crc = zlib.crc32(rec, crc)
                self.good_frames = i = i + 1
                offset += len(rec)
                self.audio_packets += packets
                yield h.quantiser.unpack(rec[:h.quantiser.payload_bytes])
                continue
            if len(rec) >= len(END_MAGIC) and rec.startswith(END_MAGIC):
                rest = self._read(END_SIZE - len(rec)) if END_SIZE > len(rec) else b""
                n, end_crc = unpack_end((rec + rest)[:END_SIZE]) if len(rec + rest) >= END_SIZE else (-1, -1)
                if n == -1:
                    raise StreamError(f"{name}: stream ends inside its end marker after frame {i}; "
                                      f"the file is truncated ({i} good frames)", i)
                if n != i or end_crc != crc or (h.n_frames and h.n_frames != i):
                    raise StreamError(f"{name}: end marker disagrees with the frames received "
                                      f"({n} announced, {i} received, checksum {'ok' if end_crc == crc else 'wrong'}); "
                                      f"records were lost or damaged", i)
                return
            if not rec:
                raise StreamError(f"{name}: stream ends after frame {i} without its end marker; "
                                  f"the file is truncated ({i} good frames)", i)
            if len(rec) < size:
                raise StreamError(f"{name}: stream ends inside frame {i} (byte {offset}); the file is truncated "
                                  f"({i} good frames)", i)
            raise StreamError(f"{name}: frame {i} is damaged (checksum mismatch at byte {offset}); "
                              f"{i} good frames before it", i)

    def _read(self, n: int) -> bytes:
        return _read_exactly(self.stream, n)

    def _audio_record(self, head: bytes, i: int, offset: int) -> tuple[bytes, list[bytes]]:
        """The rest of a record with audio (its packets and checksum) after its fixed part ``head``."""
        parts, packets = [head], []
        for _ in range(head[-1]):
            size = self._read(1)
            data = self._read(size[0]) if size else b""
            if not size or len(data) < size[0]:
                raise StreamError(f"{self.name}: stream ends inside frame {i} (byte {offset}); the file is "
                                  f"truncated ({i} good frames)", i)
            parts += [size, data]
            packets.append(data)
        check = self._read(1)
        if not check:
            raise StreamError(f"{self.name}: stream ends inside frame {i} (byte {offset}); the file is truncated "
                              f"({i} good frames)", i)
        return b"".join(parts) + check, packets

    def key_frame(self) -> np.ndarray:
        import cv2

        buf = np.frombuffer(self.header.image, np.uint8)
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR) if buf.size else None
        if img is None:
            raise StreamError(f"{self.name}: the key frame image cannot be decoded; the stream is damaged")
        h, w = img.shape[:2]
        if (w, h) != (self.header.width, self.header.height):
            raise StreamError(f"{self.name}: the key frame is {w}x{h} but the header says "
                              f"{self.header.width}x{self.header.height}; the stream is damaged")
        return np.ascontiguousarray(img[: h // 2 * 2, : w // 2 * 2, ::-1])

    def prepare(self):
        """Decode the key frame and prepare the renderer (done by :meth:`frames`; call it first to time it)."""
        from thg.render import MeshWarpRenderer

        if getattr(self, "_buffer", None) is None:
            key = self.key_frame()
            self.renderer = self.renderer or MeshWarpRenderer()
            try:
                self.renderer.prepare(key, FaceGeometry(self.header.points, (key.shape[1], key.shape[0])))
            except (ValueError, IndexError, ArithmeticError, np.linalg.LinAlgError) as e:
                raise StreamError(f"{self.name}: the key frame's face points do not form a face the renderer "
                                  f"can animate ({type(e).__name__}); the stream is damaged") from None
            self._buffer = key.copy()
        return self._buffer

    def frames(self) -> Iterator[np.ndarray]:
        """Rendered frames, each carrying the invisible watermark (``self.mark``)."""
        buffer = self.prepare()
        for row in self.rows():
            yield self.mark(self.renderer.render(row, out=buffer))

    def track(self) -> MotionTrack:
        """The whole stream's motion as a motion file (raises StreamError if damaged)."""
        rows = list(self.rows())
        return MotionTrack(self.header.fps, np.array(rows).reshape(-1, len(CHANNEL_NAMES)), {"driver": "thm"})


@dataclass
class DecodeResult:
    output: object
    n_frames: int
    fps: float
    error: StreamError | None = None


def decode_to_video(stream, output, *, name: str = "stream", overwrite: bool = False,
                    inputs=()) -> DecodeResult:
    """Render a stream into an MP4, with its speech if it carries any. A damaged or truncated stream
    still yields a playable video of every frame before the damage; the error is returned in the
    result (not raised)."""
    import tempfile
    from pathlib import Path

    from thg.io.output import atomic_output
    from thg.limits import check_h264_frame
    from thg.post.credentials import Claims, sign_mp4

    dec = MotionDecoder(stream, name)
    key = dec.prepare()
    check_h264_frame(key.shape[1], key.shape[0], dec.header.fps, name)
    with atomic_output(output, overwrite=overwrite, inputs=inputs) as tmp:
        if not dec.header.audio:
            error = _render(dec, key, tmp)
        else:
            with tempfile.TemporaryDirectory(prefix="thg-decode-") as folder:
                silent = Path(folder) / "video.mp4"
                error = _render(dec, key, silent)
                _mux_speech(dec, silent, Path(folder) / "speech.wav", tmp)
        sign_mp4(tmp, Claims("decode", {"fps": dec.header.fps}, {"stream_header": dec.header.pack()}, dec.mark.output_id))
    return DecodeResult(output, dec.good_frames, dec.header.fps, error)


def _render(dec: MotionDecoder, key: np.ndarray, path) -> StreamError | None:
    """Every good frame (watermarked by the decoder) into an MP4 at ``path``; the stream's error, if it had one."""
    from thg.io.video import VideoWriter
    from thg.post.provenance import PROVENANCE

    error = None
    with VideoWriter(path, key.shape[1], key.shape[0], fps=dec.header.fps, comment=PROVENANCE) as w:
        try:
            for frame in dec.frames():
                w.write(frame)
        except StreamError as e:
            error = e
        if dec.good_frames == 0:
            raise error or StreamError(f"{dec.name}: the stream holds no frames")
    return error


def _mux_speech(dec: MotionDecoder, video, wav, output) -> None:
    """The decoded Opus speech (as long as the good frames) muxed with ``video`` into ``output``."""
    import soundfile as sf

    from thg.codec.audio import DECODED_RATE, decode_packets
    from thg.io.video import mux_audio

    seconds = dec.good_frames / dec.header.fps
    sf.write(str(wav), decode_packets(dec.audio_packets, seconds), DECODED_RATE, subtype="PCM_16", format="WAV")
    mux_audio(video, wav, output, seconds)
