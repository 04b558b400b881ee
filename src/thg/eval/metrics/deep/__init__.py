"""Metrics that need pretrained networks (PyTorch and a weights file)."""

DEEP_METRICS: dict[str, str] = {}
