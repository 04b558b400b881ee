"""The metric contract every evaluation metric follows.

A metric streams: :meth:`Metric.update` takes chunks of frames (so memory stays flat in video
length), :meth:`Metric.compute` returns a :class:`MetricResult` that records the convention and
every parameter used. Metrics pooled over a whole set (FID, FVD) keep array state that
:meth:`Metric.state` exports and :meth:`Metric.merge` combines across videos and workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

FAMILIES = ("visual", "sync", "geometry", "expression", "driving")
NEEDS = ("ref", "audio", "source", "weights")


@dataclass(frozen=True)
class MetricInfo:
    """What a metric is: found by ``name`` in the registry."""

    name: str                       # registry key, lower-case, e.g. "psnr", "lse-c", "lmd-mouth"
    family: str                     # one of FAMILIES
    higher_is_better: bool
    needs: frozenset[str]           # subset of NEEDS
    score_range: tuple[float, float]
    description: str
    scope: str = "video"            # "video": one value per video; "set": pooled over all videos (FID, FVD)
    weights: tuple[str, ...] = ()   # weight file names it loads from the weights folder


@dataclass
class MetricResult:
    name: str
    value: float                               # per-video value (set value for scope "set"); nan if not computable
    per_frame: np.ndarray | None = None        # per-frame values where the metric has them
    convention: dict = field(default_factory=dict)  # every parameter that made the number
    coverage: float = 1.0                      # fraction of frames that could be used (e.g. with a face)
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # secondary numbers (e.g. AV offset next to LSE-C)


class Metric:
    """Base class. Subclasses set ``info`` and implement ``update``, ``compute`` and, when they keep
    array state pooled across videos, ``state`` / ``load_state`` / ``merge``."""

    info: ClassVar[MetricInfo]

    def __init__(self, **params) -> None:
        self.params = params
        self.fps = 25.0
        self.audio: np.ndarray | None = None     # 16 kHz mono float32
        self.source: np.ndarray | None = None    # H×W×3 uint8 source portrait
        self.weights_dir = params.get("weights_dir")

    def set_context(self, *, fps: float = 25.0, audio: np.ndarray | None = None,
                    source: np.ndarray | None = None) -> None:
        """Per-video side inputs, given before the first ``update``."""
        self.fps, self.audio, self.source = fps, audio, source

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        """Consume a chunk of T×H×W×3 uint8 frames (and the matching reference frames)."""
        raise NotImplementedError

    def compute(self) -> MetricResult:
        raise NotImplementedError

    def reset(self) -> None:
        self.__init__(**self.params)

    def state(self) -> dict[str, np.ndarray]:
        """Array state for set-level pooling and resuming (saved as .npz by the runner)."""
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        pass

    def merge(self, other: "Metric") -> None:
        """Fold another instance's state into this one (for scope "set")."""
        raise NotImplementedError(f"{self.info.name} does not pool across videos")
