"""EmoNet (Toisoul et al., Nature Machine Intelligence 2021), ``emonet_8.pth`` / ``emonet_5.pth``.

A 2-stack FAN (hourglasses of depth 4) whose features and landmark-heatmap attention feed an
emotion head: 8 AffectNet classes (neutral, happy, sad, surprise, fear, disgust, anger,
contempt) plus valence and arousal. Module names follow the published state dict (its
``module.`` prefix is removed on load, as the reference does); the reference turns every
InstanceNorm2d into a BatchNorm2d, so the norms here are BatchNorm2d. Input: 256×256 RGB in [0, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _conv3x3(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=1, bias=False)


class ConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        half, quarter = cout // 2, cout // 4
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), _conv3x3(cin, half)
        self.bn2, self.conv2 = nn.BatchNorm2d(half), _conv3x3(half, quarter)
        self.bn3, self.conv3 = nn.BatchNorm2d(quarter), _conv3x3(quarter, quarter)
        self.downsample = None
        if cin != cout:
            self.downsample = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(True),
                                            nn.Conv2d(cin, cout, kernel_size=1, stride=1, bias=False))

    def forward(self, x):
        a = self.conv1(F.relu(self.bn1(x)))
        b = self.conv2(F.relu(self.bn2(a)))
        c = self.conv3(F.relu(self.bn3(b)))
        skip = self.downsample(x) if self.downsample is not None else x
        return torch.cat((a, b, c), 1) + skip


class HourGlass(nn.Module):
    def __init__(self, depth: int = 4, features: int = 256) -> None:
        super().__init__()
        self.depth = depth
        for level in range(depth, 0, -1):
            self.add_module(f"b1_{level}", ConvBlock(features, features))
            self.add_module(f"b2_{level}", ConvBlock(features, features))
            self.add_module(f"b3_{level}", ConvBlock(features, features))
        self.add_module("b2_plus_1", ConvBlock(features, features))

    def _level(self, level: int, x):
        up = self.get_submodule(f"b1_{level}")(x)
        low = self.get_submodule(f"b2_{level}")(F.max_pool2d(x, 2, stride=2))
        low = self._level(level - 1, low) if level > 1 else self.get_submodule("b2_plus_1")(low)
        low = self.get_submodule(f"b3_{level}")(low)
        return up + F.interpolate(low, scale_factor=2, mode="nearest")

    def forward(self, x):
        return self._level(self.depth, x)


class EmoNet(nn.Module):
    def __init__(self, n_expression: int = 8, stacks: int = 2, n_reg: int = 2) -> None:
        super().__init__()
        self.stacks, self.n_expression = stacks, n_expression
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.bn1 = nn.BatchNorm2d(64)
        self.conv2 = ConvBlock(64, 128)
        self.conv3 = ConvBlock(128, 128)
        self.conv4 = ConvBlock(128, 256)
        for i in range(stacks):
            self.add_module(f"m{i}", HourGlass(4, 256))
            self.add_module(f"top_m_{i}", ConvBlock(256, 256))
            self.add_module(f"conv_last{i}", nn.Conv2d(256, 256, kernel_size=1))
            self.add_module(f"bn_end{i}", nn.BatchNorm2d(256))
            self.add_module(f"l{i}", nn.Conv2d(256, 68, kernel_size=1))
            if i < stacks - 1:
                self.add_module(f"bl{i}", nn.Conv2d(256, 256, kernel_size=1))
                self.add_module(f"al{i}", nn.Conv2d(68, 256, kernel_size=1))
        self.conv1x1_input_emo_2 = nn.Conv2d(256 * (stacks + 1), 256, kernel_size=1)
        blocks = []
        for _ in range(4):
            blocks += [ConvBlock(256, 256), nn.MaxPool2d(2, 2)]
        self.emo_net_2 = nn.Sequential(*blocks)
        self.avg_pool_2 = nn.AvgPool2d(4)
        self.emo_fc_2 = nn.Sequential(nn.Linear(256, 128), nn.BatchNorm1d(128), nn.ReLU(inplace=True),
                                      nn.Linear(128, n_expression + n_reg))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = F.relu(self.bn1(self.conv1(x)), True)
        x = self.conv4(self.conv3(F.max_pool2d(self.conv2(x), 2, stride=2)))
        previous, feats, heats = x, [], []
        for i in range(self.stacks):
            ll = self.get_submodule(f"top_m_{i}")(self.get_submodule(f"m{i}")(previous))
            ll = F.relu(self.get_submodule(f"bn_end{i}")(self.get_submodule(f"conv_last{i}")(ll)), True)
            heats.append(self.get_submodule(f"l{i}")(ll))
            if i < self.stacks - 1:
                ll = self.get_submodule(f"bl{i}")(ll)
                previous = previous + ll + self.get_submodule(f"al{i}")(heats[-1])
            feats.append(ll)
        attended = torch.cat(feats, 1) * heats[-1].sum(1, keepdim=True)     # the last stack's heatmaps
        out = self.emo_net_2(self.conv1x1_input_emo_2(torch.cat((x, attended), 1)))
        out = self.emo_fc_2(self.avg_pool_2(out).flatten(1))
        return {"expression": out[:, :-2], "valence": out[:, -2], "arousal": out[:, -1]}


def load_emonet(path) -> EmoNet:
    state = torch.load(str(path), map_location="cpu")
    state = {k.replace("module.", "", 1) if k.startswith("module.") else k: v for k, v in state.items()}
    n_expression = int(state["emo_fc_2.3.weight"].shape[0]) - 2
    net = EmoNet(n_expression=n_expression)
    net.load_state_dict(state, strict=True)
    return net.eval()
