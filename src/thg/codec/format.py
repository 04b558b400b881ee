"""The ``.thm`` motion stream: one key frame, then a few bytes of quantised motion per frame.

All integers are little-endian. Version 3 (version 2 is the same with 16 channels, without
``tongue``, and version 1 is version 2 without audio, flags 0; all three are read):

Header (once)::

    magic       4 bytes  b"THGM"
    version     u8       3
    flags       u8       bit 0: the records carry the call's audio; the other bits are 0
    fps         u32      frames per second × 1000
    n_frames    u32      number of frame records, 0 = not known when the header was written (a live stream)
    width       u16      key frame width in pixels
    height      u16      key frame height
    n_channels  u8       17: the channels of thg.motion.track.CHANNELS, in that order (16 in
                         versions 1 and 2: all but the last, ``tongue``, which decodes as 0)
    record_size u8       bytes per frame record without audio (payload + 1 checksum byte)
    quantiser   n_channels × (bits u8, zero u8, step f32): channel value = (code - zero) × step;
                a channel with 0 bits is not sent and decodes as 0
    n_points    u16      478: the key frame's face-mesh points, then
    points      n_points × 3 × i16: x, y, z in 1/8 pixel
    image_type  4 bytes  b"webp" or b"jpeg"
    image_size  u32      then that many bytes of the key frame image (the face, sent once)
    header_crc  u32      CRC-32 (zlib) of every header byte before it

Frame records (one per video frame; fixed size without audio)::

    payload     the channel codes, bit-packed most significant bit first in channel order
    audio       only with flag bit 0: n_packets u8, then n_packets × (size u8, that many bytes):
                the Opus packets (RFC 6716; mono, 16 kHz wideband input, one packet per 40 ms,
                6 kbit/s by default) completed during this frame, in order
    crc8        CRC-8 (polynomial 0x07) of everything before it in the record + the frame
                number's low byte, so a lost, repeated or reordered record fails its check
                like a damaged one

End marker (once, after the last record)::

    magic       6 bytes  b"THMEND"
    n_frames    u32      number of frame records sent
    records_crc u32      CRC-32 of all frame-record bytes

A reader stops at the first record that fails its check, at a stream that ends inside a record
or without the end marker, and at an end marker whose count or CRC disagrees: every frame before
that point is good and is rendered.

The quantiser spends 64 bits on a frame: 9-byte records, 1.8 kbit/s at 25 fps. Audio adds the
Opus packets (6 kbit/s at the default rate, 25-35 bytes per 40 ms of speech) and 2 bytes a
packet of framing: about 8.3 kbit/s in all at 25 fps. The decoder trims Opus's 6.5 ms look-ahead
(312 samples at 48 kHz, its pre-skip) so that speech stays in step with the frames.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

from thg.errors import InputError
from thg.motion.track import CHANNEL_LIMITS, CHANNEL_NAMES

MAGIC = b"THGM"
END_MAGIC = b"THMEND"
VERSION = 3
READ_VERSIONS = (1, 2, 3)
#: version -> how many of :data:`CHANNEL_NAMES` (the first ones) its records carry
CHANNELS_OF = {1: 16, 2: 16, 3: len(CHANNEL_NAMES)}
FLAG_AUDIO = 0x01
POINT_SCALE = 8.0
MAX_IMAGE_BYTES = 64 << 20
MAX_CHANNEL_BITS = 16
MIN_FACE_PIXELS = 24            # a key frame's face smaller than this cannot be animated
_FIXED = struct.Struct("<4sBBIIHHBB")
_QUANT = struct.Struct("<BBf")
_END = struct.Struct("<6sII")
END_SIZE = _END.size


class StreamError(InputError):
    """A ``.thm`` stream is not one, is of an unknown version, or is damaged or truncated.

    ``good_frames`` is how many frame records before the problem were intact.
    """

    def __init__(self, message: str, good_frames: int = 0) -> None:
        super().__init__(message)
        self.good_frames = good_frames


@dataclass(frozen=True)
class Quantiser:
    """Per channel: bits, the code of value 0, and the value step of one code."""

    bits: tuple[int, ...]
    zero: tuple[int, ...]
    step: tuple[float, ...]

    @property
    def payload_bytes(self) -> int:
        return -(-sum(self.bits) // 8)

    def range(self, c: int) -> tuple[float, float]:
        return (-self.zero[c] * self.step[c], ((1 << self.bits[c]) - 1 - self.zero[c]) * self.step[c])

    def pack(self, row: np.ndarray) -> bytes:
        acc = 0
        for v, b, z, s in zip(row, self.bits, self.zero, self.step):
            if b:
                code = int(np.clip(round(float(v) / s) + z, 0, (1 << b) - 1))
                acc = (acc << b) | code
        total = sum(self.bits)
        acc <<= self.payload_bytes * 8 - total
        return acc.to_bytes(self.payload_bytes, "big")

    def unpack(self, payload: bytes) -> np.ndarray:
        acc = int.from_bytes(payload, "big") >> (self.payload_bytes * 8 - sum(self.bits))
        row = np.zeros(len(self.bits), np.float32)
        for c in range(len(self.bits) - 1, -1, -1):
            b = self.bits[c]
            if b:
                row[c] = ((acc & ((1 << b) - 1)) - self.zero[c]) * self.step[c]
                acc >>= b
        return row


def _q(bits: int, zero: int, step: float) -> tuple[int, int, float]:
    return bits, zero, step


#: Version 1's quantiser: 64 bits a frame. Ranges: yaw ±40°, pitch/roll ±25°, shift ±0.25 face,
#: mouth_open 0..0.79 in 0.006 steps; brows, gaze and smile coarser; mouth_round, brow_in and tongue
#: (which a tracked face does not give) not sent.
DEFAULT_TABLE: dict[str, tuple[int, int, float]] = {
    "yaw": _q(7, 64, 0.625), "pitch": _q(6, 32, 0.8), "roll": _q(6, 32, 0.8),
    "shift_x": _q(5, 16, 0.016), "shift_y": _q(5, 16, 0.016),
    "mouth_open": _q(7, 0, 0.00625), "mouth_wide": _q(5, 16, 0.03), "mouth_round": _q(0, 0, 1.0),
    "smile": _q(4, 8, 0.125), "blink_l": _q(4, 3, 1 / 12), "blink_r": _q(4, 3, 1 / 12),
    "brow_l": _q(3, 3, 0.25), "brow_r": _q(3, 3, 0.25), "brow_in": _q(0, 0, 1.0),
    "gaze_x": _q(3, 4, 0.15), "gaze_y": _q(2, 2, 0.3), "tongue": _q(0, 0, 1.0),
}
DEFAULT_QUANTISER = Quantiser(tuple(DEFAULT_TABLE[c][0] for c in CHANNEL_NAMES),
                              tuple(DEFAULT_TABLE[c][1] for c in CHANNEL_NAMES),
                              tuple(float(np.float32(DEFAULT_TABLE[c][2])) for c in CHANNEL_NAMES))


def _crc8_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return table


_CRC8 = _crc8_table()


def crc8(data: bytes, crc: int = 0) -> int:
    for b in data:
        crc = _CRC8[crc ^ b]
    return crc


def pack_record(quantiser: Quantiser, row: np.ndarray, index: int, audio: list[bytes] | None = None) -> bytes:
    """One frame record; ``audio`` (a stream with audio) is the list of Opus packets it carries."""
    body = quantiser.pack(row)
    if audio is not None:
        if len(audio) > 255 or any(not 0 < len(p) <= 255 for p in audio):
            raise ValueError("a record carries at most 255 audio packets of 1 to 255 bytes")
        body += bytes([len(audio)]) + b"".join(bytes([len(p)]) + p for p in audio)
    return body + bytes([crc8(body + bytes([index & 0xFF]))])


def record_ok(record: bytes, index: int) -> bool:
    return crc8(record[:-1] + bytes([index & 0xFF])) == record[-1]


def pack_end(n_frames: int, records_crc: int) -> bytes:
    return _END.pack(END_MAGIC, n_frames, records_crc & 0xFFFFFFFF)


def unpack_end(data: bytes) -> tuple[int, int]:
    _, n, crc = _END.unpack(data)
    return n, crc


@dataclass
class Header:
    fps: float
    width: int
    height: int
    points: np.ndarray              # 478×3 face-mesh points of the key frame, pixels
    image: bytes                    # the key frame, encoded
    image_type: str = "webp"
    n_frames: int = 0               # 0 = not known
    quantiser: Quantiser = DEFAULT_QUANTISER
    audio: bool = False             # records carry Opus packets

    @property
    def record_size(self) -> int:
        return self.quantiser.payload_bytes + 1

    def pack(self) -> bytes:
        q = self.quantiser
        flags = FLAG_AUDIO if self.audio else 0
        parts = [_FIXED.pack(MAGIC, VERSION, flags, int(round(self.fps * 1000)), self.n_frames, self.width,
                             self.height, len(q.bits), self.record_size)]
        parts += [_QUANT.pack(b, z, s) for b, z, s in zip(q.bits, q.zero, q.step)]
        pts = np.clip(np.round(np.asarray(self.points, np.float64) * POINT_SCALE), -32768, 32767).astype("<i2")
        parts += [struct.pack("<H", len(pts)), pts.tobytes()]
        parts += [struct.pack("<4sI", self.image_type.encode("ascii")[:4].ljust(4), len(self.image)), self.image]
        body = b"".join(parts)
        return body + struct.pack("<I", zlib.crc32(body))

    @classmethod
    def read(cls, stream, name: str) -> "Header":
        """Read and check a header from a binary file object (raises a one-line StreamError)."""
        body = bytearray()

        def take(n: int, what: str) -> bytes:
            data = _read_exactly(stream, n)
            if len(data) < n:
                raise StreamError(f"{name}: stream ends inside its header ({what}); the file is truncated "
                                  f"or not a .thm stream")
            body.extend(data)
            return data

        first = take(_FIXED.size, "fixed fields")
        magic, version, flags, fps_milli, n_frames, width, height, n_ch, rec_size = _FIXED.unpack(first)
        if magic != MAGIC:
            raise StreamError(f"{name}: not a thg motion stream (magic {magic!r}, expected {MAGIC!r}); "
                              f"make one with 'thg encode'")
        if version not in READ_VERSIONS:
            raise StreamError(f"{name}: .thm version {version} is not supported (this thg reads versions "
                              f"{' and '.join(map(str, READ_VERSIONS))}); re-encode it with this thg")
        if flags & ~(FLAG_AUDIO if version >= 2 else 0):
            raise StreamError(f"{name}: header is damaged (flags {flags:#04x}); the stream cannot be decoded")
        if n_ch != CHANNELS_OF[version] or fps_milli == 0 or not (16 <= width <= 8192 and 16 <= height <= 8192):
            raise StreamError(f"{name}: header is damaged ({n_ch} channels, fps {fps_milli / 1000:g}, "
                              f"{width}x{height}); the stream cannot be decoded")
        quant = [_QUANT.unpack(take(_QUANT.size, "quantiser")) for _ in range(n_ch)]
        quant += [(0, 0, 1.0)] * (len(CHANNEL_NAMES) - n_ch)     # an older version's: not sent
        (n_points,) = struct.unpack("<H", take(2, "point count"))
        if n_points not in (468, 478):
            raise StreamError(f"{name}: header is damaged ({n_points} face points); the stream cannot be decoded")
        pts = np.frombuffer(take(n_points * 6, "face points"), "<i2").reshape(n_points, 3) / POINT_SCALE
        image_type, image_size = struct.unpack("<4sI", take(8, "image type"))
        if image_size > MAX_IMAGE_BYTES:
            raise StreamError(f"{name}: header is damaged (key frame of {image_size} bytes); "
                              f"the stream cannot be decoded")
        image = take(image_size, "key frame")
        crc_bytes = _read_exactly(stream, 4)
        if len(crc_bytes) < 4:
            raise StreamError(f"{name}: stream ends inside its header (checksum); the file is truncated")
        if struct.unpack("<I", crc_bytes)[0] != zlib.crc32(bytes(body)):
            raise StreamError(f"{name}: header checksum mismatch; the key frame or settings are damaged, "
                              f"nothing can be decoded")
        q = Quantiser(tuple(b for b, _, _ in quant), tuple(z for _, z, _ in quant), tuple(s for _, _, s in quant))
        _check_quantiser(q, name)
        if q.payload_bytes + 1 != rec_size:
            raise StreamError(f"{name}: header is damaged (record size {rec_size} does not match its quantiser)")
        _check_points(pts, width, height, name)
        fps = fps_milli / 1000
        if not 1 <= fps <= 120:
            raise StreamError(f"{name}: header gives {fps:g} fps; a .thm stream runs at 1 to 120 fps")
        return cls(fps, width, height, pts.astype(np.float32), bytes(image),
                   image_type.decode("ascii", "replace").strip(), n_frames, q, bool(flags & FLAG_AUDIO))


def _check_quantiser(q: Quantiser, name: str) -> None:
    """Every channel's codes must decode inside :data:`CHANNEL_LIMITS` (a step of 1e30 would send
    the renderer values it cannot draw in any time)."""
    for c, channel in enumerate(CHANNEL_NAMES):
        bits, zero, step = q.bits[c], q.zero[c], q.step[c]
        if bits == 0:
            continue
        lo, hi = CHANNEL_LIMITS[channel]
        if bits > MAX_CHANNEL_BITS or zero >= 1 << bits or not np.isfinite(step) or step <= 0:
            raise StreamError(f"{name}: header is damaged (channel {channel}: {bits} bits, zero {zero}, step {step:g})")
        first, last = q.range(c)
        if first < lo - step or last > hi + step:
            raise StreamError(f"{name}: header is damaged (channel {channel} spans {first:g} to {last:g}, "
                              f"outside {lo:g} to {hi:g})")


def _check_points(points: np.ndarray, width: int, height: int, name: str) -> None:
    """The key frame's face points must lie in the key frame and span a face that can be animated."""
    xy = points[:, :2]
    inside = (xy[:, 0] >= 0) & (xy[:, 0] <= width) & (xy[:, 1] >= 0) & (xy[:, 1] <= height)
    span = np.ptp(xy[:468], axis=0).max() if len(xy) else 0.0
    if not inside.all() or span < MIN_FACE_PIXELS:
        raise StreamError(f"{name}: header is damaged (face points {'outside the key frame' if not inside.all() else f'span only {span:.0f} px'}); "
                          f"the stream cannot be decoded")


def _read_exactly(stream, n: int) -> bytes:
    """Read n bytes from a file or pipe (pipes may return less per call)."""
    chunks, left = [], n
    while left > 0:
        data = stream.read(left)
        if not data:
            break
        chunks.append(data)
        left -= len(data)
    return b"".join(chunks)
