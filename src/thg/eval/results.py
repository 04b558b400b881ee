"""Typed results of an evaluation: what results.json and comparison.json hold, as dataclasses.

``thg eval`` writes results.json; the report, ``thg eval compare`` and the console summary read it.
They share these types instead of nested dicts read by string keys:

- :class:`Results`: the whole file: per-video records (:class:`VideoRecord`), per-metric results
  (:class:`MetricResults`, with its :class:`Summary`, per-condition breakdowns and, for set-level
  metrics such as FID, the pooled set value) and the reproducibility block (:class:`Reproducibility`:
  :class:`Environment`, :class:`RunSettings`, :class:`Statistics`, conventions, input hashes);
- :class:`Summary` (aggregates of one metric over videos) and :class:`PairedComparison` (method A
  against method B), made by :mod:`thg.eval.stats` and re-exported there;
- :class:`Comparison`: what ``thg eval compare`` writes to comparison.json;
- :class:`Interval`: a confidence interval (low, high), shared with the MOS analysis
  (:mod:`thg.eval.mos`), whose intervals are of the same shape and are written the same way.

Every type has ``from_json(dict)`` and ``to_json() -> dict``. ``to_json`` gives the file's dict
with its keys in the order they are written, so ``json.dumps(Results.from_json(d).to_json(),
indent=2)`` is byte for byte the file ``d`` came from. In the JSON a value that could not be
computed is ``null``; in these types it is ``nan`` (a float, so arithmetic and formatting need no
special case). ``from_json`` fills keys that an older file lacks with their defaults.

A leaf module: it imports nothing from ``thg.eval`` but :mod:`thg.eval.records` (itself a leaf), so
the runner, the report, the statistics and the MOS tools can all use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from thg.eval.records import as_float, jsonable

SCHEMA = "thg-eval-results/1"

NAN = math.nan


def _floats(d: Mapping[str, Any] | None) -> dict[str, float]:
    return {str(k): as_float(v) for k, v in (d or {}).items()}


class Interval(NamedTuple):
    """A confidence interval; ``nan`` ends when it cannot be computed (e.g. fewer than two values)."""

    low: float
    high: float

    @classmethod
    def from_json(cls, value: Any) -> Interval:
        low, high = value if value is not None else (None, None)
        return cls(as_float(low), as_float(high))

    def to_json(self) -> list:
        return jsonable([self.low, self.high])


NO_INTERVAL = Interval(NAN, NAN)


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Summary:
    """Aggregates of one metric over videos (NaN values are counted in ``n_missing`` and left out)."""

    n: int
    n_missing: int
    mean: float
    std: float
    median: float
    q1: float
    q3: float
    iqr: float
    min: float
    max: float
    mean_ci: Interval
    median_ci: Interval
    confidence: float
    n_boot: int
    seed: int

    def to_dict(self) -> dict:
        """The fields as a dict (CIs as lists; NaN kept): see :meth:`to_json` for the file's form."""
        d = asdict(self)
        d["mean_ci"], d["median_ci"] = list(self.mean_ci), list(self.median_ci)
        return d

    def to_json(self) -> dict:
        return jsonable(self.to_dict())

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Summary:
        return cls(n=int(d.get("n") or 0), n_missing=int(d.get("n_missing") or 0),
                   mean=as_float(d.get("mean")), std=as_float(d.get("std")), median=as_float(d.get("median")),
                   q1=as_float(d.get("q1")), q3=as_float(d.get("q3")), iqr=as_float(d.get("iqr")),
                   min=as_float(d.get("min")), max=as_float(d.get("max")),
                   mean_ci=Interval.from_json(d.get("mean_ci")), median_ci=Interval.from_json(d.get("median_ci")),
                   confidence=d.get("confidence", 0.95), n_boot=d.get("n_boot", 0), seed=d.get("seed", 0))


@dataclass(frozen=True)
class PairedComparison:
    """Method A against method B on the same clips; differences are A - B."""

    metric: str
    n_pairs: int            # pairs where both values are finite
    n_ties: int             # pairs with zero difference (dropped by the test)
    median_a: float
    median_b: float
    median_diff: float
    mean_diff: float
    diff_ci: Interval       # bootstrap CI of the median difference
    statistic: float        # Wilcoxon W = min(R+, R-)
    p_value: float
    effect_size: float      # matched-pairs rank-biserial r, sign as A - B
    better: str             # "a", "b" or "none" (p >= alpha or no pairs), given higher_is_better
    alpha: float
    higher_is_better: bool
    min_p: float = math.nan  # the smallest p any outcome could give with these pairs (exact test: 2 / 2^n)
    note: str = ""           # why no difference can be significant here, if so
    test: str = "Wilcoxon signed-rank, two-sided, zero differences dropped (zero_method='wilcox')"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["diff_ci"] = list(self.diff_ci)
        return d

    def to_json(self) -> dict:
        return jsonable(self.to_dict())

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> PairedComparison:
        floats = ("median_a", "median_b", "median_diff", "mean_diff", "statistic", "p_value", "effect_size", "min_p")
        kwargs = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        kwargs.update({k: as_float(d.get(k)) for k in floats})
        kwargs["diff_ci"] = Interval.from_json(d.get("diff_ci"))
        return cls(**kwargs)


