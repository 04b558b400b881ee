"""Metrics on the face mesh: geometry (LMD, F-LMD, MVE, PRMSE), expression (AED, smoothness,
blink rate, head motion, diversity), driving alignment (AKD, APD, ARD) and the weights-free
mouth-sync score.

The mesh runs once per frame for all of them: :func:`thg.eval.video.evaluate_video` tracks the
faces and calls :meth:`FaceMetric.update_faces`; used alone, :meth:`FaceMetric.update` runs its
own tracker. Frames without a face (in pred, or in ref for a comparison) are skipped and counted
in ``coverage``. Conventions (landmark mapping, units, head pose) are those of
:mod:`thg.eval.functional.face`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from thg.errors import InputError
from thg.eval.base import Metric, MetricInfo, MetricResult, Param
from thg.eval.functional import face as G
from thg.eval.metrics._common import MESH_MODES, MESH_PARAM, check_pair

_REF = frozenset({"ref"})
_NONE: frozenset[str] = frozenset()
INF = float("inf")

LANDMARKS = ("mediapipe face mesh (478 points, refine_landmarks, largest face); "
             "iBUG-68 layout mapped from the mesh (thg.features.landmarks.IBUG68)")
DLIB_LANDMARKS = ("dlib 68-point shape predictor (shape_predictor_68_face_landmarks.dat of face-recognition-models) "
                  "on dlib's HOG frontal detector's largest face (upsampled once when none is found)")


#: "static": the mesh runs on each frame alone (detector + landmarks, about 6 ms at 256 px):
#: deterministic per frame, so identical frames give identical landmarks. "tracking": landmarks
#: seeded from the previous frame (about 3.5 ms), but with ~0.1 px / ~0.2 degree jitter on a
#: still face that adds a noise floor to motion metrics.



def _mediapipe_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return "unknown"


class FaceTracker:
    """Face-mesh points of consecutive frames: T×478×3 float32 in pixels, NaN where no face."""

    def __init__(self, mode: str = "static") -> None:
        from thg.features import FaceMesher

        if mode not in MESH_MODES:
            raise InputError(f"face mesh mode {mode!r} is not one of {', '.join(MESH_MODES)}")
        self.mode = mode
        self._mesher = FaceMesher(static=mode == "static", max_faces=1)

    def track(self, frames: np.ndarray) -> np.ndarray:
        out = np.full((len(frames), 478, 3), np.nan, dtype=np.float32)
        for i, frame in enumerate(frames):
            faces = self._mesher.detect(frame)
            if faces:
                out[i] = faces[0].points
        return out

    def close(self) -> None:
        self._mesher.close()


class FaceMetric(Metric):
    """Base of the mesh metrics: subclasses implement :meth:`consume` on tracked points."""

    PARAMS: ClassVar[tuple[Param, ...]] = (MESH_PARAM,)

    def __init__(self, *, mesh: str = "static", **params) -> None:
        if mesh not in MESH_MODES:
            raise InputError(f"metric {self.info.name!r}: mesh={mesh!r} is not one of {', '.join(MESH_MODES)}")
        super().__init__(mesh=mesh, **params)
        self.mesh_mode = mesh
        self._trackers: dict[str, FaceTracker] = {}
        self.frames = 0
        self.used = 0
        self.width: int | None = None

    # -- streaming -------------------------------------------------------------------------
    def update(self, pred: np.ndarray, ref: np.ndarray | None = None) -> None:
        pred, ref = check_pair(self.info, pred, ref)
        pred_pts = self._tracker("pred").track(pred)
        ref_pts = self._tracker("ref").track(ref) if ref is not None else None
        self.update_faces(pred, ref, pred_pts, ref_pts)

    def update_faces(self, pred: np.ndarray, ref: np.ndarray | None, pred_pts: np.ndarray,
                     ref_pts: np.ndarray | None) -> None:
        """Consume frames with their tracked mesh points (NaN rows = no face)."""
        self.width = pred.shape[2]
        if "ref" in self.info.needs and ref_pts is None:
            raise InputError(f"metric {self.info.name!r} needs reference frames; pass ref")
        self.frames += len(pred_pts)
        ok = np.isfinite(pred_pts).all((1, 2))
        if ref_pts is not None and "ref" in self.info.needs:
            ok &= np.isfinite(ref_pts).all((1, 2))
        self.used += int(ok.sum())
        self.consume(pred, ref, pred_pts.astype(np.float64), None if ref_pts is None else ref_pts.astype(np.float64), ok)

    def reset(self) -> None:
        self._close_trackers()
        super().reset()

    def _close_trackers(self) -> None:
        for t in self._trackers.values():
            t.close()
        self._trackers = {}

    def _tracker(self, key: str) -> FaceTracker:
        if key not in self._trackers:
            self._trackers[key] = FaceTracker(self.mesh_mode)
        return self._trackers[key]

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        raise NotImplementedError

    # -- results ---------------------------------------------------------------------------
    @property
    def scale(self) -> float:
        return G.UNIT_WIDTH / self.width if self.width else 1.0

    def convention(self) -> dict:
        return {}

    def _too_few(self, need: int = 2) -> MetricResult:
        r = self.result(float("nan"))
        r.notes.append(f"needs at least {need} {'consecutive ' if need > 2 else ''}frames with a face")
        return r

    def result(self, value: float, per_frame: np.ndarray | None = None, **extra) -> MetricResult:
        self._close_trackers()
        notes = []
        if self.frames == 0:
            notes.append("no frames")
        elif self.used == 0:
            notes.append("no frame with a face" + (" in both pred and ref" if "ref" in self.info.needs else ""))
        elif self.used < self.frames:
            notes.append(f"{self.frames - self.used} of {self.frames} frames without a face were skipped")
        conv = {"landmarks": LANDMARKS, "mesh_mode": self.mesh_mode, "mediapipe": _mediapipe_version(),
                **self.convention()}
        return MetricResult(self.info.name, float(value), per_frame=per_frame, convention=conv,
                            coverage=self.used / self.frames if self.frames else 0.0, notes=notes, extra=extra)


class _PerFrameFace(FaceMetric):
    """A face metric with one value per frame (NaN where no face), mean over frames."""

    aggregate = "mean over frames with a face"

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._values: list[np.ndarray] = []

    def frame_values(self, pred_pts, ref_pts) -> np.ndarray:
        raise NotImplementedError

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        v = np.full(len(pred_pts), np.nan)
        if ok.any():
            v[ok] = self.frame_values(pred_pts[ok], None if ref_pts is None else ref_pts[ok])
        self._values.append(v)

    def compute(self) -> MetricResult:
        v = np.concatenate(self._values) if self._values else np.zeros(0)
        ok = np.isfinite(v)
        value = self.reduce(v[ok]) if ok.any() else float("nan")
        return self.result(value, v)

    def reduce(self, v: np.ndarray) -> float:
        return float(v.mean())

    def state(self) -> dict[str, np.ndarray]:
        v = np.concatenate(self._values) if self._values else np.zeros(0)
        return {"values": v, "counts": np.array([self.frames, self.used, self.width or 0])}

    def load_state(self, state) -> None:
        self._values = [np.asarray(state["values"], dtype=np.float64)]
        self.frames, self.used, w = (int(x) for x in state["counts"])
        self.width = w or None


# -- geometry ----------------------------------------------------------------------------------

class _LMD(_PerFrameFace):
    """``landmarks="ibug68"`` (default: the 68-point layout mapped from the face mesh), ``"dlib68"``
    (dlib's own 68-point shape predictor on each frame, the detector many papers ran) or ``"mesh"`` (the
    mesh's own points: all 40 lip-contour points for the mouth, the 468 surface points for the face)."""

    points: np.ndarray | None = None
    points_name = ""
    mesh_points: np.ndarray | None = None
    mesh_points_name = ""

    PARAMS = (MESH_PARAM, Param("center", bool, False, help="remove each landmark set's mean first"),
              Param("landmarks", str, "ibug68", choices=("ibug68", "dlib68", "mesh"),
                    help="68 points mapped from the mesh, dlib's 68-point predictor, or mesh points"))

    def __init__(self, *, center: bool = False, landmarks: str = "ibug68", **params) -> None:
        if landmarks not in ("ibug68", "dlib68", "mesh"):
            raise InputError(f"metric {self.info.name!r}: landmarks={landmarks!r} is not one of ibug68, dlib68, mesh")
        if landmarks == "dlib68":
            from thg.eval.functional import dlib68

            dlib68.models()      # a missing dlib or model file fails here, in one line
        super().__init__(center=center, landmarks=landmarks, **params)
        self.center = bool(center)
        self.landmarks = landmarks

    def update_faces(self, pred, ref, pred_pts, ref_pts) -> None:
        if self.landmarks == "dlib68":   # dlib's own points replace the mesh's (and decide the coverage)
            from thg.eval.functional.dlib68 import landmarks

            pred_pts = landmarks(pred)
            ref_pts = None if ref is None or ref_pts is None else landmarks(ref)
        super().update_faces(pred, ref, pred_pts, ref_pts)

    def frame_values(self, pred_pts, ref_pts):
        if self.landmarks == "dlib68":
            return G.landmark_distance(pred_pts, ref_pts, self.points, scale=self.scale, center=self.center)
        if self.landmarks == "mesh":
            return G.landmark_distance(pred_pts, ref_pts, self.mesh_points, scale=self.scale, center=self.center)
        return G.landmark_distance(G.ibug68(pred_pts), G.ibug68(ref_pts), self.points, scale=self.scale,
                                   center=self.center)

    def convention(self) -> dict:
        name = self.mesh_points_name if self.landmarks == "mesh" else self.points_name
        source = {"dlib68": {"landmarks": DLIB_LANDMARKS, "mesh_mode": "not used"}}.get(self.landmarks, {})
        return {**source, "points": name, "distance": "mean 2-D Euclidean distance per landmark",
                "units": "px at 256 px frame width", "center": self.center, "aggregate": self.aggregate}


class LMDMouth(_LMD):
    info = MetricInfo("lmd-mouth", "geometry", False, _REF, (0.0, INF),
                      "M-LMD: mouth landmark distance to the reference (20 iBUG mouth points), px at 256 px")
    points = G.MOUTH68
    points_name = "iBUG68 mouth 48-67"
    mesh_points = G.MESH_LIPS
    mesh_points_name = "mesh lip contours (40 points)"


class LMDFace(_LMD):
    info = MetricInfo("lmd-face", "geometry", False, _REF, (0.0, INF),
                      "Full-face landmark distance to the reference (68 iBUG points), px at 256 px; "
                      "some papers call this F-LMD (here 'f-lmd' is the Frechet landmark distance)")
    points = None
    points_name = "iBUG68 all 68"
    mesh_points = np.arange(468)
    mesh_points_name = "mesh surface (468 points)"


class AKD(_LMD):
    info = MetricInfo("akd", "driving", False, _REF, (0.0, INF),
                      "Average keypoint distance to the driving frames (68 iBUG points, px at 256 px, as "
                      "FOMM reports it); missing-keypoint rate in extra['mkr']")
    points = None
    points_name = "iBUG68 all 68"
    mesh_points = np.arange(468)
    mesh_points_name = "mesh surface (468 points)"

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._ref_faces = 0
        self._missed = 0

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        super().consume(pred, ref, pred_pts, ref_pts, ok)
        ref_face = np.isfinite(ref_pts).all((1, 2))
        pred_face = np.isfinite(pred_pts).all((1, 2))
        self._ref_faces += int(ref_face.sum())
        self._missed += int((ref_face & ~pred_face).sum())

    def compute(self) -> MetricResult:
        r = super().compute()
        r.extra["mkr"] = self._missed / self._ref_faces if self._ref_faces else float("nan")
        return r


class FLMD(FaceMetric):
    info = MetricInfo("f-lmd", "geometry", False, _REF, (0.0, INF),
                      "Frechet landmark distance: Frechet distance between Gaussian fits of the pred and ref "
                      "landmark-shape distributions over the video (68 iBUG points, centred, / inter-ocular)")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._n = np.zeros(2)
        self._sum = np.zeros((2, 136))
        self._outer = np.zeros((2, 136, 136))

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        if not ok.any():
            return
        for k, pts in enumerate((pred_pts, ref_pts)):
            x = G.landmark_shape(pts[ok])
            self._n[k] += len(x)
            self._sum[k] += x.sum(0)
            self._outer[k] += x.T @ x

    def compute(self) -> MetricResult:
        if self._n.min() < 2:
            return self._too_few()
        mus, covs = [], []
        for k in range(2):
            mu = self._sum[k] / self._n[k]
            cov = (self._outer[k] - self._n[k] * np.outer(mu, mu)) / (self._n[k] - 1)
            mus.append(mu)
            covs.append(cov)
        return self.result(G.frechet_distance(mus[0], covs[0], mus[1], covs[1]))

    def convention(self) -> dict:
        return {"vector": "68 iBUG 2-D landmarks minus their mean, / 2-D inter-ocular distance (136 values)",
                "distribution": "Gaussian (mean, unbiased covariance) over the frames with a face in both",
                "distance": "Frechet: |mu1-mu2|^2 + tr(C1 + C2 - 2 sqrt(C1 C2))"}

    def state(self) -> dict[str, np.ndarray]:
        return {"n": self._n, "sum": self._sum, "outer": self._outer,
                "counts": np.array([self.frames, self.used, self.width or 0])}

    def load_state(self, state) -> None:
        self._n, self._sum, self._outer = (np.asarray(state[k], dtype=np.float64) for k in ("n", "sum", "outer"))
        self.frames, self.used, w = (int(x) for x in state["counts"])
        self.width = w or None


class MVE(_PerFrameFace):
    info = MetricInfo("mve", "geometry", False, _REF, (0.0, INF),
                      "Mean vertex error of the 468 mesh points after similarity alignment of pred onto ref, "
                      "px at 256 px")

    def frame_values(self, pred_pts, ref_pts):
        return np.array([G.mesh_vertex_error(p, r, scale=self.scale) for p, r in zip(pred_pts, ref_pts)])

    def convention(self) -> dict:
        return {"points": "468 mesh vertices (x, y, z; z in pixel scale)",
                "alignment": "least-squares similarity (Umeyama) of pred onto ref, per frame",
                "units": "px at 256 px frame width", "aggregate": self.aggregate}


POSE_CONVENTION = ("head frame from the mesh (x: right-to-left face edge, y: forehead 10 to chin 152, "
                   "z = x cross y); intrinsic Y-X-Z Euler angles = yaw, pitch, roll in degrees")


class PRMSE(_PerFrameFace):
    info = MetricInfo("prmse", "geometry", False, _REF, (0.0, INF),
                      "Pose RMSE: root mean square difference of head yaw, pitch, roll (degrees) to the reference")

    def frame_values(self, pred_pts, ref_pts):
        d = G.head_pose(pred_pts) - G.head_pose(ref_pts)
        return (d * d).mean(-1)  # per-frame mean square; the root is taken over the video

    def reduce(self, v):
        return float(np.sqrt(v.mean()))

    def compute(self) -> MetricResult:
        r = super().compute()
        if r.per_frame is not None:
            r.per_frame = np.sqrt(r.per_frame)
        return r

    def convention(self) -> dict:
        return {"pose": POSE_CONVENTION, "formula": "sqrt(mean over frames and the 3 angles of squared difference)",
                "per_frame": "RMS over the 3 angles"}


class APD(_PerFrameFace):
    info = MetricInfo("apd", "driving", False, _REF, (0.0, 180.0),
                      "Average pose distance: mean absolute difference of yaw, pitch, roll (degrees) to the driving frames")

    def frame_values(self, pred_pts, ref_pts):
        return np.abs(G.head_pose(pred_pts) - G.head_pose(ref_pts)).mean(-1)

    def convention(self) -> dict:
        return {"pose": POSE_CONVENTION, "formula": "mean |angle difference| over yaw, pitch, roll",
                "aggregate": self.aggregate, "translation": "not included (rotation only)"}


class ARD(_PerFrameFace):
    info = MetricInfo("ard", "driving", False, _REF, (0.0, 180.0),
                      "Average rotation distance: geodesic angle (degrees) between pred and driving head rotations")

    def frame_values(self, pred_pts, ref_pts):
        return G.rotation_distance(G.head_rotation(pred_pts), G.head_rotation(ref_pts))

    def convention(self) -> dict:
        return {"pose": POSE_CONVENTION, "formula": "arccos((trace(R1^T R2) - 1) / 2) in degrees",
                "aggregate": self.aggregate}


# -- expression ---------------------------------------------------------------------------------

EXPRESSION_CONVENTION = ("42 iBUG points (brows 17-26, eyes 36-47, mouth 48-67) in pose-free face-frame "
                         "coordinates (head rotation removed, centred, / 3-D inter-ocular distance)")


class AED(_PerFrameFace):
    info = MetricInfo("aed", "expression", False, _REF, (0.0, INF),
                      "Average expression distance to the reference: L1 distance of pose-free mesh expression "
                      "landmarks (inter-ocular units); mesh-based, not 3DMM coefficients")

    def frame_values(self, pred_pts, ref_pts):
        return G.expression_distance(pred_pts, ref_pts)

    def convention(self) -> dict:
        return {"expression": EXPRESSION_CONVENTION, "distance": "mean over points of the L1 norm of the 3-D "
                "difference", "units": "inter-ocular distance", "aggregate": self.aggregate,
                "note": "identity shape differences also count (no 3DMM identity/expression split)"}


class _Moments(FaceMetric):
    """Running first and second moments of a per-frame vector (flat memory)."""

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._n = 0
        self._sum: np.ndarray | float = 0.0
        self._sq: np.ndarray | float = 0.0

    def vectors(self, pts: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        if not ok.any():
            return
        x = self.vectors(pred_pts[ok]).reshape(int(ok.sum()), -1)
        self._n += len(x)
        self._sum = self._sum + x.sum(0)
        self._sq = self._sq + (x * x).sum(0)

    def std(self) -> np.ndarray:
        mean = self._sum / self._n
        return np.sqrt(np.maximum(self._sq / self._n - mean * mean, 0.0))


class HeadMotion(_Moments):
    info = MetricInfo("head-motion", "expression", True, _NONE, (0.0, 180.0),
                      "Head-motion diversity: standard deviation over time of yaw, pitch, roll (degrees), "
                      "averaged over the 3 angles (0 = a frozen head)")

    def vectors(self, pts):
        return G.head_pose(pts)

    def compute(self) -> MetricResult:
        if self._n < 2:
            return self._too_few()
        s = self.std()
        return self.result(float(s.mean()), yaw_std=float(s[0]), pitch_std=float(s[1]), roll_std=float(s[2]))

    def convention(self) -> dict:
        return {"pose": POSE_CONVENTION, "formula": "mean over angles of the population std over frames"}


class Diversity(_Moments):
    info = MetricInfo("diversity", "expression", True, _NONE, (0.0, INF),
                      "Expression diversity: standard deviation over time of the pose-free expression landmarks "
                      "(inter-ocular units), averaged over coordinates (0 = a frozen face)")

    def vectors(self, pts):
        return G.expression_vector(pts)

    def compute(self) -> MetricResult:
        if self._n < 2:
            return self._too_few()
        return self.result(float(self.std().mean()))

    def convention(self) -> dict:
        return {"expression": EXPRESSION_CONVENTION, "formula": "mean over the 126 coordinates of the population "
                "std over frames", "see_also": "head-motion for pose diversity"}


class LandmarkSmoothness(FaceMetric):
    info = MetricInfo("smoothness-landmark", "expression", False, _NONE, (0.0, INF),
                      "Landmark acceleration: mean |second difference| of the 68 iBUG landmarks between "
                      "consecutive frames (px at 256 px per frame^2); velocity in extra")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._prev: list[np.ndarray | None] = [None, None]  # last two landmark sets (None = no face)
        self._vel: list[float] = []
        self._acc: list[float] = []

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        for pts, good in zip(pred_pts, ok):
            cur = G.ibug68(pts)[:, :2] * self.scale if good else None
            p1, p2 = self._prev[1], self._prev[0]
            if cur is not None and p1 is not None:
                self._vel.append(float(np.linalg.norm(cur - p1, axis=-1).mean()))
                if p2 is not None:
                    self._acc.append(float(np.linalg.norm(cur - 2 * p1 + p2, axis=-1).mean()))
            self._prev = [p1, cur]

    def compute(self) -> MetricResult:
        if not self._acc:
            return self._too_few(3)
        return self.result(float(np.mean(self._acc)), np.asarray(self._acc), velocity=float(np.mean(self._vel)))

    def convention(self) -> dict:
        return {"points": "iBUG68 all 68, 2-D", "units": "px at 256 px frame width per frame^2 (per frame for velocity)",
                "formula": "mean over triples of consecutive frames with a face of mean |x(t) - 2x(t-1) + x(t-2)|",
                "pose": "included (head motion counts)"}


class FrameSignal(FaceMetric):
    """A face metric built on one number per frame (NaN without a face): subclasses define :meth:`signal`."""

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._signal: list[np.ndarray] = []

    def signal(self, pts: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def consume(self, pred, ref, pred_pts, ref_pts, ok) -> None:
        v = np.full(len(pred_pts), np.nan)
        if ok.any():
            v[ok] = self.signal(pred_pts[ok])
        self._signal.append(v)

    def values(self) -> np.ndarray:
        return np.concatenate(self._signal) if self._signal else np.zeros(0)


class BlinkRate(FrameSignal):
    info = MetricInfo("blink-rate", "expression", True, _NONE, (0.0, INF),
                      "Blinks per minute from the eye openness (lid gap / eye width); people blink about "
                      "10-30 times a minute, a talking head that never blinks scores 0")

    PARAMS = (MESH_PARAM, Param("close_ratio", float, 0.55, low=0.0, high=1.0, help="share of open eyes a blink starts below"),
              Param("open_ratio", float, 0.8, low=0.0, high=1.0, help="share a blink ends above"))

    def __init__(self, *, close_ratio: float = 0.55, open_ratio: float = 0.8, **params) -> None:
        super().__init__(close_ratio=close_ratio, open_ratio=open_ratio, **params)
        self.close_ratio, self.open_ratio = float(close_ratio), float(open_ratio)

    def signal(self, pts):
        return G.eye_openness(pts)

    def compute(self) -> MetricResult:
        o = self.values()
        if not np.isfinite(o).any():
            return self.result(float("nan"))
        n = G.count_blinks(o, close_ratio=self.close_ratio, open_ratio=self.open_ratio)
        minutes = np.isfinite(o).sum() / self.fps / 60.0
        return self.result(n / minutes, o, blinks=n, seconds=minutes * 60)

    def convention(self) -> dict:
        return {"openness": "mean over both eyes of the lid gap (3 middle lid points) / eye width, face frame",
                "blink": f"openness below {self.close_ratio} x baseline, ended above {self.open_ratio} x baseline",
                "baseline": "80th percentile of the video's openness", "fps": self.fps,
                "per_frame": "eye openness"}


# -- weights-free sync -------------------------------------------------------------------------

class _MouthSync(FrameSignal):
    PARAMS = (MESH_PARAM, Param("max_offset", int, 15, low=0, high=100, help="largest offset searched (frames)"))

    def __init__(self, *, max_offset: int = 15, **params) -> None:
        super().__init__(max_offset=max_offset, **params)
        self.max_offset = int(max_offset)

    def signal(self, pts):
        return G.mouth_opening(pts)

    def _correlate(self):
        if self.audio is None:
            raise InputError(f"metric {self.info.name!r} needs speech audio; pass --audio or a video with sound")
        o = self.values()
        env = G.speech_envelope(np.asarray(self.audio), self.fps, len(o))
        offsets, corr = G.lagged_correlation(o, env, self.max_offset)
        return o, offsets, corr

    def convention(self) -> dict:
        return {"video_signal": "mouth opening: inner-lip gap / mouth width (face frame) per frame",
                "audio_signal": "speech RMS in a one-frame window centred on each frame (16 kHz mono)",
                "score": "max over offsets of the Pearson correlation", "offsets": f"+-{self.max_offset} frames",
                "offset_sign": "positive = the mouth moves after the sound (video lags audio)",
                "fps": self.fps, "not": "this is not SyncNet's LSE-C / LSE-D"}

    def _sync_result(self, want: str) -> MetricResult:
        o, offsets, corr = self._correlate()
        if not np.isfinite(corr).any():
            r = self.result(float("nan"), o)
            r.notes.append("too few frames with a face to correlate mouth and speech")
            return r
        j = int(np.nanargmax(corr))
        score, offset = float(corr[j]), int(offsets[j])
        value = score if want == "score" else offset
        return self.result(value, o, score=score, offset_frames=offset, offsets=offsets.tolist(),
                           correlation=[None if not np.isfinite(c) else float(c) for c in corr])


class MouthSync(_MouthSync):
    info = MetricInfo("mouth-sync", "sync", True, frozenset({"audio"}), (-1.0, 1.0),
                      "Weights-free lip sync: max Pearson correlation between the mesh's mouth opening and "
                      "the speech loudness over +-15 frame offsets (not LSE)")

    def compute(self) -> MetricResult:
        return self._sync_result("score")


class MouthAVOffset(_MouthSync):
    info = MetricInfo("mouth-av-offset", "sync", False, frozenset({"audio"}), (-15.0, 15.0),
                      "Weights-free AV offset in frames: the offset where mouth opening and speech loudness "
                      "correlate best (0 is best; positive = video lags audio; not SyncNet's offset)")

    def compute(self) -> MetricResult:
        return self._sync_result("offset")


__all__ = [
    "FaceTracker", "FaceMetric", "LMDMouth", "LMDFace", "AKD", "FLMD", "MVE", "PRMSE", "APD", "ARD", "AED",
    "HeadMotion", "Diversity", "LandmarkSmoothness", "BlinkRate", "MouthSync", "MouthAVOffset",
]
