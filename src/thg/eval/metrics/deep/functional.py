"""Functional forms of the deep metrics: one call on whole arrays, same conventions as the classes.

>>> from thg.eval.metrics.deep import functional as D
>>> D.lse(frames, audio, weights_dir="weights")          # {"lse_c": ..., "lse_d": ..., "av_offset": ...}
>>> D.lpips(pred, ref, weights_dir="weights")            # per-frame distances

Frames are T×H×W×3 uint8 RGB, audio 16 kHz mono float32. Each function returns plain numbers;
use the metric classes (``thg.eval.registry.create_metric``) for the full :class:`MetricResult`.
"""

from __future__ import annotations

import numpy as np

from thg.eval.metrics.deep.frechet import frechet_distance
from thg.eval.metrics.deep.lse import sync_scores
from thg.eval.metrics.deep.mfcc import mfcc


def _run(name: str, pred, ref=None, *, fps: float = 25.0, audio=None, source=None, **params):
    from thg.eval.registry import create_metric

    metric = create_metric(name, **params)
    metric.set_context(fps=fps, audio=audio, source=source)
    metric.update(np.asarray(pred), None if ref is None else np.asarray(ref))
    return metric.compute()


def lse(frames, audio, *, fps: float = 25.0, variant: str = "face", weights_dir=None, **params) -> dict:
    """LSE-C, LSE-D and AV offset (syncnet_python); ``variant`` "face" (crop) or "frame" (whole frame)."""
    name = {"face": "lse-c", "frame": "lse-c-frame"}[variant]
    r = _run(name, frames, fps=fps, audio=audio, weights_dir=weights_dir, **params)
    return {"lse_c": r.extra.get("lse_c", float("nan")), "lse_d": r.extra.get("lse_d", float("nan")),
            "av_offset": r.extra.get("av_offset", float("nan"))}


def lpips(pred, ref, *, weights_dir=None) -> np.ndarray:
    """Per-frame LPIPS v0.1 AlexNet distances."""
    return _run("lpips", pred, ref, weights_dir=weights_dir).per_frame


def fid(pred, ref, *, weights_dir=None, resize: str = "bilinear", frechet: str = "sqrtm") -> float:
    """FID of the frames ``pred`` against the frames ``ref`` (each pooled as one set)."""
    return _run("fid", pred, ref, weights_dir=weights_dir, resize=resize, frechet=frechet).value


def fvd(pred_videos, ref_videos, *, weights_dir=None, clips: str = "all") -> float:
    """FVD of a list of predicted videos against a list of reference videos (matched in order)."""
    from thg.eval.registry import create_metric

    metric = create_metric("fvd", weights_dir=weights_dir, clips=clips)
    for p, r in zip(pred_videos, ref_videos):
        metric.set_context(fps=25.0)
        metric.update(np.asarray(p), np.asarray(r))
    return metric.compute().value


def csim(source, frames, *, weights_dir=None, stride: int = 1) -> np.ndarray:
    """Per-frame ArcFace cosine similarity to the source portrait (NaN where no face)."""
    return _run("csim", frames, source=np.asarray(source), weights_dir=weights_dir, stride=stride).per_frame


def emotion_acc(frames, emotion: str, *, weights_dir=None, weights_file: str = "emonet_8.pth") -> float:
    """Fraction of frames EmoNet classifies as ``emotion``."""
    return _run("emotion-acc", frames, weights_dir=weights_dir, emotion=emotion, weights_file=weights_file).value


def fdd(pred, ref, *, mesh: str = "static") -> float:
    """|FDD| (CodeTalker's upper-face dynamics deviation) on the face mesh."""
    return _run("fdd", pred, ref, mesh=mesh).value


__all__ = ["csim", "emotion_acc", "fdd", "fid", "frechet_distance", "fvd", "lpips", "lse", "mfcc", "sync_scores"]
