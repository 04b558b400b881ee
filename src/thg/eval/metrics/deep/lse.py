"""LSE-C, LSE-D and the AV offset with SyncNet, exactly as syncnet_python computes them.

Video at 25 fps (other rates are resampled to 25 fps by nearest frame, as the reference's ffmpeg
``-r 25`` does), audio at 16 kHz mono scaled to int16 range, 13 MFCC every 10 ms (4 per video
frame). Each 5-frame window of crops is embedded by the lip tower, each matching 20-step MFCC block
by the audio tower. For every window the distances to the audio embeddings at offsets -15..+15
(zero-padded beyond the ends) are taken; their mean over windows gives one curve ``d(offset)``:
LSE-D = min d, LSE-C = median d − min d, AV offset = 15 − argmin (frames; positive = the audio leads:
the sound of a mouth shape comes that many frames before the shape is seen; negative = audio late).
As in the reference, the windows run over frame 0 .. min(frames, samples // 640) − 6.

Two input variants, named apart: ``lse-c`` / ``lse-d`` / ``av-offset`` on syncnet_python's face crop
(placed from the face mesh, see :mod:`.faces`, box track median-filtered over 13 frames), and
``lse-c-frame`` / ``lse-d-frame`` on the whole frame resized to 224×224.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo, MetricResult, Param
from thg.eval.metrics._common import BATCH, MESH_PARAM
from thg.eval.metrics.deep import _common
from thg.eval.metrics.deep.faces import SharedMesh, face_box, has_face
from thg.eval.metrics.deep.mfcc import mfcc

WEIGHTS = "syncnet_v2.model"
FPS = 25.0
SAMPLES_PER_FRAME = 640   # 16 kHz / 25 fps
MEDFILT = 13


def sync_curve(lip: np.ndarray, aud: np.ndarray, vshift: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """(mean over windows, all windows) of the distance between lip window i and audio window i + k − vshift.

    Matches syncnet_python's ``calc_pdist``: audio features zero-padded by ``vshift`` rows on both
    sides; distances as ``torch.nn.functional.pairwise_distance`` (eps 1e-6 added to the difference).
    """
    lip, aud = np.asarray(lip, np.float64), np.asarray(aud, np.float64)
    win = 2 * vshift + 1
    padded = np.concatenate([np.zeros((vshift, aud.shape[1])), aud, np.zeros((vshift, aud.shape[1]))])
    dists = np.empty((len(lip), win))
    for i in range(len(lip)):
        dists[i] = np.linalg.norm(lip[i][None, :] - padded[i:i + win] + 1e-6, axis=1)
    return dists.mean(0), dists


def sync_scores(lip: np.ndarray, aud: np.ndarray, vshift: int = 15) -> dict:
    """LSE-D, LSE-C and offset from per-window embeddings (syncnet_python's ``evaluate``)."""
    curve, dists = sync_curve(lip, aud, vshift)
    idx = int(np.argmin(curve))
    lse_d = float(curve[idx])
    lse_c = float(np.median(curve) - lse_d)
    import warnings

    from scipy.signal import medfilt

    fconf = np.median(curve) - dists[:, idx]
    with warnings.catch_warnings():       # under 9 windows medfilt zero-pads, as in the reference
        warnings.simplefilter("ignore", UserWarning)
        per_window = medfilt(fconf, kernel_size=9) if len(fconf) >= 1 else fconf
    return {"lse_d": lse_d, "lse_c": lse_c, "offset": vshift - idx, "curve": curve, "per_window": per_window}


class _SyncNetMetric(SharedMesh, Metric):
    """Shared machinery; the subclasses only choose the crop and the reported number."""

    crop = "face"
    report = "lse_c"

    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("vshift", int, 15, low=1, high=100, help="offsets searched each way (frames)"), BATCH(16),
        Param("crop_scale", float, 0.4, low=0.0, high=2.0, help="syncnet_python's crop margin"), MESH_PARAM)

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.vshift = int(params.get("vshift", 15))
        self.crop_scale = float(params.get("crop_scale", 0.4))
        self.batch = int(params.get("batch", 16))
        self._n_in = 0            # source frames seen
        self._n_out = 0           # 25 fps frames emitted
        self._boxes: list = []    # raw (cx, cy, s) per 25 fps frame, None without a face
        self._filled: list = []   # boxes with gaps filled
        self._pending: deque = deque()  # (index, frame) waiting for their smoothed box
        self._crops: list = []    # the last crops not yet consumed by a full window
        self._lip: list = []      # lip embeddings per window
        self._faces = 0
        self._net = None
        self._trackers = {}
        if self.crop == "face":
            self._init_mesh(params)

    # -- input ------------------------------------------------------------------------------
    def _network(self):
        _common.require_torch(self.info.name)
        from thg.eval.metrics.deep.nets.syncnet import load_syncnet

        if self._net is None:
            self._net = _common.load_network(WEIGHTS, self.info.name, self.weights_dir, load_syncnet)
        return self._net

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        if self.crop == "face":
            super().update(pred, None)
        else:
            self.update_faces(pred, None, None, None)

    def update_faces(self, pred, ref, pred_pts, ref_pts) -> None:
        self._network()   # fail early on missing torch / weights
        fps = float(self.fps or FPS)
        for i, frame in enumerate(pred):
            pts = pred_pts[i] if pred_pts is not None else None
            # nearest-frame resampling to 25 fps: emit this frame for every output time it is nearest to
            while self._n_out / FPS < (self._n_in + 0.5) / fps:
                self._take(frame, pts)
                self._n_out += 1
            self._n_in += 1
        self._flush(final=False)

    def _take(self, frame: np.ndarray, pts: np.ndarray | None) -> None:
        if self.crop == "frame":
            import cv2

            crop = cv2.resize(np.ascontiguousarray(frame[:, :, ::-1]), (224, 224), interpolation=cv2.INTER_LINEAR)
            self._crops.append(crop)
            self._embed_ready()
            return
        box = face_box(pts[:, :2]) if has_face(pts) else None
        self._faces += box is not None
        self._boxes.append(box)
        if box is not None:
            while len(self._filled) < len(self._boxes) - 1:   # leading frames without a face
                self._filled.append(box)
            self._filled.append(box)
        elif self._filled:
            self._filled.append(self._filled[-1])
        self._pending.append((len(self._boxes) - 1, frame))

    def _smoothed(self, i: int, total: int | None) -> tuple[float, float, float]:
        """scipy.signal.medfilt(kernel 13) of the filled box track at frame i (zeros past the ends)."""
        half = MEDFILT // 2
        rows = []
        for j in range(i - half, i + half + 1):
            if j < 0 or (total is not None and j >= total):
                rows.append((0.0, 0.0, 0.0))
            else:
                rows.append(self._filled[j])
        return tuple(np.median(np.asarray(rows), axis=0))

    def _flush(self, final: bool) -> None:
        if self.crop == "frame":
            if final:
                self._embed_ready(final=True)
            return
        from thg.eval.metrics.deep.faces import syncnet_crop

        half = MEDFILT // 2
        total = len(self._boxes) if final else None
        while self._pending:
            i, frame = self._pending[0]
            if not final and (len(self._filled) <= i + half):
                break
            if final and not self._filled:
                break
            self._pending.popleft()
            cx, cy, s = self._smoothed(i, total)
            bgr = np.ascontiguousarray(frame[:, :, ::-1])
            self._crops.append(syncnet_crop(bgr, cx, cy, s, crop_scale=self.crop_scale))
            self._embed_ready()
        if final:
            self._embed_ready(final=True)

    def _embed_ready(self, final: bool = False) -> None:
        """Embed every complete 5-frame window once a batch of them is available."""
        n_windows = len(self._crops) - 4
        if n_windows <= 0 or (n_windows < self.batch and not final):
            return
        import torch

        clip = np.stack(self._crops).astype(np.float32)                # T×224×224×3 BGR
        x = torch.from_numpy(clip).permute(3, 0, 1, 2)                  # 3×T×H×W
        windows = torch.stack([x[:, i:i + 5] for i in range(n_windows)])
        with torch.inference_mode():
            for b in range(0, n_windows, self.batch):
                self._lip.append(self._network().forward_lip(windows[b:b + self.batch]).numpy())
        self._crops = self._crops[n_windows:]

    # -- output ------------------------------------------------------------------------------
    def _audio_features(self, audio: np.ndarray, n_windows: int) -> np.ndarray:
        import torch

        cc = mfcc(audio, 16000).T.astype(np.float32)              # 13×steps
        blocks = np.stack([cc[:, 4 * i:4 * i + 20] for i in range(n_windows)])[:, None]
        out = []
        with torch.inference_mode():
            for b in range(0, n_windows, self.batch):
                out.append(self._network().forward_aud(torch.from_numpy(blocks[b:b + self.batch])).numpy())
        return np.concatenate(out)

    def _convention(self) -> dict:
        conv = {"network": "SyncNet (syncnet_python)", "weights": WEIGHTS, "fps": FPS,
                "source_fps": float(self.fps or FPS), "resample": "nearest frame to 25 fps",
                "audio": "16 kHz mono, int16 scale", "mfcc": "python_speech_features: 13 coefficients, "
                "25 ms / 10 ms, 26 filters, nfft 512, preemph 0.97, lifter 22, c0 = log energy",
                "window_frames": 5, "vshift": self.vshift, "lse_d": "min over offsets of mean distance",
                "lse_c": "median - min of the mean distances", "offset": "vshift - argmin (frames; positive = audio leads)",
                "channel_order": "BGR 0-255", "variant": self.crop,
                "per_frame": "per 5-frame window: median(d) - d at the best offset, median-filtered over 9"}
        if self.crop == "face":
            conv.update({"crop": "syncnet_python crop_video from the face-mesh box", "crop_scale": self.crop_scale,
                         "box_smoothing": f"median filter {MEDFILT} frames", "size": 224,
                         "mesh_mode": self.mesh_mode})
        else:
            conv.update({"crop": "whole frame resized to 224x224 (bilinear)"})
        return conv

    def compute(self) -> MetricResult:
        name = self.info.name
        conv = self._convention()
        if self.audio is None:
            raise InputError(f"metric {name!r} needs the speech track; pass --audio (16 kHz mono is made from any "
                             f"common audio file)")
        self._flush(final=True)
        self._close_trackers()
        frames = self._n_out
        coverage = 1.0 if self.crop == "frame" else (self._faces / frames if frames else 0.0)
        lip = np.concatenate(self._lip) if self._lip else np.zeros((0, 1024), np.float32)
        n_windows = min(frames, len(self.audio) // SAMPLES_PER_FRAME) - 5
        n_windows = min(n_windows, len(lip))
        if self.crop == "face" and self._faces == 0:
            return MetricResult(name, float("nan"), convention=conv, coverage=0.0,
                                notes=["no face found in any frame"])
        if n_windows < 1:
            return MetricResult(name, float("nan"), convention=conv, coverage=coverage,
                                notes=[f"too short: {frames} frames at 25 fps; at least 6 frames with audio needed"])
        aud = self._audio_features(self.audio, n_windows)
        s = sync_scores(lip[:n_windows], aud, self.vshift)
        extra = {"lse_c": s["lse_c"], "lse_d": s["lse_d"], "av_offset": s["offset"], "windows": n_windows,
                 "distance_curve": s["curve"].tolist()}
        notes = []
        if coverage < 1.0:
            notes.append(f"face found in {self._faces} of {frames} frames; gaps use the last face box")
        value = {"lse_c": s["lse_c"], "lse_d": s["lse_d"], "offset": float(s["offset"])}[self.report]
        return MetricResult(name, value, per_frame=s["per_window"], convention=conv, coverage=coverage,
                            notes=notes, extra=extra)


def _info(name, higher, rng, desc, crop):
    return MetricInfo(name=name, family="sync", higher_is_better=higher, needs=frozenset({"audio", "weights"}),
                      score_range=rng, description=desc, weights=(WEIGHTS,))


class LSEC(_SyncNetMetric):
    info = _info("lse-c", True, (0.0, float("inf")),
                 "Lip-sync confidence (SyncNet, syncnet_python face crop): median - min of the offset distance curve",
                 "face")
    report = "lse_c"


class LSED(_SyncNetMetric):
    info = _info("lse-d", False, (0.0, float("inf")),
                 "Lip-sync distance (SyncNet, syncnet_python face crop): min over ±15 offsets of the mean distance",
                 "face")
    report = "lse_d"


class AVOffset(_SyncNetMetric):
    info = _info("av-offset", False, (-15.0, 15.0),
                 "Audio-visual offset in frames at 25 fps from SyncNet (face crop); 0 is best, positive = audio leads the video",
                 "face")
    report = "offset"


class LSECFrame(_SyncNetMetric):
    info = _info("lse-c-frame", True, (0.0, float("inf")),
                 "LSE-C on the whole frame resized to 224x224 (not comparable with face-crop LSE-C)", "frame")
    crop = "frame"
    report = "lse_c"
    PARAMS = _SyncNetMetric.PARAMS[:2]


class LSEDFrame(_SyncNetMetric):
    info = _info("lse-d-frame", False, (0.0, float("inf")),
                 "LSE-D on the whole frame resized to 224x224 (not comparable with face-crop LSE-D)", "frame")
    crop = "frame"
    report = "lse_d"
    PARAMS = _SyncNetMetric.PARAMS[:2]
