"""``csim-dlib``: identity similarity with dlib's face-recognition ResNet, a model that ships with a package.

dlib's ``dlib_face_recognition_resnet_model_v1.dat`` (from ``face-recognition-models``) embeds the
largest face dlib's HOG detector finds (68-point alignment by ``shape_predictor_68_face_landmarks``)
into 128 values. The score is the cosine of the frame's and the source portrait's descriptors, mean
over frames with a face. It has its own name because it is not on ArcFace's scale: dlib's descriptors
are made for a Euclidean threshold (0.6: same person below), so even two different people score a
high cosine (the astronaut against Grace Hopper: 0.880, distance 0.70; the astronaut against a shifted,
rotated frame of herself: 0.999, distance 0.06). ``extra`` holds the mean distance and the share of
frames dlib would call the same person.
"""

from __future__ import annotations

import numpy as np

from thg.errors import InputError, NoFaceError
from thg.eval.base import Metric, MetricInfo, MetricResult
from thg.eval.metrics._common import STRIDE, check_frames

SAME_PERSON = 0.6   # dlib's distance threshold


class CSIMDlib(Metric):
    info = MetricInfo(
        name="csim-dlib", family="driving", higher_is_better=True, needs=frozenset({"source"}),
        score_range=(-1.0, 1.0),
        description="Identity similarity: cosine of dlib face-recognition ResNet descriptors of the source portrait "
                    "and each frame (not ArcFace's scale: different people score ~0.88)")
    PARAMS = (STRIDE,)

    def __init__(self, **params) -> None:
        super().__init__(**params)
        from thg.eval.functional import dlib68

        self._dlib = dlib68.models()       # a missing dlib or model file fails here, in one line
        self.stride = int(params.get("stride", 1))
        self._source: np.ndarray | None = None
        self._cos: list[float] = []
        self._dist: list[float] = []
        self._frames = 0

    def _source_descriptor(self) -> np.ndarray:
        if self._source is None:
            if self.source is None:
                raise InputError("metric 'csim-dlib' needs the source portrait; pass --source IMAGE")
            src = np.ascontiguousarray(self.source[..., :3])
            face = self._dlib.face(src)
            if face is None:
                raise NoFaceError("metric 'csim-dlib': dlib finds no face in the source portrait; give a photo "
                                  "with a frontal face")
            self._source = self._dlib.descriptor(src, face)
        return self._source

    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        pred = check_frames(pred, "pred")
        target = self._source_descriptor()
        for i, frame in enumerate(pred):
            if (self._frames + i) % self.stride:
                continue
            frame = np.ascontiguousarray(frame)
            face = self._dlib.face(frame)
            if face is None:
                self._cos.append(np.nan)
                self._dist.append(np.nan)
                continue
            d = self._dlib.descriptor(frame, face)
            self._cos.append(float(d @ target / (np.linalg.norm(d) * np.linalg.norm(target))))
            self._dist.append(float(np.linalg.norm(d - target)))
        self._frames += len(pred)

    def compute(self) -> MetricResult:
        cos, dist = np.array(self._cos, np.float64), np.array(self._dist, np.float64)
        ok = np.isfinite(cos)
        conv = {"network": "dlib face-recognition ResNet v1 (128-d)", "weights": "dlib_face_recognition_resnet_model_v1.dat"
                " (face-recognition-models)", "detector": "dlib HOG frontal, largest face, upsampled once when none",
                "alignment": "dlib shape_predictor_68_face_landmarks", "score": "cosine of descriptors",
                "against": "source", "frame_stride": self.stride}
        if not ok.any():
            return MetricResult(self.info.name, float("nan"), per_frame=cos, convention=conv, coverage=0.0,
                                notes=["dlib found no face in any frame"])
        notes = [] if ok.all() else [f"{int((~ok).sum())} of {len(cos)} frames without a face were skipped"]
        extra = {"distance": float(dist[ok].mean()), "same_person_share": float((dist[ok] < SAME_PERSON).mean()),
                 "same_person_threshold": SAME_PERSON}
        return MetricResult(self.info.name, float(cos[ok].mean()), per_frame=cos, convention=conv,
                            coverage=float(ok.mean()), notes=notes, extra=extra)

    def state(self) -> dict[str, np.ndarray]:
        return {"cos": np.array(self._cos, np.float64), "dist": np.array(self._dist, np.float64)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self._cos, self._dist = list(state["cos"]), list(state["dist"])
