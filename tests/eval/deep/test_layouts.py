"""Key names and shapes that the public checkpoints hold (as their reference code defines them), so
the real files load with strict=True; parameter counts as the projects publish them."""

import pytest
import torch


def _shapes(net):
    return {k: tuple(v.shape) for k, v in net.state_dict().items()}


def _params(net):
    return sum(p.numel() for p in net.parameters())


def test_syncnet_keys():
    from thg.eval.metrics.deep.nets.syncnet import SyncNet

    s = _shapes(SyncNet())
    assert s["netcnnaud.0.weight"] == (64, 1, 3, 3) and s["netcnnaud.18.weight"] == (512, 256, 5, 4)
    assert s["netcnnlip.0.weight"] == (96, 3, 5, 7, 7) and s["netcnnlip.18.weight"] == (512, 256, 1, 6, 6)
    assert s["netfcaud.0.weight"] == (512, 512) and s["netfclip.3.weight"] == (1024, 512)
    assert "netfcaud.1.running_var" in s


def test_alexnet_and_lpips_heads_keys():
    from thg.eval.metrics.deep.nets.lpips import AlexNet, LinearHeads

    alex = AlexNet()
    assert _params(alex) == 61_100_840                       # torchvision's alexnet
    assert sorted(k for k in _shapes(alex) if k.startswith("features")) == sorted(
        f"features.{i}.{p}" for i in (0, 3, 6, 8, 10) for p in ("weight", "bias"))
    heads = _shapes(LinearHeads())
    assert heads == {f"lin{i}.model.1.weight": (1, c, 1, 1) for i, c in enumerate((64, 192, 384, 256, 256))}


def test_fid_inception_keys():
    from thg.eval.metrics.deep.nets.inception import FIDInception

    net = FIDInception()
    s = _shapes(net)
    assert _params(net) == 23_850_960                        # torchvision Inception3, no aux, 1008 classes
    assert s["fc.weight"] == (1008, 2048) and s["Conv2d_1a_3x3.conv.weight"] == (32, 3, 3, 3)
    assert s["Mixed_7c.branch3x3dbl_3b.conv.weight"] == (384, 384, 3, 1)
    assert s["Mixed_6e.branch7x7dbl_5.conv.weight"] == (192, 192, 1, 7)
    assert not any(k.startswith("AuxLogits") for k in s)
    with torch.inference_mode():
        assert net.eval().pool3(torch.zeros(1, 3, 299, 299)).shape == (1, 2048)


@pytest.mark.parametrize("depth", [100, 50])
def test_iresnet_keys_and_depth_from_checkpoint(depth):
    from thg.eval.metrics.deep.nets.iresnet import DEPTHS, IResNet, depth_of

    net = IResNet(DEPTHS[depth])
    s = _shapes(net)
    assert depth_of(s) == DEPTHS[depth]
    assert s["fc.weight"] == (512, 512 * 7 * 7) and s["features.weight"] == (512,)
    assert s["layer1.0.downsample.0.weight"] == (64, 64, 1, 1) and s["layer1.0.prelu.weight"] == (64,)
    if depth == 100:
        assert "layer3.29.conv2.weight" in s and "layer3.30.conv2.weight" not in s
        assert abs(_params(net) - 65.2e6) < 0.1e6              # insightface: r100 has 65.2 M parameters


def test_emonet_keys():
    from thg.eval.metrics.deep.nets.emonet import EmoNet

    s = _shapes(EmoNet(n_expression=8))
    assert s["emo_fc_2.3.weight"] == (10, 128)               # 8 classes + valence + arousal
    assert s["conv1x1_input_emo_2.weight"] == (256, 768, 1, 1)
    assert s["al0.weight"] == (256, 68, 1, 1) and "al1.weight" not in s and "l1.weight" in s
    assert "m0.b2_plus_1.conv3.weight" in s and "m1.b1_4.downsample.0.weight" not in s
    assert s["emo_net_2.6.bn1.weight"] == (256,)
