"""The call's speech in a ``.thm`` stream: Opus (RFC 6716) at a few kbit/s, through PyAV's libopus.

The encoder takes 16 kHz mono samples as they come (a file's whole track or a live call's
chunks) and returns the Opus packets that are complete, one per :data:`PACKET_MS` of speech;
:class:`thg.codec.stream.MotionEncoder` puts them into the record of the frame they end in. The
decoder turns the packets back into 48 kHz samples (Opus's own rate), the encoder's look-ahead
(:data:`PRE_SKIP`) trimmed so that speech stays in step with the frames.
"""

from __future__ import annotations

import numpy as np

from thg.errors import BackendMissingError

SAMPLE_RATE = 16000          # what the encoder is fed (wideband speech)
DECODED_RATE = 48000         # what Opus decodes to
PACKET_MS = 40               # one packet per 40 ms: one a frame at 25 fps
DEFAULT_KBPS = 6.0
KBPS_RANGE = (6.0, 32.0)     # libopus's lowest rate, and the most a one-byte packet length allows at 40 ms
PRE_SKIP = 312               # libopus's look-ahead (6.5 ms) in decoded samples, as in Ogg Opus


def _av():
    try:
        import av
    except ImportError:
        raise BackendMissingError("PyAV is not installed (needed for the audio of .thm streams); "
                                  "`pip install av`, or encode with --no-audio") from None
    return av


class OpusEncoder:
    """``push(samples)`` -> the packets completed by them; ``finish()`` -> the rest (zero-padded)."""

    def __init__(self, kbps: float = DEFAULT_KBPS) -> None:
        av = _av()
        self._av = av
        ctx = av.CodecContext.create("libopus", "w")
        ctx.sample_rate, ctx.layout, ctx.format = SAMPLE_RATE, "mono", "s16"
        ctx.bit_rate = int(kbps * 1000)
        ctx.options = {"frame_duration": str(PACKET_MS), "application": "voip"}
        ctx.open()
        self._ctx = ctx
        self._pending = np.zeros(0, np.int16)
        self._pts = 0

    def _encode(self, block: np.ndarray | None) -> list[bytes]:
        if block is None:
            return [bytes(p) for p in self._ctx.encode(None)]
        frame = self._av.AudioFrame.from_ndarray(block[None], format="s16", layout="mono")
        frame.sample_rate, frame.pts = SAMPLE_RATE, self._pts
        self._pts += len(block)
        return [bytes(p) for p in self._ctx.encode(frame)]

    def push(self, samples: np.ndarray) -> list[bytes]:
        pcm = (np.clip(np.asarray(samples, np.float32), -1, 1) * 32767).astype(np.int16)
        self._pending = np.concatenate([self._pending, pcm])
        n = self._ctx.frame_size
        packets = []
        while len(self._pending) >= n:
            block, self._pending = self._pending[:n], self._pending[n:]
            packets += self._encode(block)
        return packets

    def finish(self) -> list[bytes]:
        packets = []
        if len(self._pending):
            packets += self._encode(np.pad(self._pending, (0, self._ctx.frame_size - len(self._pending))))
            self._pending = np.zeros(0, np.int16)
        return packets + self._encode(None)


class OpusDecoder:
    """``decode(packets)`` -> their mono float32 samples at :data:`DECODED_RATE`, packet after packet
    (a live stream's as they come); the encoder's look-ahead is trimmed from the first."""

    def __init__(self) -> None:
        av = _av()
        self._av = av
        self._ctx = av.CodecContext.create("libopus", "r")
        self._ctx.sample_rate, self._ctx.layout = DECODED_RATE, "mono"
        self._skip = PRE_SKIP

    def decode(self, packets: list[bytes]) -> np.ndarray:
        """A damaged packet decodes as silence (Opus's own concealment)."""
        out = []
        for data in packets:
            try:
                out += [f.to_ndarray().reshape(-1) for f in self._ctx.decode(self._av.Packet(data))]
            except (self._av.error.FFmpegError, ValueError):
                out.append(np.zeros(DECODED_RATE * PACKET_MS // 1000, np.int16))
        pcm = np.concatenate(out) if out else np.zeros(0, np.int16)
        samples = pcm.astype(np.float32) / 32768.0 if pcm.dtype == np.int16 else pcm.astype(np.float32)
        skip, self._skip = min(self._skip, len(samples)), self._skip - min(self._skip, len(samples))
        return samples[skip:]


def decode_packets(packets: list[bytes], seconds: float | None = None) -> np.ndarray:
    """Opus packets -> mono float32 samples at :data:`DECODED_RATE` (``seconds`` long, if given:
    cut or padded with silence). A damaged packet decodes as silence (Opus's own concealment)."""
    samples = OpusDecoder().decode(packets)
    if seconds is not None:
        n = int(round(seconds * DECODED_RATE))
        samples = np.pad(samples[:n], (0, max(0, n - len(samples))))
    return samples
