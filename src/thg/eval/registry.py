"""Find metrics by name: ``create_metric("ssim")``, ``list_metrics()``.

Each metric module is imported only when its metric is created, so a missing optional backend
breaks only the metrics that need it. A lookup miss answers with the closest names.
"""

from __future__ import annotations

import difflib
import importlib

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo
from thg.eval.metrics import METRICS

#: the standard suite (survey section 3.4) run by ``--metrics suite``
SUITE: tuple[str, ...] = ("psnr", "ssim", "ms-ssim", "l1")


def _resolve(name: str) -> type[Metric]:
    key = name.strip().lower()
    if key not in METRICS:
        close = difflib.get_close_matches(key, list(METRICS), n=4, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `thg eval list` shows all metrics"
        raise InputError(f"unknown metric {name!r}{hint}")
    module, attr = METRICS[key].split(":")
    return getattr(importlib.import_module(module), attr)


def create_metric(name: str, **params) -> Metric:
    return _resolve(name)(**params)


def metric_info(name: str) -> MetricInfo:
    return _resolve(name).info


def list_metrics() -> list[MetricInfo]:
    return [metric_info(name) for name in sorted(METRICS)]
