"""Where pretrained weight files come from.

Metrics that need a network load the standard public checkpoint file from a weights folder: the
``weights_dir`` argument (``--weights-dir`` on the command line), else the ``THG_WEIGHTS_DIR``
environment variable. Nothing is ever downloaded; a missing file raises a one-line
:class:`~thg.errors.BackendMissingError` naming the file, the metric and where it is published.
"""

from __future__ import annotations

import os
from pathlib import Path

from thg.errors import BackendMissingError

ENV_VAR = "THG_WEIGHTS_DIR"
TORCH_PIN = "torch==2.13.0"


def weights_dir_from(weights_dir: str | os.PathLike | None = None) -> Path | None:
    """The weights folder in use: the argument, else ``$THG_WEIGHTS_DIR``, else None."""
    if weights_dir:
        return Path(weights_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else None


def weights_path(filename: str, metric: str, url: str,
                 weights_dir: str | os.PathLike | None = None) -> Path:
    """Path of ``filename`` in the weights folder; one-line BackendMissingError if it is not there.

    ``filename`` may contain sub-folders (e.g. ``"ms1mv3_arcface_r100_fp16/backbone.pth"``); the
    bare file name directly in the folder is accepted too.
    """
    folder = weights_dir_from(weights_dir)
    if folder is None:
        raise BackendMissingError(
            f"metric {metric!r} needs the weights file {filename!r}, but no weights folder is set; "
            f"download it from {url} and pass --weights-dir DIR (or set {ENV_VAR})")
    candidates = [folder / filename, folder / Path(filename).name]
    for path in candidates:
        if path.is_file():
            return path
    raise BackendMissingError(
        f"metric {metric!r} needs the weights file {filename!r}, not found in {folder}; "
        f"download it from {url} into that folder (or point --weights-dir / {ENV_VAR} elsewhere)")


def require_torch(metric: str):
    """Import torch for ``metric``, or raise a one-line BackendMissingError saying what to install."""
    try:
        import torch
    except ImportError:
        raise BackendMissingError(
            f"metric {metric!r} needs PyTorch, which is not installed; run `pip install {TORCH_PIN}` "
            f"(or `pip install thg[torch]`)") from None
    return torch


__all__ = ["ENV_VAR", "require_torch", "weights_dir_from", "weights_path"]
