"""The face rig: control points, their topology, and how each motion channel moves them.

Control points are the 468 face-mesh surface points, the two iris centres, and three rings of
anchors between the face and the crop border (the last ring lies on the border and never moves).
Triangles: the mesh's own surface triangles, fills for its three holes (mouth, eyes) so the inside
of the mouth and eyes can stretch and collapse, and quads between the rings.

Expression offsets are computed in a face-aligned frame (u along the eyes, v down the face) on the
neutral photo, then the head pose rotates the result in 3D and projects it orthographically.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from thg.curves import smoothstep
from thg.render.mouth import open_share
from thg.features import landmarks as L
from thg.features.face import FaceGeometry
from thg.motion.track import CHANNEL_NAMES

N_MESH = 468
IRIS_CENTRES = (L.RIGHT_IRIS[0], L.LEFT_IRIS[0])
RING_SCALES = (1.25, 1.6)     # anchor rings around the face oval, as multiples of its radius
RING_HEAD_WEIGHT = (1.0, 0.45)  # how much of the head motion each ring follows (hair moves with the head)
SILHOUETTE = 0.05             # face sizes inside the face oval: the rim whose depth is limited...
MAX_DEPTH_SLOPE = 2.0          # ...to this depth per pixel across the photo (see _limit_slope)
CROP_SCALE = 2.6               # crop side / face size
UPPER_SHARE = 0.2              # share of an opening taken by the upper lip (the jaw takes the rest)...
MAX_LIFT = 0.1                 # ...up to this lift (mouth widths): a wide opening is the jaw's
#: the lips' opening across the mouth: (1 - u²) to this power, u -1..1 corner to corner. At 0.5 (an
#: ellipse) the opening ended in a blunt dark block at each corner; real lips meet at a point
LIP_PROFILE = 0.7
CORNER_SKIN = 1.15             # half mouth widths from the middle: where the skin stops following the lips
LIFT_REACH = 0.45              # mouth widths above the upper lip over which the skin follows its lift
#: how much rounded lips (the motion's mouth_round at 1) narrow the mouth, in the units of mouth_wide
#: (0.35 of the mouth's width at each corner per unit): 21 % narrower at 0.3 (real /u/ lips are a
#: quarter to a third narrower than at rest); at 0.15, 10 %, and a rater saw the lips of /u/ and /o/
#: still stretched in the photo's smile; at 0.35 the skin beside the corners began to fold
ROUND_NARROW = 0.3
ROUND_UNSMILE = 0.7            # share of the photo's smile (corner lift) that fully rounded lips undo
NEUTRAL_LIFT = 0.03            # corner lift (mouth widths) of an unsmiling mouth, left alone

_CH = {name: i for i, name in enumerate(CHANNEL_NAMES)}
_POSE = [_CH[name] for name in ("yaw", "pitch", "roll", "shift_x", "shift_y")]  # what _rotation reads


def _strip(upper: tuple[int, ...], lower: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """Triangles filling the gap between two contours that share their end points."""
    tris = []
    for k in range(len(upper) - 1):
        a, b, c, d = upper[k], upper[k + 1], lower[k + 1], lower[k]
        for t in ((a, b, c), (a, c, d)):
            if len(set(t)) == 3:
                tris.append(t)
    return tris


def _limit_slope(points: np.ndarray, triangles: np.ndarray, slope: float, movable: np.ndarray,
                 rounds: int = 30) -> np.ndarray:
    """The points' depth with every mesh edge at most ``slope`` deep per pixel across the image:
    a deeper end is brought forward (``z = min(z, z_neighbour + slope·distance)``, repeated), of
    the ``movable`` points only (those near the silhouette: the nose keeps its relief).

    Near the silhouette the mesh's depth falls away steeply, over a sliver of the photo; turned
    toward the camera, that sliver would be stretched into a streaked band (the side of the head
    a turn reveals). With the slope limited, the photo's surface turns as one piece instead and
    the stretch goes to the background and hair beyond the face, which the photo does show."""
    edges = np.vstack([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    edges = np.vstack([edges, edges[:, ::-1]])
    reach = slope * np.linalg.norm(points[edges[:, 0], :2] - points[edges[:, 1], :2], axis=1)
    z = points[:, 2].astype(np.float64).copy()
    for _ in range(rounds):
        bound = z.copy()
        np.minimum.at(bound, edges[:, 0], z[edges[:, 1]] + reach)
        bound = np.where(movable, bound, z)
        if np.array_equal(bound, z):
            break
        z = bound
    return z


def crop_box(face: FaceGeometry) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the region that is animated: a square around the face, clipped to the image."""
    w, h = face.image_size
    x0, y0, x1, y1 = face.bbox
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 + 0.05 * face.size
    half = CROP_SCALE * face.size / 2
    return (max(0, int(cx - half)), max(0, int(cy - half)), min(w, int(cx + half) + 1), min(h, int(cy + half) + 1))


