"""Hostile ``.thm`` streams: hand-built headers and random damage give a StreamError or frames, never
another exception and never a hang (the property the fuzz suite checks for every parser)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thg.codec import EncodeConfig, MotionDecoder, MotionEncoder, StreamError
from thg.codec.format import DEFAULT_QUANTISER, Header, Quantiser, pack_record

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def small_stream(portrait, speech_path) -> bytes:
    """Six frames of the astronaut with 0.24 s of speech, encoded with a 128 px key frame."""
    import cv2

    from thg.codec.stream import frames_with_audio
    from thg.io.audio import load_audio

    frame = cv2.resize(portrait, (256, 256), interpolation=cv2.INTER_AREA)
    speech = load_audio(speech_path).samples[4000:]
    enc = MotionEncoder(25.0, EncodeConfig(max_size=128), audio_kbps=6)
    chunks = [enc.push(f, pcm, last=last) for f, pcm, last in frames_with_audio([frame] * 6, 25.0, speech)]
    return b"".join(chunks + [enc.finish()])


def _decode(data: bytes, render: bool = False) -> int:
    dec = MotionDecoder(io.BytesIO(data), "fuzz.thm")
    frames = dec.frames() if render else dec.rows()
    return sum(1 for _ in frames)


def _rebuilt(stream: bytes, **changes) -> bytes:
    """The stream with header fields replaced (and a valid header checksum, so the checks behind it are reached)."""
    header = Header.read(io.BytesIO(stream), "s")
    rest = stream[len(header.pack()):]
    for key, value in changes.items():
        setattr(header, key, value)
    return header.pack() + rest


def test_the_fixture_stream_decodes(small_stream):
    dec = MotionDecoder(io.BytesIO(small_stream), "s")
    assert dec.header.audio and sum(1 for _ in dec.frames()) == 6
    assert len(dec.audio_packets) == 7   # one 40 ms packet a frame at 25 fps, + the look-ahead flushed at the end


@pytest.mark.parametrize("case, message", [
    ("tiny_key_frame", "key frame is 2x2 but the header says"),
    ("points_outside", "face points outside the key frame"),
    ("points_collapsed", "span only 0 px"),
    ("step_1e30", "channel yaw spans"),
    ("step_nan", "channel yaw: 7 bits"),
    ("fps_0.001", "header is damaged"),
])
def test_hand_built_headers_are_refused(small_stream, case, message):
    import cv2

    header = Header.read(io.BytesIO(small_stream), "s")
    q = DEFAULT_QUANTISER
    changes = {
        "tiny_key_frame": {"image": cv2.imencode(".webp", np.zeros((2, 2, 3), np.uint8))[1].tobytes()},
        "points_outside": {"points": header.points + [header.width, 0, 0]},
        "points_collapsed": {"points": np.zeros_like(header.points) + 20},
        "step_1e30": {"quantiser": Quantiser(q.bits, q.zero, (1e30,) + q.step[1:])},
        "step_nan": {"quantiser": Quantiser(q.bits, q.zero, (float("nan"),) + q.step[1:])},
        "fps_0.001": {"fps": 0.0001},
    }[case]
    with pytest.raises(StreamError, match=message):
        _decode(_rebuilt(small_stream, **changes), render=True)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["flip", "cut", "insert", "delete"]),
                                st.binary(min_size=1, max_size=8)), min_size=1, max_size=4))
def test_random_damage_is_a_stream_error_or_frames(small_stream, edits):
    data = bytearray(small_stream)
    for pos, kind, blob in edits:
        pos %= len(data) + 1
        if kind == "flip" and pos < len(data):
            data[pos] ^= blob[0] or 1
        elif kind == "cut":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = blob
        elif kind == "delete":
            del data[pos:pos + len(blob)]
        if not data:
            break
    try:
        n = _decode(bytes(data))
    except StreamError as e:
        assert "\n" not in str(e) and e.good_frames <= 6
    else:
        assert n <= 6


_FIXED = struct.Struct("<4sBBIIHHBB")
_CHANNEL_LISTS = {name: st.lists(values, min_size=16, max_size=16) for name, values in (
    ("bits", st.integers(0, 255)), ("zero", st.integers(0, 255)),
    ("step", st.floats(allow_nan=True, allow_infinity=True, width=32)))}
#: one header field and a value for it; the fields not drawn stay as thg writes them
_FIELD = st.one_of(
    st.tuples(st.sampled_from(["width", "height"]), st.integers(0, 0xFFFF)),
    st.tuples(st.just("fps_milli"), st.integers(0, 2**32 - 1)),
    *[st.tuples(st.just(name), values) for name, values in _CHANNEL_LISTS.items()],
    st.tuples(st.just("scale"), st.floats(-10, 10)), st.tuples(st.just("shift"), st.floats(-500, 500)),
    st.tuples(st.just("row"), st.floats(-1e6, 1e6)),
)


@FUZZ
@given(fields=st.lists(_FIELD, max_size=2), n_records=st.integers(0, 3))
def test_hand_built_headers_with_valid_checksums_never_crash(small_stream, fields, n_records):
    """Header fields chosen at random and the checksums made right, so that every check behind
    them is reached: a StreamError, or frames rendered in bounded time."""
    header = Header.read(io.BytesIO(small_stream), "s")
    d = DEFAULT_QUANTISER
    f = {"width": header.width, "height": header.height, "fps_milli": 25000, "bits": d.bits, "zero": d.zero,
         "step": d.step, "scale": 1.0, "shift": 0.0, "row": 0.0, **dict(fields)}
    q = Quantiser(tuple(f["bits"]), tuple(f["zero"]), tuple(f["step"]))
    record_size = (q.payload_bytes + 1) & 0xFF
    body = [_FIXED.pack(b"THGM", 1, 0, f["fps_milli"], 0, f["width"], f["height"], 16, record_size)]
    body += [struct.pack("<BBf", b, z, s) for b, z, s in zip(q.bits, q.zero, q.step)]
    pts = np.clip(np.round((header.points * f["scale"] + f["shift"]) * 8), -32768, 32767).astype("<i2")
    body += [struct.pack("<H", len(pts)), pts.tobytes(), struct.pack("<4sI", b"webp", len(header.image)),
             header.image]
    head = b"".join(body)
    try:   # records that pass their checks, so that the frames are rendered
        records = b"".join(pack_record(q, np.full(16, f["row"]), i) for i in range(n_records))
    except (ValueError, OverflowError, ZeroDivisionError):   # a quantiser no encoder could use
        records = bytes(record_size * n_records)
    data = head + struct.pack("<I", zlib.crc32(head)) + records
    try:
        _decode(data, render=True)
    except StreamError as e:
        assert "\n" not in str(e)


def test_a_version_2_stream_without_the_tongue_channel_still_decodes(small_stream):
    """Version 2 streams carry 16 channels (none for the tongue, added in version 3): read as
    before, with the tongue at rest; the records themselves are unchanged (the tongue is not sent)."""
    from thg.codec.format import _FIXED, _QUANT, MAGIC, POINT_SCALE
    from thg.motion.track import CHANNEL_NAMES

    header = Header.read(io.BytesIO(small_stream), "s")
    q, n_old = header.quantiser, CHANNEL_NAMES.index("tongue")
    assert n_old == 16 and len(q.bits) == 17 and q.bits[n_old] == 0
    parts = [_FIXED.pack(MAGIC, 2, 1, int(round(header.fps * 1000)), header.n_frames, header.width,
                         header.height, n_old, header.record_size)]
    parts += [_QUANT.pack(b, z, s) for b, z, s in list(zip(q.bits, q.zero, q.step))[:n_old]]
    points = np.round(np.asarray(header.points, np.float64) * POINT_SCALE).astype("<i2")
    parts += [struct.pack("<H", len(points)), points.tobytes(),
              struct.pack("<4sI", header.image_type.encode("ascii").ljust(4), len(header.image)), header.image]
    body = b"".join(parts)
    old = body + struct.pack("<I", zlib.crc32(body)) + small_stream[len(header.pack()):]
    new_rows = list(MotionDecoder(io.BytesIO(small_stream), "new.thm").rows())
    old_rows = list(MotionDecoder(io.BytesIO(old), "old.thm").rows())
    assert len(old_rows) == len(new_rows) == 6
    assert all(np.array_equal(a, b) and a[n_old] == 0 for a, b in zip(old_rows, new_rows))
