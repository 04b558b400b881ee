"""An invisible watermark in the luma of every frame: :func:`embed` (a frame filter) and :func:`detect`.

How it is built, and why it survives re-uploads:

- **Canonical grid.** The mark lives on a ``GRID`` × ``GRID`` grid stretched over the whole frame, one
  grid cell a smooth blob of a few pixels. Rescaling the video changes nothing for the detector, which
  resizes every frame back onto the grid; the blobs are coarse enough to pass H.264 at CRF 30.
- **Tiles for crops.** The grid is tiled with ``TILE`` × ``TILE`` ±1 patterns drawn from a key. A crop
  shifts the tiling by an unknown amount and stretches it (the cropped frame is resized onto the grid):
  the detector tries the stretches on a grid of kept fractions (``FRACTIONS``, each axis; every equal
  stretch, then the neighbourhood of the best) and finds the shift of each at once by cyclic FFT
  correlation of the folded tiles.
- **Static in time, accumulated over frames.** Every frame carries the same pattern: H.264 keeps static
  content through its skip blocks, where a time-varying mark would be the first thing dropped. The
  detector averages the frames' luma, so codec noise and moving content average out while the mark adds up.
- **Payload by shift keying.** Besides the sync pattern, ``N_SYMBOLS`` patterns are each cyclically
  shifted against it by one of ``TILE``² offsets, 12 bits each: 48 bits = an 8-bit thg mark, a 32-bit
  per-output id and an 8-bit CRC. Crops move all patterns alike, so the relative shifts survive.
- **Perceptual mask.** The amplitude follows local texture (the luma's departure from its 3 × 3 median,
  so straight edges such as the lip line count as flat); flat regions (sky, walls, skin) and edges get
  ``MASK_FLOOR`` of it. The overall strength is set by a PSNR target (``PSNR_DB``).

The statistic: the detector takes the sign of the mean luma minus its 3 × 3 median on the grid, folds it
onto one tile (F) and correlates it with the sync pattern at every shift: ``z = <F, Q_shifted> / ||F||``.
For any video that does not carry the mark, z is a Rademacher sum over the key's random signs, so Hoeffding's inequality
bounds ``P(z ≥ t) ≤ exp(-t²/2)`` whatever the video; over the ``H`` (stretch, shift) hypotheses tried,
the false-alarm probability is at most ``H·exp(-z²/2)`` (:func:`false_alarm_bound`). A mark is reported
when that bound is ≤ ``FALSE_ALARM`` (1e-6).
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from thg.errors import InputError

GRID = 128                  # canonical grid cells per frame side
TILE = 64                   # side of one tile of the pattern (GRID is a multiple)
N_SYMBOLS = 4               # 12-bit symbols after the sync pattern: 48 payload bits
WORK = 256                  # the detector reads frames at WORK × WORK luma
PSNR_DB = 42.5              # strength: PSNR of the marked against the unmarked frame
MASK_FLOOR = 0.55           # amplitude in flat regions, relative to textured ones
#: amplitude of the sync pattern and of each symbol pattern (the sync decides detection, so it gets more)
WEIGHTS = np.array([2.0] + [1.0] * N_SYMBOLS, np.float32)
REFRESH = 8                 # the mask follows the frame's content every REFRESH frames
MARK = 0xA7                 # the 8 payload bits that say "thg, format 1"
DEFAULT_KEY = "thg-watermark-v1"
FALSE_ALARM = 1e-6          # the false-alarm probability a detection must stay under
#: kept fraction of each axis the detector tries (1 = uncropped; < 1 crop, > 1 padded), one grid cell apart
FRACTIONS = np.arange(round(0.74 * GRID), round(1.06 * GRID) + 1) / GRID


# --- payload ------------------------------------------------------------------------------------------
def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def new_id() -> int:
    """A random 32-bit id for one output (recorded in the watermark and in the C2PA manifest)."""
    return secrets.randbits(32)


def _symbols(output_id: int) -> list[int]:
    if not 0 <= output_id < 1 << 32:
        raise InputError(f"watermark id {output_id} is out of range; use 0 to 2**32 - 1")
    body = bytes([MARK]) + output_id.to_bytes(4, "big")
    word = int.from_bytes(body + bytes([_crc8(body)]), "big")         # 48 bits
    bits = 12
    return [(word >> (bits * (N_SYMBOLS - 1 - i))) & ((1 << bits) - 1) for i in range(N_SYMBOLS)]


def _unsymbols(symbols: list[int]) -> tuple[int | None, bool]:
    """(id, valid) from decoded symbols; valid means the thg mark and the CRC agree."""
    word = 0
    for s in symbols:
        word = (word << 12) | int(s)
    data = word.to_bytes(6, "big")
    valid = data[0] == MARK and _crc8(data[:5]) == data[5]
    return int.from_bytes(data[1:5], "big"), valid


# --- patterns -----------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _patterns(key: str) -> np.ndarray:
    """(1 + N_SYMBOLS, TILE, TILE) ±1 tiles: the sync pattern, then one per symbol."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 2, size=(1 + N_SYMBOLS, TILE, TILE)) * 2 - 1).astype(np.float32)


