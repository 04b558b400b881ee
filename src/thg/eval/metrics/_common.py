"""Shared machinery of the weights-free metrics: per-frame accumulation."""

from __future__ import annotations

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricResult, Param

MESH_MODES = ("static", "tracking")
#: the face-mesh mode parameter every mesh-based metric takes
MESH_PARAM = Param("mesh", str, "static", choices=MESH_MODES, help="static (each frame alone) or tracking")
BATCH = lambda default: Param("batch", int, default, low=1, high=4096, help="frames or windows per network call")
STRIDE = Param("stride", int, 1, low=1, high=10_000, help="use every stride-th frame")


def check_frames(frames: np.ndarray, what: str) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise InputError(f"{what}: expected T×H×W×3 RGB frames, got an array of shape {frames.shape}")
    return frames


def check_pair(info, pred: np.ndarray, ref: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a chunk of predicted frames and, when the metric needs one, the matching reference."""
    pred = check_frames(pred, "pred")
    if "ref" not in info.needs:
        return pred, None
    if ref is None:
        raise InputError(f"metric {info.name!r} needs reference frames; pass ref")
    ref = check_frames(ref, "ref")
    if ref.shape != pred.shape:
        raise InputError(f"metric {info.name!r}: pred frames {pred.shape[1:3]} and ref frames "
                         f"{ref.shape[1:3]} differ in size or count; resize ref to pred first")
    return pred, ref


class PerFrameMetric(Metric):
    """A metric with one value per frame, aggregated by the mean over frames.

    Subclasses implement :meth:`frame_value` (and :meth:`convention`); NaN frame values (e.g. no
    face) are left out of the mean and lower the coverage.
    """

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._values: list[float] = []

    def frame_value(self, pred: np.ndarray, ref: np.ndarray | None) -> float:
        raise NotImplementedError

    def chunk_values(self, pred: np.ndarray, ref: np.ndarray | None) -> np.ndarray:
        """Values of a T×H×W×3 chunk; override to vectorise over frames."""
        return np.array([self.frame_value(pred[i], None if ref is None else ref[i]) for i in range(len(pred))])

    def convention(self) -> dict:
        return {}

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        pred, ref = check_pair(self.info, pred, ref)
        if len(pred):
            self._values.extend(float(v) for v in self.chunk_values(pred, ref))

    def compute(self) -> MetricResult:
        v = np.asarray(self._values, dtype=np.float64)
        ok = np.isfinite(v)
        value = float(v[ok].mean()) if ok.any() else float("nan")
        notes = [] if len(v) else ["no frames"]
        conv = {"aggregate": "mean of per-frame values", **self.convention()}
        return MetricResult(self.info.name, value, per_frame=v, convention=conv,
                            coverage=float(ok.mean()) if len(v) else 0.0, notes=notes)

    def state(self) -> dict[str, np.ndarray]:
        return {"values": np.asarray(self._values, dtype=np.float64)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self._values = list(np.asarray(state["values"], dtype=np.float64))
