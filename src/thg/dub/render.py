"""The lower face of one video frame, re-rendered from that frame itself.

:class:`LowerFaceRenderer` builds the generation renderer's parts (:mod:`thg.render`: the rig, the
deformer, the mesh warp and the mouth model) from one frame and its own face mesh, so the frame's
own lips and teeth are the texture, and drives only the mouth channels. What it changes is kept
below the nose tip:

- control points above the nose tip do not move, and the motion of the points between the nose
  tip and the upper lip fades in along a smoothstep (:func:`below_nose`);
- the anchor rings under the chin follow the jaw less than in ``generate`` (:data:`NECK_SHARE`),
  so the collar and the background under the chin stay where they are;
- the result is composited back with the same smoothstep per pixel: above the nose tip, and
  wherever the warp moves nothing, the output is the input frame bit for bit.

What the drawn interior takes from the frame (the teeth's colour, the blur of the lips' edge, ...)
is measured on each frame and smoothed over the frames of a shot (:class:`SteadyLook`).
"""

from __future__ import annotations

import cv2
import numpy as np

from thg.curves import smoothstep
from thg.features import landmarks as L
from thg.features.face import FaceGeometry
from thg.render.mouth import MouthLook, MouthModel, fill_with_lips
from thg.render.rig import N_MESH, Deformer, FaceRig
from thg.render.warp import MeshWarper

#: share of the jaw's motion taken by the two anchor rings around the face (``generate`` uses 0.8
#: and 0.3 and lets the crop border hold the rest): here the outer ring holds still, so the warp
#: ends a ring's width under the chin.
NECK_SHARE = (0.35, 0.0)
#: the motion fades in from the nose tip over this share of the way down to the upper lip's top
NOSE_RAMP = 0.6
UPPER_LIP_TOP = 0
#: mouth widths by which the frame's visible interior is grown before lip texture is filled in over
#: it: in a video frame (blurred, compressed) the pale edge of the teeth and the inner lip is wider
#: than the mesh contour, and a closing mouth would squeeze it into a pale outline
EDGE_BAND = 0.04
#: mouth widths around the lips that the mouth model analyses and paints in (a jaw opening to
#: 0.5 moves the lower lip by 0.4 mouth widths at most)
MOUTH_MARGIN = 0.6
#: how far each frame's measured mouth look moves the one drawn with (an exponential smoothing over
#: about four frames): measured frame by frame on the carphone clip, the interior's blur changed by
#: 15 % or more from one frame to the next in a tenth of the frames, the teeth's colour by 2.6 %
LOOK_WEIGHT = 0.25


class SteadyLook:
    """A shot's mouth look, smoothed over its frames: each frame's measured look moves it
    :data:`LOOK_WEIGHT` of the way; :meth:`reset` at a cut."""

    def __init__(self, weight: float = LOOK_WEIGHT) -> None:
        self.weight = weight
        self.look: MouthLook | None = None

    def reset(self) -> None:
        self.look = None

    def __call__(self, measured: MouthLook) -> MouthLook:
        self.look = measured if self.look is None else self.look.toward(measured, self.weight)
        return self.look


def below_nose(xy: np.ndarray, face_xy: np.ndarray, down: np.ndarray) -> np.ndarray:
    """Weight 0..1 of each point of ``xy``: 0 at and above the nose tip of ``face_xy``, both along
    the face's ``down`` axis and in image rows (a tilted head), 1 from :data:`NOSE_RAMP` of the way
    to the upper lip's top."""
    tip = face_xy[L.NOSE_TIP]
    reach = max(float((face_xy[UPPER_LIP_TOP] - tip) @ down) * NOSE_RAMP, 1.0)
    rel = xy - tip
    return smoothstep(0.0, 1.0, np.minimum(rel @ down, rel[..., 1]) / reach)


