"""FVD with the I3D TorchScript detector StyleGAN-V uses (``i3d_torchscript.pt``).

Conventions of StyleGAN-V's ``fvd2048_16f``: clips of 16 consecutive frames (frame stride 1),
passed as N×3×16×H×W uint8 RGB with ``rescale=True, resize=True, return_features=True`` (the
detector maps 0-255 to [-1, 1] and resizes to 224×224 itself), 400-d features, Fréchet distance
of predicted vs reference clip features over the whole set. Each video gives all its
non-overlapping 16-frame clips (``clips="all"``) or only its first (``clips="first"``; StyleGAN-V
samples one clip per video). The state is the clip features, so workers merge exactly.
"""

from __future__ import annotations

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo, MetricResult, Param
from thg.eval.metrics._common import BATCH
from thg.eval.metrics.deep import _common
from thg.eval.metrics.deep.frechet import frechet_distance

WEIGHTS = "i3d_torchscript.pt"
CLIP = 16


def load_i3d(path):
    import torch

    return torch.jit.load(str(path), map_location="cpu").eval()


def i3d_features(detector, clips: np.ndarray) -> np.ndarray:
    """N×16×H×W×3 uint8 clips -> N×D features, called as StyleGAN-V calls its detector."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(clips)).permute(0, 4, 1, 2, 3)   # N×3×T×H×W
    with torch.inference_mode():
        return detector(x, rescale=True, resize=True, return_features=True).double().numpy()


class FVD(Metric):
    info = MetricInfo(
        name="fvd", family="visual", higher_is_better=False, needs=frozenset({"ref", "weights"}),
        score_range=(0.0, float("inf")), scope="set",
        description="Frechet Video Distance (StyleGAN-V I3D, 16-frame clips, 224 px) of predicted vs reference clips",
        weights=(WEIGHTS,))

    PARAMS = (Param("clips", str, "all", choices=("all", "first"), help="every 16-frame clip or the first"), BATCH(2))

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.clips = params.get("clips", "all")
        if self.clips not in ("all", "first"):
            raise InputError(f"fvd: clips={self.clips!r} is not known; use 'all' or 'first'")
        self.batch = int(params.get("batch", 2))
        self.pred_feats = np.zeros((0, 0))
        self.ref_feats = np.zeros((0, 0))
        self._buf_pred: list = []
        self._buf_ref: list = []
        self._video_clips = 0

    def _add(self, which: str, feats: np.ndarray) -> None:
        old = getattr(self, which)
        setattr(self, which, feats if old.size == 0 else np.concatenate([old, feats]))

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        if ref is None:
            raise InputError("metric 'fvd' needs reference frames; pass --ref")
        detector = _common.load_network(WEIGHTS, self.info.name, self.weights_dir, load_i3d)
        self._buf_pred.extend(pred)
        self._buf_ref.extend(ref)
        while len(self._buf_pred) >= CLIP and len(self._buf_ref) >= CLIP:
            p, r = np.stack(self._buf_pred[:CLIP]), np.stack(self._buf_ref[:CLIP])
            del self._buf_pred[:CLIP], self._buf_ref[:CLIP]
            if self.clips == "first" and self._video_clips >= 1:
                continue
            self._video_clips += 1
            self._add("pred_feats", i3d_features(detector, p[None]))
            self._add("ref_feats", i3d_features(detector, r[None]))

    def set_context(self, **kw) -> None:
        # a new video starts: frames left over from the last one never form a clip across videos
        super().set_context(**kw)
        self._buf_pred, self._buf_ref, self._video_clips = [], [], 0

    def state(self) -> dict[str, np.ndarray]:
        return {"pred_feats": self.pred_feats, "ref_feats": self.ref_feats}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.pred_feats = np.asarray(state["pred_feats"], np.float64)
        self.ref_feats = np.asarray(state["ref_feats"], np.float64)

    def merge(self, other: FVD) -> None:
        self._add("pred_feats", other.pred_feats)
        self._add("ref_feats", other.ref_feats)

    def compute(self) -> MetricResult:
        n = min(len(self.pred_feats), len(self.ref_feats))
        conv = {"network": "I3D (StyleGAN-V torchscript port)", "weights": WEIGHTS, "clip_frames": CLIP,
                "frame_stride": 1, "clips_per_video": self.clips, "detector_call": "rescale=True, resize=True, "
                "return_features=True on N×3×16×H×W uint8 RGB (224 px inside the detector)",
                "frechet": "scipy sqrtm", "n_clips_pred": len(self.pred_feats), "n_clips_ref": len(self.ref_feats)}
        if n < 2:
            return MetricResult(self.info.name, float("nan"), convention=conv,
                                notes=[f"{n} clip(s) of {CLIP} frames; FVD needs at least 2 per side"])
        mu1, mu2 = self.pred_feats.mean(0), self.ref_feats.mean(0)
        s1, s2 = np.cov(self.pred_feats, rowvar=False), np.cov(self.ref_feats, rowvar=False)
        value, notes = frechet_distance(mu1, s1, mu2, s2, method="sqrtm")
        return MetricResult(self.info.name, value, convention=conv, notes=notes)