@dataclass
class FaceRig:
    """Control points of one portrait in crop coordinates, with the weights of every motion channel."""

    points: np.ndarray         # N×3 source control points (x, y, z) in crop pixels
    triangles: np.ndarray      # T×3 indices; hole fills first so the mesh draws over them
    head_weight: np.ndarray    # N, 1 on the face, less on the rings, 0 on the border
    crop: tuple[int, int, int, int]
    n_fills: int = 0           # the first triangles fill holes and rings: always drawn first

    @classmethod
    def from_face(cls, face: FaceGeometry, turns: bool = True) -> FaceRig:
        """The rig of ``face``; with ``turns`` False, for a caller that never turns the head (no
        yaw, pitch or roll: depth moves nothing then), the mesh's depth is kept as it is instead
        of being limited near the silhouette (:func:`_limit_slope`)."""
        crop = crop_box(face)
        x0, y0, x1, y1 = crop
        pts = face.points[: N_MESH].astype(np.float64).copy()
        iris = face.points[list(IRIS_CENTRES)].astype(np.float64)
        pts = np.vstack([pts, iris])
        # the inner lip points sit deep in the mouth; give them the depth of the outer lip so that
        # head rotation moves each lip as one piece
        pts[list(L.LIPS_INNER_UPPER), 2] = pts[list(L.LIPS_OUTER_UPPER), 2]
        pts[list(L.LIPS_INNER_LOWER), 2] = pts[list(L.LIPS_OUTER_LOWER), 2]
        if turns:
            oval_poly = pts[list(L.FACE_OVAL), :2].astype(np.float32)
            rim_px = SILHOUETTE * face.size
            rim = np.array([cv2.pointPolygonTest(oval_poly, (float(a), float(b)), True) < rim_px
                            for a, b in pts[:N_MESH, :2]])
            pts[:N_MESH, 2] = _limit_slope(pts[:N_MESH], L.mesh_triangles(), MAX_DEPTH_SLOPE, rim)
        pts[:, 0] -= x0
        pts[:, 1] -= y0
        width, height = x1 - x0, y1 - y0

        oval = np.array(L.FACE_OVAL)
        centre = pts[oval, :2].mean(0)
        rings, weights = [], []
        for scale, weight in zip(RING_SCALES, RING_HEAD_WEIGHT):
            ring = centre + scale * (pts[oval, :2] - centre)
            rings.append(ring)
            weights.append(weight)
        border = _border_points(centre, pts[oval, :2], width, height)
        # keep the rings strictly inside the border along each ray
        for i, ring in enumerate(rings):
            limit = centre + (0.9 - 0.15 * (len(rings) - 1 - i)) * (border - centre)
            inside = np.linalg.norm(ring - centre, axis=1) < np.linalg.norm(limit - centre, axis=1)
            rings[i] = np.where(inside[:, None], ring, limit)
        z_oval = pts[oval, 2]
        extra = [np.column_stack([r, z_oval]) for r in rings] + [np.column_stack([border, np.zeros(len(oval))])]
        n_base = len(pts)
        points = np.vstack([pts] + extra)
        head_weight = np.concatenate([np.ones(n_base)] + [np.full(len(oval), w) for w in weights] + [np.zeros(len(oval))])
        triangles, n_fills = _rig_triangles()
        return cls(points, triangles.copy(), head_weight, crop, n_fills=n_fills)

    def detail_regions(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(points, triangles near them) of the eyes and the mouth: warped at full resolution.

        The triangles are those touching the points and their neighbours: the mesh's rows inside
        the lips (between the inner and outer contours) are thin, and a pixel the patch leaves
        uncovered keeps the coarse field, which is smeared across the opening there."""
        regions = []
        for group in ((L.RIGHT_EYE_UPPER + L.RIGHT_EYE_LOWER + L.RIGHT_EYE_CREASE + (N_MESH,)),
                      (L.LEFT_EYE_UPPER + L.LEFT_EYE_LOWER + L.LEFT_EYE_CREASE + (N_MESH + 1,)),
                      (L.LIPS_OUTER_UPPER + L.LIPS_OUTER_LOWER + L.LIPS_INNER_UPPER + L.LIPS_INNER_LOWER)):
            pts = np.array(sorted(set(group)))
            near = np.unique(self.triangles[np.isin(self.triangles, pts).any(1)])
            regions.append((pts, self.triangles[np.isin(self.triangles, near).any(1)]))
        return regions

    @property
    def size(self) -> tuple[int, int]:
        x0, y0, x1, y1 = self.crop
        return x1 - x0, y1 - y0


@functools.lru_cache(maxsize=1)
def _rig_triangles() -> tuple[np.ndarray, int]:
    """The rig's triangles (the same for every face: they depend on the topology only) and how
    many of them, first, fill holes and rings."""
    n_base, oval = N_MESH + len(IRIS_CENTRES), np.array(L.FACE_OVAL)
    tris: list[tuple[int, int, int]] = []
    tris += _strip(L.LIPS_INNER_UPPER, L.LIPS_INNER_LOWER)
    for upper, lower, iris_index in ((L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER, N_MESH),
                                     (L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER, N_MESH + 1)):
        ring = list(upper) + list(lower[::-1][1:-1])
        tris += [(iris_index, ring[k], ring[(k + 1) % len(ring)]) for k in range(len(ring))]
    # rings: oval -> ring 1 -> ring 2 -> border
    layers = [oval] + [n_base + len(oval) * i + np.arange(len(oval)) for i in range(len(RING_SCALES) + 1)]
    for inner, outer in zip(layers[:-1], layers[1:]):
        for k in range(len(oval)):
            k2 = (k + 1) % len(oval)
            tris += [(inner[k], inner[k2], outer[k2]), (inner[k], outer[k2], outer[k])]
    triangles = np.vstack([np.array(tris, dtype=np.int32), L.mesh_triangles()])
    triangles.flags.writeable = False
    return triangles, len(tris)


def _near_polygon(xy: np.ndarray, poly: np.ndarray, reach: float) -> np.ndarray:
    """Which points of ``xy`` lie inside ``poly`` or within ``reach`` pixels of it; only the points
    in its bounding box grown by more than ``reach`` are tested, the others are too far."""
    lo, hi = poly.min(0) - reach - 1.0, poly.max(0) + reach + 1.0
    out = np.zeros(len(xy), bool)
    for k in np.flatnonzero(((xy >= lo) & (xy <= hi)).all(1)):
        out[k] = cv2.pointPolygonTest(poly, (float(xy[k, 0]), float(xy[k, 1])), True) >= -reach
    return out


def _border_points(centre: np.ndarray, oval: np.ndarray, width: int, height: int) -> np.ndarray:
    """Where the rays from ``centre`` through each oval point leave the crop rectangle."""
    d = oval - centre
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        tx = np.where(d[:, 0] > 0, (width - 1 - centre[0]) / d[:, 0], -centre[0] / d[:, 0])
        ty = np.where(d[:, 1] > 0, (height - 1 - centre[1]) / d[:, 1], -centre[1] / d[:, 1])
    t = np.minimum(np.abs(tx), np.abs(ty))
    return centre + d * t[:, None]


class Deformer:
    """Maps one frame of motion channels to target control-point positions (N×2, crop pixels)."""

    def __init__(self, rig: FaceRig) -> None:
        self.rig = rig
        p = rig.points
        self.src = p
        n_face = N_MESH + 2
        xy = p[:, :2]
        eye_r = xy[list(L.RIGHT_EYE_CORNERS)].mean(0)
        eye_l = xy[list(L.LEFT_EYE_CORNERS)].mean(0)
        u = (eye_l - eye_r) / np.linalg.norm(eye_l - eye_r)
        self.u, self.v = u, np.array([-u[1], u[0]])
        self.io = float(np.linalg.norm(eye_l - eye_r))
        self.mouth_c = xy[list(L.MOUTH_CORNERS)].mean(0)
        self.mw = float(np.linalg.norm(xy[L.MOUTH_CORNERS[0]] - xy[L.MOUTH_CORNERS[1]]))
        face = np.zeros(len(p), bool)
        face[:n_face] = True
        self.face = face

        # mouth-centred, mouth-width-normalised coordinates of every point
        rel = xy - self.mouth_c
        self.uh = (rel @ u) / (self.mw / 2)
        self.vh = (rel @ self.v) / self.mw
        inner_u = np.array(L.LIPS_INNER_UPPER)
        inner_l = np.array(L.LIPS_INNER_LOWER)
        # midline of the lips and the photo's own inner gap, as functions of uh
        mid_v = (self.vh[inner_u] + self.vh[inner_l]) / 2
        order = np.argsort(self.uh[inner_u])
        self._mid_u, self._mid_v = self.uh[inner_u][order], mid_v[order]
        # the photo's opening measured across the mouth's own axes (a tilted head reads the same)
        self.src_gap = float(L.mouth_opening(np.stack([rel @ u, rel @ self.v], -1)))
        self._photo_open = open_share(self.src_gap)
        self._inner_u, self._inner_l = inner_u, inner_l
        self._not_inner = np.ones(len(p))
        self._not_inner[np.r_[inner_u, inner_l]] = 0.0
        self._inner_gap = (xy[inner_l] - xy[inner_u]) @ self.v  # per point pair, pixels

        # which points belong to the upper lip, the lower lip/jaw
        below = self.vh > np.interp(self.uh, self._mid_u, self._mid_v)
        # the inner contours are the lips' own edges: on a closed mouth they lie on the midline,
        # where the test above is a coin toss (and a lip edge on the wrong side pinches the mouth)
        below[inner_u], below[inner_l] = False, True
        outer_poly = np.array(list(L.LIPS_OUTER_UPPER) + list(L.LIPS_OUTER_LOWER[::-1][1:-1]))
        in_lips = _near_polygon(xy, xy[outer_poly].astype(np.float32), 0.04 * self.mw) & face
        self.lower_lip = in_lips & below
        self.upper_lip = in_lips & ~below
        lateral = np.exp(-np.maximum(np.abs(self.uh) - 0.5, 0) ** 2 / (2 * 0.9 ** 2))
        jaw = smoothstep(0.0, 0.45, self.vh - np.interp(self.uh, self._mid_u, self._mid_v)) * lateral
        # lip-profile weight: 1 at the middle of the mouth, 0 at the corners
        self.prof = np.clip(1 - np.clip(self.uh, -1, 1) ** 2, 0, 1) ** LIP_PROFILE
        # the chin under the lower lip is carried by the jaw as far as the lip above it: a smaller
        # share would squash the skin between lip and chin into folds as the mouth opens
        outer_l = np.array(L.LIPS_OUTER_LOWER)
        order = np.argsort(self.uh[outer_l])
        under_lip = self.vh > np.interp(self.uh, self.uh[outer_l][order], self.vh[outer_l][order])
        # an opening beyond the photo's: the skin just past the corners goes with the lip's ends (a
        # profile 0 at the corner itself would leave it behind as the lower lip drops and fold it
        # over the lip: dark dots); lips closing from the photo's opening only stretch it
        self._skin_prof = np.sqrt(np.clip(1 - np.clip(self.uh / CORNER_SKIN, -1, 1) ** 2, 0, 1))
        self._under_lip = under_lip & below & face
        self._lateral = lateral
        jaw = np.where(under_lip, np.maximum(jaw, self.prof * lateral), jaw)
        self.jaw = np.where(below & face, jaw, 0.0)
        # the skin above the upper lip follows its lift, less and less toward the nose: left in
        # place it would be squashed into a fold along the lip's border (dark and pale dots)
        outer_u = np.array(L.LIPS_OUTER_UPPER)
        order = np.argsort(self.uh[outer_u])
        above = np.interp(self.uh, self.uh[outer_u][order], self.vh[outer_u][order]) - self.vh
        skin = (1 - smoothstep(0.0, LIFT_REACH, above)) * (above > 0) * ~below * face
        self.lift = np.where(self.upper_lip, 1.0, skin)
        # the neck under the chin goes along with an opening jaw, less and less toward the crop
        # border, which stays: each ring by its share of the way from the oval to the border, so
        # the skin between them stretches evenly (a ring left behind would fold under the chin)
        oval = np.array(L.FACE_OVAL)
        n_rings = len(RING_SCALES)
        layer = [N_MESH + 2 + ring * len(oval) + np.arange(len(oval)) for ring in range(n_rings + 1)]
        centre = xy[oval].mean(0)
        reach = [np.linalg.norm(xy[idx] - centre, axis=1) for idx in [oval] + layer]
        for ring in range(n_rings):
            share = (reach[-1] - reach[ring + 1]) / np.maximum(reach[-1] - reach[0], 1e-6)
            self.jaw[layer[ring]] = np.clip(share, 0.0, 1.0) * self.jaw[oval]
        self.mouth_region = (np.exp(-np.maximum(np.abs(self.uh) - 1, 0) ** 2 / (2 * 0.6 ** 2))
                             * np.exp(-self.vh ** 2 / (2 * 0.55 ** 2)) * face)
        corner_dist = np.sqrt((np.abs(self.uh) - 1) ** 2 + (self.vh * 2) ** 2)
        self.corner = np.exp(-corner_dist ** 2 / (2 * 0.45 ** 2)) * face
        # how far the photo's mouth corners sit above the middle of its lips (a smile), per mouth width:
        # rounded lips pull the corners in and down, so /o/ and /u/ on a smiling photo lose the smile
        corners = self.vh[list(L.MOUTH_CORNERS)].mean()
        self.corner_lift = float(max(np.interp(0.0, self._mid_u, self._mid_v) - corners - NEUTRAL_LIFT, 0.0))

        # eyes: upper lid interior points, their lower partners, crease points above them
        self.eyes = []
        for upper, lower, crease, iris in ((L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER, L.RIGHT_EYE_CREASE, N_MESH),
                                           (L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER, L.LEFT_EYE_CREASE, N_MESH + 1)):
            up, lo = np.array(upper[1:-1]), np.array(lower[1:-1])
            gap = ((xy[lo] - xy[up]) @ self.v)
            self.eyes.append((up, lo, np.array(crease), gap, iris))
        # brows and forehead above them
        self.brows = []
        for brow, inner in ((L.RIGHT_BROW, (55, 65, 107, 66)), (L.LEFT_BROW, (285, 295, 336, 296))):
            b = np.array(brow)
            centre = xy[b].mean(0)
            d = np.linalg.norm(xy - centre, axis=1)
            above = ((xy - centre) @ self.v) < 0.15 * self.io
            w = np.exp(-d ** 2 / (2 * (0.45 * self.io) ** 2)) * above * face
            w[b] = 1.0
            inner_w = np.zeros(len(p))
            inner_w[list(inner)] = 1.0
            inner_w += 0.4 * np.exp(-np.linalg.norm(xy - xy[list(inner)].mean(0), axis=1) ** 2 / (2 * (0.25 * self.io) ** 2)) * face
            self.brows.append((w, np.clip(inner_w, 0, 1), np.sign((xy[list(inner)].mean(0) - centre) @ u)))
        self.face_centre = np.array([*xy[list(L.FACE_OVAL)].mean(0), p[:N_MESH, 2].mean() + 0.5 * self.io * 2])
        self.face_size = float(np.ptp(xy[list(L.FACE_OVAL)], axis=0).max())
        self.teeth_z = float(p[list(L.LIPS_OUTER_UPPER), 2].mean() + 0.15 * self.mw)  # behind the lips
        self._last_pose: tuple[object, tuple[np.ndarray, np.ndarray, np.ndarray]] = (None, self._turn(np.zeros(len(_CH))))

    # -----------------------------------------------------------------------------------------
    def targets(self, m: np.ndarray) -> np.ndarray:
        """Target 2D positions of every control point for one frame's channel vector ``m``."""
        du = np.zeros(len(self.src))
        dv = np.zeros(len(self.src))
        self._mouth(m, du, dv)
        self._eyes(m, du, dv)
        self._brows(m, du, dv)
        xy = self.src[:, :2] + du[:, None] * self.u + dv[:, None] * self.v
        return self._pose(m, np.column_stack([xy, self.src[:, 2]]))

    @staticmethod
    def _opening(m: np.ndarray) -> float:
        """The inner-lip gap to draw (fraction of mouth width)."""
        return max(float(m[_CH["mouth_open"]]), 0.0)

    def jaw_drop(self, m: np.ndarray) -> float:
        """How far (pixels, along the face's down axis) the jaw moves from the photo for ``m``."""
        delta = (self._opening(m) - self.src_gap) * self.mw
        return (1 - self._upper_share(delta)) * delta

    def _upper_share(self, delta: float) -> float:
        """The upper lip's share of a change ``delta`` (pixels) of the opening. Opening beyond a
        photo that shows its mouth open (a smile showing teeth), the jaw does it all: that upper
        lip is raised already, and lifting it further bared the gum."""
        if delta <= 0:
            return UPPER_SHARE
        return min(UPPER_SHARE, MAX_LIFT * self.mw / delta) * (1.0 - self._photo_open)

    def teeth_transforms(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """2×3 affine maps (source -> target crop pixels) of the upper teeth, which are fixed to
        the skull, and of the lower teeth, which move with the jaw: the head pose applied to the
        plane of the teeth (just behind the lips), the lower one after the jaw's drop."""
        rot, c, shift = self._rotation(m)
        lin = rot[:2, :2]
        t = rot[:2, 2] * (self.teeth_z - c[2]) + c[:2] - lin @ c[:2] + shift
        upper, lower = (np.column_stack([lin, t + lin @ (drop * self.v)]).astype(np.float32)
                        for drop in (0.0, self.jaw_drop(m)))
        return upper, lower

    def _mouth(self, m: np.ndarray, du: np.ndarray, dv: np.ndarray) -> None:
        mw = self.mw
        opening = self._opening(m)
        rnd = float(np.clip(m[_CH["mouth_round"]], 0, 1))
        wide = float(m[_CH["mouth_wide"]]) - ROUND_NARROW * rnd
        smile = float(m[_CH["smile"]])
        # the opening is shared: the jaw drops, the upper lip lifts a little
        delta = (opening - self.src_gap) * mw
        up_share = self._upper_share(delta)
        prof = self.prof ** (1.0 - 0.5 * rnd)  # rounder opening for rounded lips
        skin_prof = self._skin_prof ** (1.0 - 0.5 * rnd)
        lift = np.where(self.upper_lip, prof, self.lift * skin_prof)   # the skin follows a lifting lip
        if delta > 0:   # opening beyond the photo: the skin above and past the corners goes along
            jaw, upper = np.where(self._under_lip, np.maximum(self.jaw, skin_prof * self._lateral), self.jaw), lift
        else:           # closing from the photo's opening: the skin only stretches
            jaw, upper = self.jaw, np.where(self.upper_lip, prof, 0.0)
        dv += np.where(self.lower_lip, prof * (1 - up_share) * delta, jaw * (1 - up_share) * delta)
        dv -= upper * up_share * delta
        # inner lip points: each one's own gap in the photo goes to the wanted gap, split the same way
        # (the photo's own departure from that shape is kept near the photo's opening, and gone by
        # half of it: at the photo's opening its lips are drawn as they are)
        keep = float(smoothstep(0.5, 1.0, opening / max(self.src_gap, 1e-6)))
        for idx, sign, share in ((self._inner_u, -1, up_share), (self._inner_l, 1, 1 - up_share)):
            shape = np.maximum(prof[idx], 0.15) * mw
            wanted = opening * shape + keep * (self._inner_gap - self.src_gap * shape)
            dv[idx] = sign * share * (wanted - self._inner_gap)
        # protrusion of rounded lips (the lips' body; their inner edges keep the gap asked for, so
        # rounded lips with mouth_open 0 stay shut)
        dv -= lift * self._not_inner * rnd * 0.05 * mw
        dv += self.lower_lip * self._not_inner * rnd * 0.05 * mw * self.prof
        du += wide * 0.35 * mw * np.clip(self.uh, -1.6, 1.6) * self.mouth_region  # pursed lips stay full
        du += smile * 0.07 * mw * np.sign(self.uh) * self.corner
        dv -= smile * 0.10 * mw * self.corner
        dv += rnd * ROUND_UNSMILE * self.corner_lift * mw * self.corner

    def _eyes(self, m: np.ndarray, du: np.ndarray, dv: np.ndarray) -> None:
        # closing lids are painted on the texture (thg.render.eyes); the mesh only opens them wider
        for (up, lo, crease, gap, iris), ch in zip(self.eyes, ("blink_r", "blink_l")):
            b = float(np.clip(m[_CH[ch]], -0.4, 0.0))
            dv[up] += b * 0.35 * gap
            dv[crease] += 0.45 * b * 0.35 * gap
        for (*_, iris) in self.eyes:  # gaze moves the iris centres; the lids stay
            du[iris] += float(m[_CH["gaze_x"]]) * 0.18 * self.io
            dv[iris] += float(m[_CH["gaze_y"]]) * 0.08 * self.io

    def _brows(self, m: np.ndarray, du: np.ndarray, dv: np.ndarray) -> None:
        inward = float(max(m[_CH["brow_in"]], 0))
        for (w, inner_w, toward_centre), ch in zip(self.brows, ("brow_r", "brow_l")):
            raise_ = float(m[_CH[ch]])
            dv -= raise_ * 0.11 * self.io * w
            dv += inward * 0.07 * self.io * inner_w
            du += inward * 0.05 * self.io * toward_centre * inner_w

    def _rotation(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(3×3 rotation, the centre it turns about, the 2D shift in pixels) of the head for ``m``,
        read-only: kept for the next call with the same pose (a frame asks for it three times)."""
        m = np.asarray(m)
        key = (m.dtype.str, m[_POSE].tobytes())
        if self._last_pose[0] != key:
            self._last_pose = (key, self._turn(m))
        return self._last_pose[1]

    def _turn(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        yaw, pitch, roll = np.radians([m[_CH["yaw"]], m[_CH["pitch"]], m[_CH["roll"]]])
        cy, sy = np.cos(yaw), np.sin(yaw)
        cp, sp = np.cos(pitch), np.sin(pitch)
        cr, sr = np.cos(roll), np.sin(roll)
        ry = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
        rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
        rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
        shift = np.array([m[_CH["shift_x"]], m[_CH["shift_y"]]]) * self.face_size
        rot = rz @ rx @ ry
        rot.flags.writeable = shift.flags.writeable = False
        return rot, self.face_centre, shift

    def draw_order(self, m: np.ndarray) -> np.ndarray:
        """The triangles back to front for the head pose of ``m`` (the hole fills and rings first),
        so that where a turned face overlaps itself the nearer surface is drawn over the farther."""
        rot, c, _ = self._rotation(m)
        z = (self.src - c) @ rot[2]                             # depth after the turn, + away
        tris = self.rig.triangles[self.rig.n_fills:]
        corner_z = z[tris]
        mean_z = (corner_z[:, 0] + corner_z[:, 1] + corner_z[:, 2]) / 3   # (what .mean(1) sums, in its order, 3x faster)
        back_to_front = np.argsort(-mean_z, kind="stable")
        return np.concatenate([np.arange(self.rig.n_fills), self.rig.n_fills + back_to_front])

    def _pose(self, m: np.ndarray, p: np.ndarray) -> np.ndarray:
        rot, c, shift = self._rotation(m)
        moved = (p - c) @ rot.T + c
        moved[:, :2] += shift
        w = self.rig.head_weight[:, None]
        return (p[:, :2] + w * (moved[:, :2] - p[:, :2])).astype(np.float32)
