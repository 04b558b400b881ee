"""The metric contract every evaluation metric follows.

A metric streams: :meth:`Metric.update` takes chunks of frames (so memory stays flat in video
length), :meth:`Metric.compute` returns a :class:`MetricResult` that records the convention and
every parameter used. Metrics pooled over a whole set (FID, FVD) keep array state that
:meth:`Metric.state` exports and :meth:`Metric.merge` combines across videos and workers.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from thg.errors import UsageError

if TYPE_CHECKING:
    from typing_extensions import Self

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


#: context every metric takes besides its declared parameters (not recorded as a parameter)
CONTEXT_KEYS = ("weights_dir",)


@dataclass(frozen=True)
class Param:
    """One parameter a metric takes: its name, type, default and the values allowed."""

    name: str
    kind: type                       # int, float, bool or str
    default: object = None
    low: float | None = None         # inclusive bounds of int / float values
    high: float | None = None
    choices: tuple[str, ...] = ()    # allowed values of a str parameter (empty: any text, e.g. a path)
    help: str = ""

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        what = {int: "an integer", float: "a number", bool: "true or false", str: "text"}[self.kind]
        if self.low is not None and self.high is not None:
            return f"{what} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{what} ≥ {self.low:g}"
        return what

    def check(self, metric: str, value):
        """The value as this parameter's type, or a UsageError that says what is allowed."""
        ok: Any = value
        if self.kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            ok = float(value)
        elif self.kind is int and isinstance(value, float) and value.is_integer():
            ok = int(value)
        if value is None and self.default is None:
            return None
        fits = isinstance(ok, self.kind) and not (self.kind is int and isinstance(ok, bool))
        if not fits:
            raise UsageError(f"--param {metric}.{self.name}={value!r}: expected {self.describe()}")
        if (self.choices and ok not in self.choices) or (self.low is not None and ok < self.low) or \
                (self.high is not None and ok > self.high):
            raise UsageError(f"--param {metric}.{self.name}={value!r}: expected {self.describe()}")
        return ok


def check_params(metric: str, declared: tuple[Param, ...], params: dict) -> dict:
    """``params`` checked against the declared parameters: unknown names and bad values are a
    UsageError ("did you mean"); returns the values converted to their declared types."""
    table = {p.name: p for p in declared}
    out = {}
    for key, value in params.items():
        if key in CONTEXT_KEYS:
            out[key] = value
            continue
        if key not in table:
            close = difflib.get_close_matches(key, list(table), n=3, cutoff=0.5)
            hint = (f"; did you mean {' or '.join(close)}?" if close else "") + \
                (f" ({metric} takes {', '.join(table)})" if table else f" ({metric} takes no parameters)")
            raise UsageError(f"--param {metric}.{key}: {metric} has no parameter {key!r}{hint}")
        out[key] = table[key].check(metric, value)
    return out


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

    info: MetricInfo        # set on the class; an instance may refine it (e.g. what it needs)
    #: every parameter the metric takes; anything else is refused by :func:`check_params`
    PARAMS: ClassVar[tuple[Param, ...]] = ()

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
        type(self).__init__(self, **self.params)

    def state(self) -> dict[str, np.ndarray]:
        """Array state for set-level pooling and resuming (saved as .npz by the runner)."""
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        pass

    def merge(self, other: Self) -> None:
        """Fold another instance's state into this one (for scope "set")."""
        raise NotImplementedError(f"{self.info.name} does not pool across videos")
