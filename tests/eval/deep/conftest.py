"""Fixtures of the deep-metric tests: real frames, real speech, and random weights saved in the
public checkpoint files' formats (so loading, key layout and preprocessing are exercised end to end)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(scope="session")
def face_frames(portrait) -> np.ndarray:
    """24 frames, 256×256: the astronaut, moving by a pixel or two (a real face in every frame)."""
    import cv2

    base = cv2.resize(portrait[:300, 100:400], (256, 256), interpolation=cv2.INTER_AREA)
    frames = []
    for t in range(24):
        dx, dy = round(2 * np.sin(t / 5)), round(np.cos(t / 7))
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        frames.append(cv2.warpAffine(base, m, (256, 256), borderMode=cv2.BORDER_REFLECT))
    return np.stack(frames)


@pytest.fixture(scope="session")
def speech(speech_path) -> np.ndarray:
    from thg.io import load_audio

    return load_audio(speech_path).samples


@pytest.fixture(scope="session")
def weights_root(tmp_path_factory):
    return tmp_path_factory.mktemp("weights")


def _save_random(net, path, seed=0):
    torch.manual_seed(seed)
    state = {}
    for k, v in net.state_dict().items():
        if v.dtype.is_floating_point:
            if k.endswith("running_var"):
                v = torch.rand_like(v) + 0.5
            elif k.endswith("running_mean"):
                v = torch.randn_like(v) * 0.1
            else:
                v = torch.randn_like(v) * (1.0 / max(1, v[0].numel()) ** 0.5 if v.dim() > 1 else 0.1) + \
                    (1.0 if k.endswith(".weight") and v.dim() == 1 else 0.0)
        state[k] = v
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return state


@pytest.fixture(scope="session")
def syncnet_weights(weights_root):
    from thg.eval.metrics.deep.nets.syncnet import SyncNet

    _save_random(SyncNet(), weights_root / "syncnet_v2.model")
    return weights_root


@pytest.fixture
def save_random():
    return _save_random


@pytest.fixture(scope="session")
def lpips_weights(weights_root):
    from thg.eval.metrics.deep.nets.lpips import AlexNet, LinearHeads

    _save_random(AlexNet(), weights_root / "alexnet-owt-7be5be79.pth", seed=1)
    heads = {k: v.abs() for k, v in _save_random(LinearHeads(), weights_root / "alex.pth", seed=2).items()}
    torch.save(heads, weights_root / "alex.pth")          # the published heads are non-negative
    return weights_root


@pytest.fixture(scope="session")
def inception_weights(weights_root):
    from thg.eval.metrics.deep.nets.inception import FIDInception

    _save_random(FIDInception(), weights_root / "pt_inception-2015-12-05-6726825d.pth", seed=3)
    return weights_root


@pytest.fixture(scope="session")
def arcface_weights(weights_root):
    from thg.eval.metrics.deep.nets.iresnet import IResNet

    _save_random(IResNet(), weights_root / "ms1mv3_arcface_r100_fp16" / "backbone.pth", seed=4)
    return weights_root


@pytest.fixture(scope="session")
def emonet_weights(weights_root):
    """Saved as the published file is: a DataParallel state dict ("module." prefix)."""
    from thg.eval.metrics.deep.nets.emonet import EmoNet

    for n in (8, 5):
        state = _save_random(EmoNet(n_expression=n), weights_root / f"emonet_{n}.pth", seed=5 + n)
        torch.save({f"module.{k}": v for k, v in state.items()}, weights_root / f"emonet_{n}.pth")
    return weights_root
