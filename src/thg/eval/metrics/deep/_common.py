"""Shared plumbing of the deep metrics: where each weights file is published, cached loading."""

from __future__ import annotations

import threading
from pathlib import Path

from thg.eval.weights import require_torch, weights_path

#: weights file -> where it is published
PUBLISHED = {
    "syncnet_v2.model": "http://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model",
    "alex.pth": "https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/v0.1/alex.pth",
    "alexnet-owt-7be5be79.pth": "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    "pt_inception-2015-12-05-6726825d.pth":
        "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
    "i3d_torchscript.pt": "https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt (StyleGAN-V's FVD detector)",
    "emonet_8.pth": "https://github.com/face-analysis/emonet (pretrained/emonet_8.pth)",
    "emonet_5.pth": "https://github.com/face-analysis/emonet (pretrained/emonet_5.pth)",
    "ms1mv3_arcface_r100_fp16/backbone.pth":
        "the insightface arcface_torch model zoo (github.com/deepinsight/insightface, recognition/arcface_torch, "
        "ms1mv3_arcface_r100_fp16)",
}

_CACHE: dict[tuple[str, str], object] = {}
_LOCK = threading.Lock()


def resolve(filename: str, metric: str, weights_dir) -> Path:
    return weights_path(filename, metric, PUBLISHED[filename], weights_dir)


def load_network(filename: str, metric: str, weights_dir, loader):
    """``loader(path)`` once per file and process (several metrics share one network)."""
    require_torch(metric)
    path = resolve(filename, metric, weights_dir)
    key = (filename, str(path.resolve()))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = loader(path)
        return _CACHE[key]


def clear_cache() -> None:
    _CACHE.clear()
