"""Metric name -> "module:Class". Each family module keeps its own table; they are merged here."""

from thg.eval.metrics.deep import DEEP_METRICS

CLASSIC_METRICS: dict[str, str] = {}

METRICS: dict[str, str] = {**CLASSIC_METRICS, **DEEP_METRICS}
