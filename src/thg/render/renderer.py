"""Renderers turn a portrait and one frame of motion channels into a video frame.

The contract is two methods: ``prepare(portrait, face)`` once, then ``render(channels)`` per frame.
:class:`MeshWarpRenderer` is the default: no GPU, no weights.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol, runtime_checkable

import numpy as np

from thg.features import landmarks as L
from thg.features.face import FaceGeometry
from thg.motion.track import CHANNEL_NAMES
from thg.render.eyes import Eyelids
from thg.render.mouth import MouthModel, seat_closed_lips
from thg.render.rig import Deformer, FaceRig
from thg.render.warp import MeshWarper, Texture

_BLINK_R, _BLINK_L = CHANNEL_NAMES.index("blink_r"), CHANNEL_NAMES.index("blink_l")
_TONGUE = CHANNEL_NAMES.index("tongue")


@runtime_checkable
class Renderer(Protocol):
    def prepare(self, portrait: np.ndarray, face: FaceGeometry) -> None:
        """Analyse the portrait once (called before the first ``render``)."""

    def render(self, channels: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """One RGB frame, the size of the portrait, for one row of a MotionTrack."""


class MeshWarpRenderer:
    """Dense mesh warp of the photo, the photo's own or synthesised teeth, eyelids that close over the eyes.

    Only a square around the face (the rig's crop) is warped; its border stays fixed, so the
    animated region blends into the untouched photo without a seam. ``step`` is the coarseness of
    the warp grid in pixels away from the eyes and mouth (which are always warped at full
    resolution); by default it follows the face size.
    """

    def __init__(self, step: int | None = None) -> None:
        self.step = step
        self._ready = False

    def prepare(self, portrait: np.ndarray, face: FaceGeometry) -> None:
        self.portrait = np.ascontiguousarray(portrait)
        face = dataclasses.replace(face, points=seat_closed_lips(self.portrait, face.points))
        self.rig = FaceRig.from_face(face)
        self.deformer = Deformer(self.rig)
        step = self.step or int(np.clip(round(face.size / 25), 2, 4))  # small faces need a finer grid
        self.warper = MeshWarper(self.rig.size, self.rig.triangles, step, detail=self.rig.detail_regions(),
                                 source=self.rig.points[:, :2])
        x0, y0, x1, y1 = self.rig.crop
        self.mouth = MouthModel(np.ascontiguousarray(self.portrait[y0:y1, x0:x1]), face.xy - [x0, y0])
        self.crop = self.mouth.lip_layer
        self.eyelids = Eyelids(self.crop, face.xy - [x0, y0])
        self._plain = Texture(self.crop)
        self._lidded = Texture(self.crop.copy())  # the crop with closing lids painted on (thg.render.eyes)
        self.source_xy = self.rig.points[:, :2].astype(np.float32)
        face_xy = self.source_xy[list(L.FACE_OVAL)]
        pad = 0.08 * face.size  # room for head motion
        w, h = self.rig.size
        fx0, fy0 = np.maximum(np.floor(face_xy.min(0) - pad).astype(int), 0)
        fx1, fy1 = np.minimum(np.ceil(face_xy.max(0) + pad).astype(int), [w, h])
        self._sharp = (int(fx0), int(fy0), int(fx1), int(fy1))
        self._outer_lips = np.array(L.LIPS_OUTER_UPPER + L.LIPS_OUTER_LOWER)
        self._mouth_width = face.mouth_width
        self._inner_upper = np.array(L.LIPS_INNER_UPPER)
        self._inner_lower = np.array(L.LIPS_INNER_LOWER)
        self._ready = True

    def render_crop(self, channels: np.ndarray) -> np.ndarray:
        """The animated crop alone (what the speed target is measured on)."""
        target = self.deformer.targets(channels)
        blinks = (float(channels[_BLINK_R]), float(channels[_BLINK_L]))
        texture = self._plain
        if max(blinks) > 0.01:
            texture = self._lidded
            self.eyelids.close(texture.image, self.crop, blinks)
            for eye in self.eyelids.eyes:
                texture.update(eye["box"])
        crop = self.warper.warp(texture, self.source_xy, target, sharp=self._sharp, sharpest=self._lip_box(target),
                                order=self.deformer.draw_order(channels))
        self.mouth.paint(crop, target[self._inner_upper], target[self._inner_lower],
                         *self.deformer.teeth_transforms(channels), tongue=float(channels[_TONGUE]))
        return crop

    def _lip_box(self, target: np.ndarray) -> tuple[int, int, int, int]:
        """The lips and a little skin around them in ``target``, inside the face box."""
        lips = target[self._outer_lips]
        pad = 0.12 * self._mouth_width
        fx0, fy0, fx1, fy1 = self._sharp
        x0, y0 = np.floor(lips.min(0) - pad).astype(int)
        x1, y1 = np.ceil(lips.max(0) + pad).astype(int)
        return max(int(x0), fx0), max(int(y0), fy0), min(int(x1), fx1), min(int(y1), fy1)

    def render(self, channels: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if not self._ready:
            raise RuntimeError("call prepare(portrait, face) before render()")
        frame = self.portrait.copy() if out is None else out
        x0, y0, x1, y1 = self.rig.crop
        b = self.warper.step  # the crop's outer ring never moves: keep the photo's own pixels there
        frame[y0 + b: y1 - b, x0 + b: x1 - b] = self.render_crop(channels)[b:-b, b:-b]
        return frame