def lip_layer(region: np.ndarray, xy: np.ndarray, interior: np.ndarray) -> np.ndarray:
    """The frame's mouth region with its visible ``interior`` (grown by :data:`EDGE_BAND`, never
    past the outer lip contour) filled with the frame's own lip texture."""
    width = float(np.linalg.norm(xy[L.MOUTH_CORNERS[0]] - xy[L.MOUTH_CORNERS[1]]))
    r = max(1, int(round(EDGE_BAND * width)))
    grown = cv2.dilate(interior.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    outer = np.zeros(region.shape[:2], np.uint8)
    contour = xy[list(L.LIPS_OUTER_UPPER) + list(L.LIPS_OUTER_LOWER[::-1][1:-1])]
    cv2.fillPoly(outer, [np.round(contour * 4).astype(np.int32)], 1, shift=2)
    lips = (outer > 0) & ~(cv2.dilate(grown, np.ones((3, 3), np.uint8)) > 0)
    return fill_with_lips(region, (grown > 0) & (outer > 0), lips)


def _calm_neck(deformer: Deformer) -> None:
    n_oval = len(L.FACE_OVAL)
    oval = np.array(L.FACE_OVAL)
    for ring, share in enumerate(NECK_SHARE):
        start = N_MESH + 2 + ring * n_oval
        deformer.jaw[start: start + n_oval] = share * deformer.jaw[oval]


class LowerFaceRenderer:
    """``render(frame, face, channels)``: the frame with its mouth re-rendered to ``channels``.

    ``channels`` is one row of a :class:`~thg.motion.MotionTrack`; only the mouth channels should
    be non-zero (the frame already shows its own pose, blinks and brows). ``mouth_open`` is
    absolute, as everywhere; the other channels are changes from what the frame shows.
    """

    def __init__(self, step: int = 1) -> None:
        self.step = step   # warp grid in pixels: the region is small, so it is warped exactly
        self.last_box: tuple[int, int, int, int] | None = None  # image region the last frame changed
        self.steady = SteadyLook()

    def render(self, frame: np.ndarray, face: FaceGeometry, channels: np.ndarray,
               new_shot: bool = False) -> np.ndarray:
        """``new_shot``: the frame starts a shot (or follows one that is not its own): the mouth's
        look is measured afresh instead of carried on from the frames before."""
        if new_shot:
            self.steady.reset()
        # 1. where the control points go (rig-crop pixels); nothing above the nose tip moves
        rig = FaceRig.from_face(face, turns=False)   # the frame's own pose: the head never turns
        deformer = Deformer(rig)
        _calm_neck(deformer)
        cx, cy = rig.crop[:2]
        src = rig.points[:, :2].astype(np.float32)
        tgt = deformer.targets(channels)
        tgt = src + (tgt - src) * below_nose(src, face.xy - [cx, cy], deformer.v)[:, None].astype(np.float32)
        # 2. the region the moving triangles cover (image pixels)
        tris = rig.triangles[(np.abs(tgt - src).max(1) > 1e-3)[rig.triangles].any(1)]
        self.last_box = box = _cover(src, tgt, tris, (cx, cy), frame.shape) if len(tris) else None
        if box is None:
            return frame.copy()
        x0, y0, x1, y1 = box
        shift = np.array([cx - x0, cy - y0], np.float32)
        # 3. the region's own texture, warped, with the mouth's interior painted in
        region = np.ascontiguousarray(frame[y0:y1, x0:x1])
        mx0, my0, mx1, my1 = _mouth_box(face.xy - [x0, y0], region.shape)   # the mouth model's part of it
        mouth = self.mouth_model(np.ascontiguousarray(region[my0:my1, mx0:mx1]), face.xy - [x0 + mx0, y0 + my0])
        texture = region.copy()
        texture[my0:my1, mx0:mx1] = mouth.lip_layer
        warper = MeshWarper((x1 - x0, y1 - y0), tris, self.step,
                            detail=[rig.detail_regions()[2]] if self.step > 1 else None)
        # the box's rows at and above the nose tip are the frame's own in the end (4.): not warped
        top = int(np.clip(np.floor(face.xy[L.NOSE_TIP, 1]) + 1 - y0, 0, y1 - y0))
        rendered = texture.copy()
        rendered[top:] = cv2.remap(texture, warper.maps(src + shift, tgt + shift)[top:], None,
                                   interpolation=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        upper_map, lower_map = deformer.teeth_transforms(channels)
        to_mouth = shift - [mx0, my0]
        mouth.paint(rendered[my0:my1, mx0:mx1], (tgt + to_mouth)[list(L.LIPS_INNER_UPPER)],
                    (tgt + to_mouth)[list(L.LIPS_INNER_LOWER)],
                    _in_box(upper_map, to_mouth.astype(np.float32)), _in_box(lower_map, to_mouth.astype(np.float32)))
        # 4. composited back below the nose tip
        ys, xs = np.mgrid[y0 + top:y1, x0:x1].astype(np.float32)
        alpha = below_nose(np.stack([xs, ys], -1), face.xy.astype(np.float64), deformer.v)
        out = frame.copy()
        out[y0 + top:y1, x0:x1] = _blend(region[top:], rendered[top:], alpha)
        return out

    def mouth_model(self, region: np.ndarray, xy: np.ndarray) -> MouthModel:
        """The renderer's mouth model of the frame's region, its interior filled with lips more
        widely (:func:`lip_layer`), its look smoothed with the frames' before (:attr:`steady`)."""
        mouth = MouthModel(region, xy, fill_lips=False, opening=False, steady=self.steady)
        if mouth.interior.any():
            mouth.lip_layer = lip_layer(region, xy, mouth.interior)
        return mouth


def _blend(region: np.ndarray, rendered: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``rendered`` over ``region`` by ``alpha`` (0..1 per pixel), rounded; where alpha is 0 the
    region's own pixels, bit for bit, and where it is 1 the rendered ones. Only the rows where it
    ramps between the two are mixed."""
    out = rendered.copy()
    ramp = np.flatnonzero(((alpha > 0) & (alpha < 1)).any(1))
    if len(ramp):
        r0, r1 = ramp[0], ramp[-1] + 1
        a = alpha[r0:r1, :, None]
        out[r0:r1] = (region[r0:r1] * (1 - a) + rendered[r0:r1] * a + 0.5).astype(np.uint8)
    keep = alpha <= 0
    out[keep] = region[keep]
    return out


def _mouth_box(xy: np.ndarray, shape) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the lips and :data:`MOUTH_MARGIN` mouth widths around them, within ``shape``:
    all the mouth model needs to see (skin, lips, interior) and room for the widest opening."""
    lips = xy[list(L.LIPS_OUTER_UPPER) + list(L.LIPS_OUTER_LOWER)]
    pad = MOUTH_MARGIN * float(np.linalg.norm(xy[L.MOUTH_CORNERS[0]] - xy[L.MOUTH_CORNERS[1]]))
    x0, y0 = np.maximum(np.floor(lips.min(0) - pad).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(lips.max(0) + pad).astype(int), [shape[1], shape[0]])
    return int(x0), int(y0), int(x1), int(y1)


def _cover(src: np.ndarray, tgt: np.ndarray, tris: np.ndarray, origin, shape) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) in image pixels of the triangles ``tris`` before and after they move (None
    when that is too small to matter); ``origin`` is the rig crop's corner in the image."""
    corners = np.concatenate([src[tris].reshape(-1, 2), tgt[tris].reshape(-1, 2)]) + origin
    x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int) - 2, 0)
    x1, y1 = np.minimum(np.ceil(corners.max(0)).astype(int) + 3, [shape[1], shape[0]])
    return (int(x0), int(y0), int(x1), int(y1)) if x1 - x0 >= 8 and y1 - y0 >= 8 else None


def _in_box(amap: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """A 2×3 map between rig-crop pixels expressed between box pixels (box = crop + ``shift``)."""
    m = amap.astype(np.float64).copy()
    m[:, 2] += shift - m[:, :2] @ shift
    return m.astype(np.float32)
