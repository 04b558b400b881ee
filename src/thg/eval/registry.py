"""Find metrics by name: ``create_metric("ssim")``, ``list_metrics()``.

Each metric module is imported only when its metric is created, so a missing optional backend
breaks only the metrics that need it. A lookup miss answers with the closest names.
"""

from __future__ import annotations

import difflib
import importlib

from thg.errors import InputError, UsageError
from thg.eval.base import Metric, MetricInfo, check_params
from thg.eval.metrics import METRICS

#: the standard suite (survey section 3.4 and appendix D, all five families) run by ``--metrics suite``;
#: names not registered (e.g. a deep metric not installed) are skipped. FPS is not in it: it times a
#: generator, not a video file.
SUITE: tuple[str, ...] = (
    # visual quality
    "psnr", "ssim", "ms-ssim", "l1", "lpips", "fid", "fvd", "cpbd", "niqe", "brisque", "mouth-sharpness",
    # audio-visual sync
    "lse-c", "lse-d", "av-offset", "mouth-sync", "mouth-av-offset", "mouth-open-in-silence",
    # geometry and landmarks
    "lmd-mouth", "lmd-face", "f-lmd", "mve", "prmse",
    # expression naturalness
    "aed", "smoothness-landmark", "smoothness-pixel", "blink-rate", "head-motion", "diversity", "emotion-acc", "landmark-jitter",
    # driving alignment and identity
    "akd", "apd", "ard", "fdd", "csim", "csim-dlib",
)


def suite_names() -> list[str]:
    """The registered metrics of :data:`SUITE`, in order."""
    return [name for name in SUITE if name in METRICS]


def _resolve(name: str) -> type[Metric]:
    key = name.strip().lower()
    if key not in METRICS:
        close = difflib.get_close_matches(key, list(METRICS), n=4, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `thg eval list` shows all metrics"
        raise InputError(f"unknown metric {name!r}{hint}")
    module, attr = METRICS[key].split(":")
    return getattr(importlib.import_module(module), attr)


def create_metric(name: str, **params) -> Metric:
    """The metric ``name`` with ``params`` checked against its declared :attr:`Metric.PARAMS`."""
    cls = _resolve(name)
    return cls(**check_params(cls.info.name, cls.PARAMS, params))


def check_param_table(params: dict[str, dict] | None, names: list[str]) -> dict[str, dict]:
    """Check ``{metric: {param: value}}`` for a run of the metrics ``names`` before anything runs:
    a metric not in the run, an unknown parameter or a bad value is a UsageError."""
    checked: dict[str, dict] = {}
    for metric, values in (params or {}).items():
        key = metric.strip().lower()
        if key not in names:
            close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(close)}?" if close else "; add it to --metrics"
            raise UsageError(f"--param {metric}.*: metric {metric!r} is not in this run{hint}")
        cls = _resolve(key)
        checked[key] = check_params(key, cls.PARAMS, dict(values))
    return checked


def metric_info(name: str) -> MetricInfo:
    return _resolve(name).info


def list_metrics() -> list[MetricInfo]:
    return [metric_info(name) for name in sorted(METRICS)]
