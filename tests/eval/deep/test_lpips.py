import numpy as np
import pytest
import torch

from thg.errors import BackendMissingError
from thg.eval.metrics.deep import _common
from thg.eval.metrics.deep.preprocess import to_minus1_1
from thg.eval.registry import create_metric


def _lpips(pred, ref, weights):
    m = create_metric("lpips", weights_dir=weights)
    m.update(pred, ref)
    return m.compute()


def test_input_scaling_follows_lpips(portrait, lpips_weights):
    from thg.eval.metrics.deep.perceptual import load_lpips

    x = to_minus1_1(portrait[None, :4, :4])
    assert x.min() >= -1 and x.max() <= 1
    np.testing.assert_allclose(x[0, :, 0, 0].numpy(), portrait[0, 0] / 127.5 - 1, atol=1e-6)
    net = load_lpips("lpips", lpips_weights)
    scaled = net.scaled(x)[0, :, 0, 0].numpy()
    expected = (portrait[0, 0] / 127.5 - 1 - np.array([-0.030, -0.088, -0.188])) / np.array([0.458, 0.448, 0.450])
    np.testing.assert_allclose(scaled, expected, rtol=1e-5)


def test_checkpoint_layouts_are_the_public_ones(lpips_weights):
    alex = torch.load(lpips_weights / "alexnet-owt-7be5be79.pth")
    assert {"features.0.weight", "features.10.bias", "classifier.6.weight"} <= set(alex)
    heads = torch.load(lpips_weights / "alex.pth")
    assert sorted(heads) == [f"lin{i}.model.1.weight" for i in range(5)]
    assert heads["lin0.model.1.weight"].shape == (1, 64, 1, 1)


def test_lpips_zero_for_identical_and_grows_with_distortion(portrait, lpips_weights):
    import cv2

    ref = np.stack([cv2.resize(portrait, (128, 128), interpolation=cv2.INTER_AREA)] * 2)
    rng = np.random.default_rng(0)
    weak = np.clip(ref + rng.normal(0, 4, ref.shape), 0, 255).astype(np.uint8)
    strong = np.clip(ref + rng.normal(0, 40, ref.shape), 0, 255).astype(np.uint8)
    same = _lpips(ref, ref, lpips_weights)
    assert same.value == pytest.approx(0.0, abs=1e-6)
    a, b = _lpips(weak, ref, lpips_weights), _lpips(strong, ref, lpips_weights)
    assert 0 < a.value < b.value
    assert a.per_frame.shape == (2,)
    assert "ScalingLayer" in a.convention["input"]


def test_missing_heads_file_names_it(portrait, tmp_path):
    _common.clear_cache()
    with pytest.raises(BackendMissingError) as err:
        _lpips(portrait[None, :64, :64], portrait[None, :64, :64], tmp_path)
    assert "\n" not in str(err.value) and "lpips" in str(err.value) and "download" in str(err.value)


def test_functional_twin_gives_the_per_frame_values(portrait, lpips_weights):
    from thg.eval.metrics.deep import functional as D

    a = np.stack([portrait[:96, :96], portrait[100:196, 100:196]])
    b = np.stack([portrait[2:98, :96], portrait[100:196, 100:196]])
    values = D.lpips(a, b, weights_dir=lpips_weights)
    assert values.shape == (2,) and values[0] > 0 and values[1] == pytest.approx(0.0, abs=1e-6)
