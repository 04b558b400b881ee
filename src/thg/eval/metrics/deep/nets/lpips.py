"""LPIPS v0.1 with AlexNet (Zhang et al. 2018), as the ``lpips`` package computes it.

Two public files: torchvision's ImageNet AlexNet (``alexnet-owt-7be5be79.pth``, keys ``features.*``
and ``classifier.*``) for the features, and lpips' linear heads (``alex.pth``, keys
``lin0.model.1.weight`` … ``lin4.model.1.weight``). Inputs are RGB in [-1, 1], shifted and scaled by
lpips' ScalingLayer; features after relu1..relu5 are unit-normalised over channels, their squared
differences weighted by the heads, averaged over space and summed over the five layers.
"""

from __future__ import annotations

import functools
import operator

import torch
from torch import nn

SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)
CHANNELS = (64, 192, 384, 256, 256)


class AlexNet(nn.Module):
    """torchvision's AlexNet layout (so its checkpoint loads strictly)."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, num_classes),
        )

    def taps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Activations after relu1..relu5 (lpips' slices 0-2, 2-5, 5-8, 8-10, 10-12)."""
        out = []
        for i, layer in enumerate(list(self.features)[:12]):
            x = layer(x)
            if i in (1, 4, 7, 9, 11):
                out.append(x)
        return out


class NetLinLayer(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.model = nn.Sequential(nn.Dropout(), nn.Conv2d(channels, 1, 1, stride=1, padding=0, bias=False))


class LinearHeads(nn.Module):
    """The module layout of lpips' ``alex.pth``."""

    def __init__(self) -> None:
        super().__init__()
        for i, c in enumerate(CHANNELS):
            setattr(self, f"lin{i}", NetLinLayer(c))

    def __getitem__(self, i: int) -> NetLinLayer:
        return getattr(self, f"lin{i}")


class LPIPS(nn.Module):
    shift: torch.Tensor         # buffers (register_buffer below)
    scale: torch.Tensor

    def __init__(self, alexnet: AlexNet, heads: LinearHeads) -> None:
        super().__init__()
        self.net, self.heads = alexnet, heads
        self.register_buffer("shift", torch.tensor(SHIFT)[None, :, None, None], persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE)[None, :, None, None], persistent=False)

    def scaled(self, x: torch.Tensor) -> torch.Tensor:
        """lpips' ScalingLayer on N×3×H×W RGB in [-1, 1]."""
        return (x - self.shift) / self.scale

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Per-image distance of two N×3×H×W RGB batches in [-1, 1]."""
        fa, fb = self.net.taps(self.scaled(a)), self.net.taps(self.scaled(b))
        terms = []
        for i, (x, y) in enumerate(zip(fa, fb)):
            x = x / (torch.sqrt((x ** 2).sum(1, keepdim=True)) + 1e-10)
            y = y / (torch.sqrt((y ** 2).sum(1, keepdim=True)) + 1e-10)
            terms.append(self.heads[i].model((x - y) ** 2).mean((2, 3), keepdim=True))
        return functools.reduce(operator.add, terms).flatten()     # summed in layer order


def load_alexnet(path) -> AlexNet:
    net = AlexNet()
    net.load_state_dict(torch.load(str(path), map_location="cpu"), strict=True)
    return net.eval()


def load_heads(path) -> LinearHeads:
    heads = LinearHeads()
    heads.load_state_dict(torch.load(str(path), map_location="cpu"), strict=True)
    return heads.eval()
