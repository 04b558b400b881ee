"""EmotionAcc with EmoNet (8 AffectNet classes; ``emonet_8.pth``, or ``emonet_5.pth`` for 5).

Each frame with a face is cropped as EmoNet's AffectNet evaluation does (:func:`.faces.emonet_crop`
on the face mesh's iBUG-68 points), given as RGB in [0, 1] at 256×256, and classified. The target
emotion is the ``emotion`` parameter (a class name, e.g. ``"happy"``; dataset spellings such as
``angry`` or ``surprised`` are accepted) or, without it, the class the network gives the reference
video (majority over its frames) — then the number is emotion agreement with the reference.
The value is the fraction of frames classified as the target; ``extra["video_correct"]`` is 1 when
the video-level class (argmax of the mean softmax) is the target, so its mean over videos is the
video-level accuracy most papers report.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo, MetricResult, Param
from thg.eval.metrics._common import MESH_PARAM, STRIDE
from thg.eval.metrics.deep import _common
from thg.eval.metrics.deep.faces import SharedMesh, emonet_crop, has_face

WEIGHTS = "emonet_8.pth"
CLASSES8 = ("neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt")
CLASSES5 = ("neutral", "happy", "sad", "surprise", "fear")   # emonet_5: anger folded into fear
ALIASES = {"angry": "anger", "surprised": "surprise", "disgusted": "disgust", "fearful": "fear",
           "happiness": "happy", "sadness": "sad", "neu": "neutral", "hap": "happy", "ang": "anger",
           "dis": "disgust", "fea": "fear", "sur": "surprise", "con": "contempt"}


def classes_for(n: int) -> tuple[str, ...]:
    return CLASSES8 if n == 8 else CLASSES5


def parse_emotion(label, classes: tuple[str, ...]) -> int:
    key = str(label).strip().lower()
    key = ALIASES.get(key, key)
    if key == "anger" and "anger" not in classes:
        key = "fear"
    if key not in classes:
        raise InputError(f"emotion {label!r} is not one of EmoNet's classes ({', '.join(classes)}); "
                         f"pass one of those names")
    return classes.index(key)


class EmotionAcc(SharedMesh, Metric):
    info = MetricInfo(
        name="emotion-acc", family="expression", higher_is_better=True, needs=frozenset({"weights"}),
        score_range=(0.0, 1.0),
        description="EmotionAcc: fraction of frames EmoNet (8 AffectNet classes) assigns the target emotion "
                    "(the 'emotion' parameter, or the reference video's class)", weights=(WEIGHTS,))

    PARAMS = (MESH_PARAM, STRIDE,
              Param("weights_file", str, WEIGHTS, choices=("emonet_8.pth", "emonet_5.pth"), help="8 or 5 classes"),
              Param("emotion", str, None, help="target emotion (else the reference video's class)"))

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.weights_file = params.get("weights_file", WEIGHTS)
        if self.weights_file not in ("emonet_8.pth", "emonet_5.pth"):
            raise InputError(f"emotion-acc: weights_file={self.weights_file!r}; use 'emonet_8.pth' or 'emonet_5.pth'")
        self.emotion = params.get("emotion")
        self.stride = int(params.get("stride", 1))
        self._probs: list = []
        self._ref_probs: list = []
        self._frames = 0
        self._init_mesh(params)
        if self.emotion is None:
            # the target comes from the reference video: ask the runner for it and its face points
            self.info = dataclasses.replace(type(self).info, needs=frozenset({"ref", "weights"}))
            self.uses_ref_faces = True

    def _net(self):
        _common.require_torch(self.info.name)
        from thg.eval.metrics.deep.nets.emonet import load_emonet

        return _common.load_network(self.weights_file, self.info.name, self.weights_dir, load_emonet)

    def _classify(self, net, frames, points) -> list:
        import torch

        crops: list[np.ndarray] = []
        slots: list[int | None] = []          # crop index per frame, None without a face
        for frame, pts in zip(frames, points):
            ok = has_face(pts)
            slots.append(len(crops) if ok else None)
            if ok:
                crops.append(emonet_crop(frame, pts[:, :2]))
        probs = np.zeros((0, net.n_expression))
        if crops:
            x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255.0
            with torch.inference_mode():
                probs = torch.softmax(net(x)["expression"], 1).double().numpy()
        return [probs[k] if k is not None else None for k in slots]

    def update_faces(self, pred, ref, pred_pts, ref_pts) -> None:
        net = self._net()
        keep = [i for i in range(len(pred)) if (self._frames + i) % self.stride == 0]
        self._frames += len(pred)
        if self.emotion is None:
            if ref is None or ref_pts is None:
                raise InputError("metric 'emotion-acc' needs a target: pass the emotion parameter (e.g. "
                                 "emotion=happy) or a reference video (--ref)")
            self._ref_probs += self._classify(net, ref[keep], ref_pts[keep])
        self._probs += self._classify(net, pred[keep], pred_pts[keep])

    def compute(self) -> MetricResult:
        self._close_trackers()
        n_classes = next((len(p) for p in self._probs if p is not None), 8)
        classes = classes_for(n_classes)
        conv = {"network": "EmoNet (Toisoul et al. 2021)", "weights": self.weights_file, "classes": list(classes),
                "crop": "EmoNet DataAugmentor box from the mesh's iBUG-68 points, 256x256", "input": "RGB x/255", "mesh_mode": self.mesh_mode,
                "frame_stride": self.stride, "value": "fraction of frames classified as the target",
                "per_frame": "predicted class index (NaN without a face)"}
        found = [p for p in self._probs if p is not None]
        per_frame = np.array([np.nan if p is None else float(np.argmax(p)) for p in self._probs])
        coverage = len(found) / len(self._probs) if self._probs else 0.0
        if not found:
            return MetricResult(self.info.name, float("nan"), per_frame=per_frame, convention=conv,
                                coverage=coverage, notes=["no face found in any frame"])
        if self.emotion is not None:
            target = parse_emotion(self.emotion, classes)
            conv["target"] = f"given: {classes[target]}"
        else:
            ref = [p for p in self._ref_probs if p is not None]
            if not ref:
                return MetricResult(self.info.name, float("nan"), per_frame=per_frame, convention=conv,
                                    coverage=coverage, notes=["no face in the reference video to take the emotion from"])
            target = int(np.bincount([int(np.argmax(p)) for p in ref], minlength=len(classes)).argmax())
            conv["target"] = f"reference video's majority class: {classes[target]}"
        labels = np.array([int(np.argmax(p)) for p in found])
        video_class = int(np.mean(found, axis=0).argmax())
        extra = {"target": classes[target], "video_class": classes[video_class],
                 "video_correct": float(video_class == target),
                 "class_histogram": {c: int((labels == i).sum()) for i, c in enumerate(classes)}}
        return MetricResult(self.info.name, float((labels == target).mean()), per_frame=per_frame, convention=conv,
                            coverage=coverage, extra=extra)