# --------------------------------------------------------------------------- settings and reproducibility


@dataclass(frozen=True)
class RunSettings:
    """What a run was started with (run.json, and the reproducibility block of results.json)."""

    metrics: tuple[str, ...]
    weights_dir: str | None = None
    params: dict | None = None
    chunk: int = 32

    def to_dict(self) -> dict:
        return jsonable({"metrics": list(self.metrics), "weights_dir": self.weights_dir,
                         "params": self.params or {}, "chunk": self.chunk})

    to_json = to_dict

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RunSettings:
        return cls(metrics=tuple(d.get("metrics", ())), weights_dir=d.get("weights_dir"),
                   params=dict(d["params"]) if d.get("params") else None, chunk=d.get("chunk", 32))


@dataclass(frozen=True)
class Environment:
    """Python, the packages that make the numbers (name -> version, None if absent) and ffmpeg."""

    python: str = ""
    platform: str = ""
    packages: dict[str, str | None] = field(default_factory=dict)
    ffmpeg: str | None = None

    def to_json(self) -> dict:
        return {"python": self.python, "platform": self.platform, "packages": dict(self.packages),
                "ffmpeg": self.ffmpeg}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Environment:
        return cls(python=d.get("python", ""), platform=d.get("platform", ""),
                   packages=dict(d.get("packages") or {}), ffmpeg=d.get("ffmpeg"))


@dataclass(frozen=True)
class Statistics:
    """How the per-video values were aggregated (stated in the report)."""

    confidence: float = 0.95
    bootstrap_resamples: int = 10_000
    bootstrap_seed: int = 0
    bootstrap: str = "percentile"
    quantiles: str = "linear interpolation (numpy default)"
    std: str = "sample (ddof=1)"
    aggregation: str = "per-video values; NaN (not computable) left out and counted as n_missing"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Statistics:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Reproducibility:
    """Everything needed to make the same numbers again."""

    command: str | None
    engine: dict | None
    environment: Environment
    settings: RunSettings
    statistics: Statistics
    conventions: dict[str, dict] = field(default_factory=dict)          # metric -> its convention
    input_sha256: dict[str, dict[str, str]] = field(default_factory=dict)  # video -> input -> SHA-256

    def to_json(self) -> dict:
        return jsonable({"command": self.command, "engine": self.engine, "environment": self.environment.to_json(),
                         "settings": self.settings.to_json(), "statistics": self.statistics.to_json(),
                         "conventions": self.conventions, "input_sha256": self.input_sha256})

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Reproducibility:
        return cls(command=d.get("command"), engine=d.get("engine"),
                   environment=Environment.from_json(d.get("environment") or {}),
                   settings=RunSettings.from_json(d.get("settings") or {}),
                   statistics=Statistics.from_json(d.get("statistics") or {}),
                   conventions=dict(d.get("conventions") or {}), input_sha256=dict(d.get("input_sha256") or {}))


# --------------------------------------------------------------------------- videos and metrics


