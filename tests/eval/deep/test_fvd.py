"""FVD is tested with a small scripted stand-in saved as TorchScript, like ``i3d_torchscript.pt``.

What this checks: the file is loaded with ``torch.jit.load``; the detector is called with StyleGAN-V's
signature and keyword values; clips are 16 consecutive frames in N×3×T×H×W uint8 RGB order; clips
never span two videos; features pool and merge; the Fréchet step. What it cannot check: the real
I3D's weights and its internal rescale/resize (that code lives in the published file itself).
"""

import numpy as np
import pytest
import torch

from thg.eval.registry import create_metric


class StandIn(torch.nn.Module):
    """Same call signature as StyleGAN-V's I3D; refuses any other layout or flags."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(3 * 16 * 4 * 4, 400)

    def forward(self, x: torch.Tensor, rescale: bool, resize: bool, return_features: bool) -> torch.Tensor:
        if x.dtype != torch.uint8 or x.dim() != 5 or x.shape[1] != 3 or x.shape[2] != 16:
            raise RuntimeError("expected N x 3 x 16 x H x W uint8")
        if not (rescale and resize and return_features):
            raise RuntimeError("expected rescale=True, resize=True, return_features=True")
        y = x.float() / 127.5 - 1
        y = torch.nn.functional.adaptive_avg_pool3d(y, (16, 4, 4))
        return self.proj(y.flatten(1))


@pytest.fixture(scope="module")
def i3d_weights(weights_root):
    torch.manual_seed(0)
    torch.jit.save(torch.jit.script(StandIn()), str(weights_root / "i3d_torchscript.pt"))
    return weights_root


def _videos(portrait, n, noise, seed):
    import cv2

    rng = np.random.default_rng(seed)
    base = cv2.resize(portrait, (64, 64), interpolation=cv2.INTER_AREA).astype(float)
    out = []
    for v in range(n):
        frames = [np.roll(base, (v * 3 + t) % 64, axis=1) + rng.normal(0, noise, base.shape) for t in range(32)]
        out.append(np.clip(frames, 0, 255).astype(np.uint8))
    return out


def _fvd(preds, refs, weights, **params):
    m = create_metric("fvd", weights_dir=weights, **params)
    for p, r in zip(preds, refs):
        m.set_context(fps=25.0)
        for i in range(0, len(p), 10):          # chunks that do not align with the 16-frame clips
            m.update(p[i:i + 10], r[i:i + 10])
    return m


def test_fvd_end_to_end_with_a_scripted_detector(portrait, i3d_weights):
    refs = _videos(portrait, 3, 0, 0)
    slight, heavy = _videos(portrait, 3, 5, 1), _videos(portrait, 3, 60, 2)
    a, b = _fvd(slight, refs, i3d_weights).compute(), _fvd(heavy, refs, i3d_weights).compute()
    assert a.convention["n_clips_pred"] == 6 and a.convention["clip_frames"] == 16   # 2 clips of 16 per 32-frame video
    assert 0 <= a.value < b.value
    first = _fvd(heavy, refs, i3d_weights, clips="first").compute()
    assert first.convention["n_clips_pred"] == 3


def test_fvd_state_merges_across_workers(portrait, i3d_weights):
    refs, preds = _videos(portrait, 4, 0, 0), _videos(portrait, 4, 20, 3)
    whole = _fvd(preds, refs, i3d_weights).compute().value
    left, right = _fvd(preds[:2], refs[:2], i3d_weights), _fvd(preds[2:], refs[2:], i3d_weights)
    restored = create_metric("fvd", weights_dir=i3d_weights)
    restored.load_state(right.state())
    left.merge(restored)
    assert left.compute().value == pytest.approx(whole, rel=1e-9)


def test_too_few_clips_is_nan_with_a_note(portrait, i3d_weights):
    short = [v[:20] for v in _videos(portrait, 1, 0, 0)]
    result = _fvd(short, short, i3d_weights).compute()
    assert np.isnan(result.value) and "at least 2" in result.notes[0]