def _shift(symbol: int) -> tuple[int, int]:
    return divmod(symbol, TILE)  # (rows, columns)


def _tiled(tile: np.ndarray) -> np.ndarray:
    return np.tile(tile, (GRID // TILE, GRID // TILE))


# --- the detector's signal chain --------------------------------------------------------------------
def _fold(r: np.ndarray) -> np.ndarray:
    """Sum a (possibly partial) tiling onto one TILE × TILE tile."""
    h, w = r.shape
    ph, pw = -h % TILE, -w % TILE
    if ph or pw:
        r = np.pad(r, ((0, ph), (0, pw)))
    return r.reshape(r.shape[0] // TILE, TILE, r.shape[1] // TILE, TILE).sum(axis=(0, 2))


def _residual(y: np.ndarray) -> np.ndarray:
    """The sign of the grid luma minus its 3 × 3 median: the photo's shading and edges are predicted
    by the median, the blobs of the mark are not; the sign gives every cell one vote, so the flat
    cells, where the mark dominates, count as much as the busy ones, where the photo does."""
    return np.sign(y - cv2.medianBlur(y, 3))


def _luma(frame: np.ndarray) -> np.ndarray:
    """Float luma (BT.601, the weights H.264's conversions use) of an RGB uint8 frame."""
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)


# --- embedding ----------------------------------------------------------------------------------------
class InvisibleWatermark:
    """A frame filter that embeds the mark with ``output_id`` (for ``TalkingHeadPipeline(post=[...])``).

    One instance marks one output (its id) until :meth:`next_output`. The delta (pattern × perceptual mask) is recomputed every
    ``REFRESH`` frames; in between the same delta is added: two saturating adds per frame.
    """

    def __init__(self, output_id: int | None = None, *, key: str = DEFAULT_KEY, psnr_db: float = PSNR_DB) -> None:
        self.key, self.psnr_db = key, psnr_db
        self._fixed = output_id is not None
        self._start(new_id() if output_id is None else output_id)

    def _start(self, output_id: int) -> None:
        syms = _symbols(output_id)  # validates the id
        self.output_id = output_id
        pats = _patterns(self.key)
        self._tiles = [pats[0]] + [np.roll(p, _shift(s), axis=(0, 1)) for p, s in zip(pats[1:], syms)]
        self._grid = np.stack([_tiled(t) for t in self._tiles])        # (K, GRID, GRID)
        self._delta: tuple[np.ndarray, np.ndarray] | None = None
        self._count = 0

    def next_output(self) -> None:
        """Draw a fresh id for the next output (unless the id was given): a filter reused for many
        outputs still gives each its own."""
        if not self._fixed:
            self._start(new_id())

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        if self._delta is None or self._count % REFRESH == 0 or self._delta[0].shape != frame.shape:
            self._delta = self._split(self.delta(frame))
        self._count += 1
        plus, minus = self._delta
        return cv2.subtract(cv2.add(frame, plus), minus)

    def delta(self, frame: np.ndarray) -> np.ndarray:
        """The luma change (float, frame size) that marks ``frame``."""
        h, w = frame.shape[:2]
        yc = cv2.resize(_luma(frame), (GRID, GRID), interpolation=cv2.INTER_AREA)
        grid = self._mask(yc) * np.tensordot(WEIGHTS, self._grid, 1)
        up = cv2.resize(grid, (w, h), interpolation=cv2.INTER_LINEAR)
        rms = 255.0 / 10 ** (self.psnr_db / 20)
        return up * (rms / max(float(np.sqrt(np.mean(up * up))), 1e-6))

    @staticmethod
    def _mask(yc: np.ndarray) -> np.ndarray:
        detail = yc - cv2.medianBlur(yc, 3)  # texture; a median keeps edges, so edges count as flat
        act = np.sqrt(cv2.GaussianBlur(detail * detail, (0, 0), 2.0))
        ref = float(np.percentile(act, 75)) + 1e-6
        return np.clip(act / ref, MASK_FLOOR, 1.0).astype(np.float32)

    @staticmethod
    def _split(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = np.rint(delta)
        plus = np.clip(d, 0, 255).astype(np.uint8)
        minus = np.clip(-d, 0, 255).astype(np.uint8)
        return cv2.cvtColor(plus, cv2.COLOR_GRAY2RGB), cv2.cvtColor(minus, cv2.COLOR_GRAY2RGB)


def embed(frames: Iterable[np.ndarray], output_id: int | None = None, *, key: str = DEFAULT_KEY):
    """Mark a sequence of RGB uint8 frames (lazily); returns an iterator of marked frames."""
    mark = InvisibleWatermark(output_id, key=key)
    return (mark(f) for f in frames)


# --- detection ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Detection:
    found: bool               # the sync pattern is there (false-alarm bound ≤ FALSE_ALARM)
    z: float                  # normalised correlation of the sync pattern at the best hypothesis
    false_alarm: float        # bound on the probability that an unmarked video scores ≥ z
    output_id: int | None     # the decoded per-output id (None unless found and the payload checks)
    payload_valid: bool       # the decoded thg mark and CRC agree
    symbol_z: tuple[float, ...]
    kept: tuple[float, float]  # the (width, height) fraction of the original the video shows
    n_frames: int
    hypotheses: int

    def as_dict(self) -> dict:
        return {"found": self.found, "z": round(self.z, 2), "false_alarm": self.false_alarm,
                "id": f"{self.output_id:08x}" if self.output_id is not None else None,
                "payload_valid": self.payload_valid, "symbol_z": [round(z, 2) for z in self.symbol_z],
                "kept": [round(k, 3) for k in self.kept], "frames": self.n_frames, "hypotheses": self.hypotheses}


def n_hypotheses() -> int:
    return len(FRACTIONS) ** 2 * TILE * TILE


def false_alarm_bound(z: float, hypotheses: int | None = None) -> float:
    """Hoeffding bound on the chance that an unmarked video reaches ``z`` at one of ``hypotheses`` tries."""
    h = n_hypotheses() if hypotheses is None else hypotheses
    return min(1.0, h * math.exp(-0.5 * z * z))


def threshold(hypotheses: int | None = None, false_alarm: float = FALSE_ALARM) -> float:
    """The z at which :func:`false_alarm_bound` equals ``false_alarm``."""
    h = n_hypotheses() if hypotheses is None else hypotheses
    return math.sqrt(2 * math.log(h / false_alarm))


def _corr(folded: np.ndarray, tile: np.ndarray) -> np.ndarray:
    """Cyclic correlation c[d] = sum_j F[j + d] Q[j] over all 2-D shifts d."""
    return np.fft.irfft2(np.fft.rfft2(folded) * np.conj(np.fft.rfft2(tile)), s=folded.shape)


def _hypothesis(mean_luma: np.ndarray, fx: float, fy: float) -> np.ndarray:
    """The folded residual if the video shows the fraction (fx, fy) of the original frame."""
    size = (int(round(fx * GRID)), int(round(fy * GRID)))
    return _fold(_residual(cv2.resize(mean_luma, size, interpolation=cv2.INTER_AREA)))


def _search(work: np.ndarray, sync: np.ndarray) -> tuple[float, int, int, np.ndarray]:
    """The best (z, x index, y index, folded residual) over FRACTIONS², coarse to fine: every equal
    stretch first, then the neighbourhood of the best one. The max over this subset is at most the
    max over the whole grid, so the false-alarm bound with the whole grid's count stays valid."""
    spectrum = np.conj(np.fft.rfft2(sync))
    seen: dict[tuple[int, int], tuple[float, np.ndarray]] = {}

    def score(ix: int, iy: int) -> float:
        if (ix, iy) not in seen:
            folded = _hypothesis(work, FRACTIONS[ix], FRACTIONS[iy])
            c = np.fft.irfft2(np.fft.rfft2(folded) * spectrum, s=folded.shape)
            seen[ix, iy] = float(c.max()) / (float(np.linalg.norm(folded)) + 1e-9), folded
        return seen[ix, iy][0]

    n, r = len(FRACTIONS), 4
    i = max(range(n), key=lambda k: score(k, k))
    best = max(((x, y) for x in range(max(0, i - r), min(n, i + r + 1))
                for y in range(max(0, i - r), min(n, i + r + 1))), key=lambda xy: score(*xy))
    z, folded = seen[best]
    return z, best[0], best[1], folded


def detect_luma(mean_luma: np.ndarray, *, key: str = DEFAULT_KEY, n_frames: int = 1) -> Detection:
    """Detect the mark in the mean luma of a video's frames (any size; resized to WORK × WORK)."""
    work = cv2.resize(mean_luma.astype(np.float32), (WORK, WORK), interpolation=cv2.INTER_AREA)
    pats = _patterns(key)
    z, ix, iy, folded = _search(work, pats[0])
    fx, fy = FRACTIONS[ix], FRACTIONS[iy]
    norm = float(np.linalg.norm(folded)) + 1e-9
    sync = np.unravel_index(int(np.argmax(_corr(folded, pats[0]))), folded.shape)
    symbols: list[int] = []
    runners_up: list[int] = []
    symbol_z: list[float] = []
    margins: list[float] = []
    for p in pats[1:]:
        c = _corr(folded, p)
        first, second = np.argsort(c, axis=None)[::-1][:2]
        for k, out in ((first, symbols), (second, runners_up)):
            peak = np.unravel_index(int(k), c.shape)
            out.append(int(((peak[0] - sync[0]) % TILE) * TILE + (peak[1] - sync[1]) % TILE))
        symbol_z.append(float(c.flat[first]) / norm)
        margins.append(float(c.flat[first] - c.flat[second]))
    h = n_hypotheses()
    fa = false_alarm_bound(z, h)
    found = fa <= FALSE_ALARM
    output_id, valid = _repair(symbols, runners_up, margins)
    return Detection(found, z, fa, output_id if (found and valid) else None, found and valid,
                     tuple(symbol_z), (float(fx), float(fy)), n_frames, h)


def _repair(symbols: list[int], runners_up: list[int], margins: list[float]) -> tuple[int | None, bool]:
    """(id, valid) of the decoded symbols, or, if their check fails, of the first that passes with
    one symbol replaced by its runner-up peak, least certain symbol first: a short or heavily
    coded clip most often loses one symbol. The thg byte and the CRC are 16 check bits, so the at
    most N_SYMBOLS extra tries accept a wrong id with probability ≤ N_SYMBOLS · 2⁻¹⁶ (6e-5) when
    the payload is corrupted beyond one symbol."""
    decoded = _unsymbols(symbols)
    for i in np.argsort(margins):
        if decoded[1]:
            break
        tried = list(symbols)
        tried[i] = runners_up[i]
        if (fixed := _unsymbols(tried))[1]:
            decoded = fixed
    return decoded


def mean_luma(path: str | os.PathLike, *, max_frames: int | None = 1500) -> tuple[np.ndarray, int]:
    """The average luma of a video's frames at WORK × WORK, and how many frames went in."""
    from thg.io.video import read_video_frames

    total, n = np.zeros((WORK, WORK), np.float64), 0
    for frame in read_video_frames(path, size=(WORK, WORK)):
        total += _luma(frame)
        n += 1
        if max_frames and n >= max_frames:
            break
    if n == 0:
        raise InputError(f"{path}: no frames could be decoded; check that it is a playable video")
    return (total / n).astype(np.float32), n


def detect(path: str | os.PathLike, *, key: str = DEFAULT_KEY, max_frames: int | None = 1500) -> Detection:
    """Look for the thg watermark in a video file (reads up to ``max_frames`` frames)."""
    luma, n = mean_luma(path, max_frames=max_frames)
    return detect_luma(luma, key=key, n_frames=n)