@dataclass(frozen=True)
class VideoRecord:
    """One video of the run: its inputs, whether it was evaluated, the error that stopped it."""

    pred: str | None = None
    ref: str | None = None
    audio: str | None = None
    source: str | None = None
    status: str | None = None      # "ok" or "error"
    error: str | None = None
    seconds: float | None = None

    def to_json(self) -> dict:
        return jsonable({k: v for k, v in asdict(self).items() if v is not None})

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> VideoRecord:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class MetricResults:
    """One metric over the run: its description, per-video values, summary and (set-level metrics) set value.

    ``per_video`` and ``coverage`` map video -> value (``nan``: not computable there); ``notes``
    holds the videos with notes. ``set_value``, ``set_convention`` and ``set_notes`` belong to
    set-level metrics (``scope == "set"``, e.g. FID) and are written only for them; ``breakdowns``
    (column -> group -> :class:`Summary`) is ``None`` when no metadata was given; ``conventions``
    lists every convention seen when videos differ in it (``None`` otherwise).
    """

    family: str
    higher_is_better: bool
    scope: str                                   # "video" or "set"
    summary: Summary
    needs: tuple[str, ...] = ()
    score_range: tuple[float | None, float | None] = (None, None)   # None: unbounded on that side
    description: str = ""
    weights: tuple[str, ...] = ()
    per_video: dict[str, float] = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    convention: dict = field(default_factory=dict)
    conventions_differ: bool = False
    mean_coverage: float = NAN
    conventions: tuple[dict, ...] | None = None
    set_value: float = NAN
    set_convention: dict = field(default_factory=dict)
    set_notes: tuple[str, ...] = ()
    breakdowns: dict[str, dict[str, Summary]] | None = None

    @property
    def is_set(self) -> bool:
        return self.scope == "set"

    @property
    def headline(self) -> float:
        """The value a table shows: the set value of a set-level metric, else the median over videos."""
        return self.set_value if self.is_set else self.summary.median

    @property
    def computed(self) -> bool:
        """Whether the metric has a value: a set value, or a value on at least one video."""
        return math.isfinite(self.set_value) if self.is_set else self.summary.n > 0

    def all_notes(self) -> list[str]:
        """Every video's notes, then the set-level notes."""
        return [n for v in self.notes.values() for n in v] + list(self.set_notes)

    def to_json(self) -> dict:
        d: dict[str, Any] = {
            "family": self.family, "higher_is_better": self.higher_is_better, "scope": self.scope,
            "needs": list(self.needs), "score_range": list(self.score_range), "description": self.description,
            "weights": list(self.weights), "per_video": dict(self.per_video), "coverage": dict(self.coverage),
            "notes": {k: list(v) for k, v in self.notes.items()}, "convention": self.convention,
            "conventions_differ": self.conventions_differ, "summary": self.summary.to_dict(),
            "mean_coverage": self.mean_coverage}
        if self.conventions is not None:
            d["conventions"] = list(self.conventions)
        if self.is_set:
            d.update(set_value=self.set_value, set_convention=self.set_convention, set_notes=list(self.set_notes))
        if self.breakdowns is not None:
            d["breakdowns"] = {c: {g: s.to_dict() for g, s in groups.items()} for c, groups in self.breakdowns.items()}
        return jsonable(d)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> MetricResults:
        lo, hi = d.get("score_range") or (None, None)
        conventions = d.get("conventions")
        breakdowns = d.get("breakdowns")
        return cls(
            family=d.get("family", ""), higher_is_better=bool(d.get("higher_is_better", True)),
            scope=d.get("scope", "video"), summary=Summary.from_json(d.get("summary") or {}),
            needs=tuple(d.get("needs") or ()), score_range=(lo, hi), description=d.get("description", ""),
            weights=tuple(d.get("weights") or ()), per_video=_floats(d.get("per_video")),
            coverage=_floats(d.get("coverage")),
            notes={k: tuple(v) for k, v in (d.get("notes") or {}).items()}, convention=d.get("convention") or {},
            conventions_differ=bool(d.get("conventions_differ", False)),
            mean_coverage=as_float(d.get("mean_coverage")),
            conventions=None if conventions is None else tuple(conventions),
            set_value=as_float(d.get("set_value")), set_convention=d.get("set_convention") or {},
            set_notes=tuple(d.get("set_notes") or ()),
            breakdowns=None if breakdowns is None else
            {c: {g: Summary.from_json(s) for g, s in groups.items()} for c, groups in breakdowns.items()})


@dataclass(frozen=True)
class Results:
    """A run's results.json: videos, failures, name matching, per-metric results, reproducibility."""

    method: str | None
    created: str
    n_videos: int
    n_ok: int
    videos: dict[str, VideoRecord]
    failed: dict[str, str | None]                 # video -> its error
    matching: dict[str, list[str]]                # e.g. unmatched_pred -> names
    metrics: dict[str, MetricResults]
    reproducibility: Reproducibility
    schema: str = SCHEMA

    def to_json(self) -> dict:
        return jsonable({
            "schema": self.schema, "method": self.method, "created": self.created,
            "n_videos": self.n_videos, "n_ok": self.n_ok,
            "videos": {k: v.to_json() for k, v in self.videos.items()},
            "failed": dict(self.failed), "matching": dict(self.matching),
            "metrics": {k: m.to_json() for k, m in self.metrics.items()},
            "reproducibility": self.reproducibility.to_json()})

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Results:
        return cls(schema=d.get("schema", SCHEMA), method=d.get("method"), created=d.get("created", ""),
                   n_videos=int(d.get("n_videos") or 0), n_ok=int(d.get("n_ok") or 0),
                   videos={k: VideoRecord.from_json(v) for k, v in (d.get("videos") or {}).items()},
                   failed=dict(d.get("failed") or {}), matching=dict(d.get("matching") or {}),
                   metrics={k: MetricResults.from_json(m) for k, m in (d.get("metrics") or {}).items()},
                   reproducibility=Reproducibility.from_json(d.get("reproducibility") or {}))

    @classmethod
    def coerce(cls, results: Results | Mapping[str, Any]) -> Results:
        """``results`` as :class:`Results` (a dict as read from results.json is converted)."""
        return results if isinstance(results, Results) else cls.from_json(results)


@dataclass(frozen=True)
class Comparison:
    """``thg eval compare``: the paired comparison of two results files, per shared per-video metric."""

    a: str
    b: str
    alpha: float
    metrics: tuple[PairedComparison, ...]

    def to_json(self) -> dict:
        return jsonable({"a": self.a, "b": self.b, "alpha": self.alpha, "metrics": [m.to_dict() for m in self.metrics]})

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Comparison:
        return cls(a=d["a"], b=d["b"], alpha=d["alpha"],
                   metrics=tuple(PairedComparison.from_json(m) for m in d.get("metrics", ())))


__all__ = ["SCHEMA", "Interval", "NO_INTERVAL", "Summary", "PairedComparison", "RunSettings", "Environment",
           "Statistics", "Reproducibility", "VideoRecord", "MetricResults", "Results", "Comparison"]
