"""SyncNet as published with syncnet_python (``syncnet_v2.model``, Chung & Zisserman 2016).

Module names follow that checkpoint's keys: ``netcnnaud`` / ``netfcaud`` (audio tower on 13×20
MFCC blocks) and ``netcnnlip`` / ``netfclip`` (lip tower on 5 frames of 224×224 BGR crops,
pixel values 0-255). Both towers end in a 1024-d embedding.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv2d(cin, cout, k, s=(1, 1), p=(0, 0)):
    return [nn.Conv2d(cin, cout, kernel_size=k, stride=s, padding=p), nn.BatchNorm2d(cout)]


def _conv3d(cin, cout, k, s=(1, 1, 1), p=(0, 0, 0)):
    return [nn.Conv3d(cin, cout, kernel_size=k, stride=s, padding=p), nn.BatchNorm3d(cout)]


def _fc(dim_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(512, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Linear(512, dim_out))


class SyncNet(nn.Module):
    def __init__(self, embedding: int = 1024) -> None:
        super().__init__()
        relu = lambda: nn.ReLU(inplace=True)
        self.netcnnaud = nn.Sequential(
            *_conv2d(1, 64, (3, 3), p=(1, 1)), relu(), nn.MaxPool2d((1, 1), (1, 1)),
            *_conv2d(64, 192, (3, 3), p=(1, 1)), relu(), nn.MaxPool2d((3, 3), (1, 2)),
            *_conv2d(192, 384, (3, 3), p=(1, 1)), relu(),
            *_conv2d(384, 256, (3, 3), p=(1, 1)), relu(),
            *_conv2d(256, 256, (3, 3), p=(1, 1)), relu(), nn.MaxPool2d((3, 3), (2, 2)),
            *_conv2d(256, 512, (5, 4)), nn.ReLU(),
        )
        self.netfcaud = _fc(embedding)
        self.netfclip = _fc(embedding)
        self.netcnnlip = nn.Sequential(
            *_conv3d(3, 96, (5, 7, 7), s=(1, 2, 2)), relu(), nn.MaxPool3d((1, 3, 3), (1, 2, 2)),
            *_conv3d(96, 256, (1, 5, 5), s=(1, 2, 2), p=(0, 1, 1)), relu(),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), padding=(0, 1, 1)),
            *_conv3d(256, 256, (1, 3, 3), p=(0, 1, 1)), relu(),
            *_conv3d(256, 256, (1, 3, 3), p=(0, 1, 1)), relu(),
            *_conv3d(256, 256, (1, 3, 3), p=(0, 1, 1)), relu(), nn.MaxPool3d((1, 3, 3), (1, 2, 2)),
            *_conv3d(256, 512, (1, 6, 6)), relu(),
        )

    def forward_aud(self, x: torch.Tensor) -> torch.Tensor:
        """N×1×13×20 MFCC blocks -> N×1024."""
        return self.netfcaud(self.netcnnaud(x).flatten(1))

    def forward_lip(self, x: torch.Tensor) -> torch.Tensor:
        """N×3×5×224×224 BGR clips (0-255) -> N×1024."""
        return self.netfclip(self.netcnnlip(x).flatten(1))


def load_syncnet(path) -> SyncNet:
    net = SyncNet()
    state = torch.load(str(path), map_location="cpu")
    net.load_state_dict(state, strict=True)
    return net.eval()
