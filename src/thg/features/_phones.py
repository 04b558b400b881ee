"""pocketsphinx's all-phone decoder on 1 s pieces of 16 kHz 16-bit speech, in this process or in a
child process (this file run as a script, which imports nothing but pocketsphinx).

pocketsphinx holds Python's global lock while it decodes, so decoding on a thread would stall the
renderer; the child process decodes beside it. The protocol on the child's pipes: each request is a
4-byte little-endian length and a flag byte (0: a piece, 1: the last piece) followed by the PCM;
each reply is one JSON line ``[settled_until, [[symbol, start, end], ...]]``.
"""

from __future__ import annotations

import json
import os
import struct
import sys

RATE = 16000
PIECE = RATE             # samples the decoder gets at a time (its results depend on it)
UTTERANCE_SECONDS = 30   # decoded as one utterance at most, so memory and search stay bounded
SETTLE_SECONDS = 0.8     # a phoneme ending this long before the decoded audio no longer changes
SILENCE = ("SIL", "+SPN+", "+NSN+", "<s>", "</s>")


class PhoneDecoder:
    """Phonemes as (symbol, start s, end s) from consecutive pieces of 16-bit PCM.

    After each piece, the phonemes of the best path so far that end :data:`SETTLE_SECONDS` before
    the decoded audio are handed out (the best path's older part has settled by then); the last
    piece hands out the rest. They equal decoding each utterance whole, without gaps or overlaps.
    """

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        model = get_model_path()
        self._decoder = Decoder(hmm=os.path.join(model, "en-us", "en-us"),
                                allphone=os.path.join(model, "en-us", "en-us-phone.lm.bin"),
                                lm=None, dict=None, loglevel="FATAL", lw=2.0, beam=1e-10, pbeam=1e-10)
        self._utt_start = 0        # samples before the current utterance
        self._utt_samples = 0      # samples decoded in it
        self._next_frame = 0       # first 10 ms frame of the utterance not handed out yet
        self.settled_until = 0.0   # s: every phoneme before this has been handed out

    def piece(self, pcm: bytes, last: bool = False) -> list[tuple[str, float, float]]:
        out = []
        if pcm:
            if self._utt_samples == 0:
                self._decoder.start_utt()
            self._decoder.process_raw(pcm, False, False)
            self._utt_samples += len(pcm) // 2
            if self._utt_samples >= UTTERANCE_SECONDS * RATE:
                out = self._end_utterance()
            else:
                out = self._take(int((self._utt_samples / RATE - SETTLE_SECONDS) * 100))
        if last and self._utt_samples:
            out += self._end_utterance()
        return out

    def _end_utterance(self) -> list[tuple[str, float, float]]:
        self._decoder.end_utt()
        out = self._take(None)
        self._utt_start += self._utt_samples
        self._utt_samples = self._next_frame = 0
        self.settled_until = self._utt_start / RATE
        return out

    def _take(self, settled: int | None) -> list[tuple[str, float, float]]:
        """The best path's segments ending before frame ``settled`` (None: all) not handed out yet."""
        t0 = self._utt_start / RATE
        out = []
        for seg in self._decoder.seg():
            end = seg.end_frame + 1
            if end <= self._next_frame:
                continue
            if settled is not None and end > settled:
                break
            sym = "" if seg.word in SILENCE else seg.word
            out.append((sym, t0 + max(seg.start_frame, self._next_frame) / 100.0, t0 + end / 100.0))
            self._next_frame = end
        if settled is not None:
            self.settled_until = t0 + max(settled, 0) / 100.0
        return out


def serve(inp, out) -> None:
    """The child process: decode requests from ``inp``, reply on ``out``, until ``inp`` closes."""
    decoder = PhoneDecoder()
    out.write(b"[0.0, []]\n")   # ready
    out.flush()
    while header := inp.read(5):
        size, last = struct.unpack("<IB", header)
        phonemes = decoder.piece(inp.read(size), bool(last))
        out.write(json.dumps([decoder.settled_until, phonemes]).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
