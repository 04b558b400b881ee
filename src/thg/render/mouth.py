"""The inside of an open mouth: cavity, upper and lower teeth, tongue, shading.

The warp stretches the lips apart; what shows between them is painted here from a few colours
measured on the portrait (lip colour, skin brightness), in a frame that follows the inner lip
contours, so it opens, rounds and turns with the mouth.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from thg.features import landmarks as L


@dataclass(frozen=True)
class MouthColours:
    lip: np.ndarray     # RGB float
    teeth: np.ndarray   # RGB float
    cavity: np.ndarray  # RGB float

    @classmethod
    def from_portrait(cls, image: np.ndarray, xy: np.ndarray) -> MouthColours:
        """Measure lip colour and face brightness on the photo (``xy``: face-mesh points in image pixels)."""
        lips, inside = _lip_masks(image, xy)
        lip = image[lips].mean(0) if lips.any() else np.array([170.0, 90.0, 90.0])
        face = np.zeros(image.shape[:2], np.uint8)
        cv2.fillPoly(face, [np.round(xy[list(L.FACE_OVAL)]).astype(np.int32)], 1)
        luma = float((image[face > 0].astype(np.float32) @ np.array([0.299, 0.587, 0.114])).mean()) if face.any() else 150.0
        light = float(np.clip(luma / 165.0, 0.6, 1.08))
        teeth = np.array([232.0, 222.0, 205.0]) * light
        cavity = lip * np.array([0.42, 0.2, 0.2])
        return cls(lip.astype(np.float32), teeth.astype(np.float32), cavity.astype(np.float32))


def _lip_masks(image: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lip pixels, mouth-interior pixels: teeth, tongue, cavity) inside the outer lip contour.

    Lips are the reddest pixels there; teeth are bright and grey, the cavity dark.
    """
    region = np.zeros(image.shape[:2], np.uint8)
    outer = np.array(list(L.LIPS_OUTER_UPPER) + list(L.LIPS_OUTER_LOWER[::-1][1:-1]))
    cv2.fillPoly(region, [np.round(xy[outer]).astype(np.int32)], 1)
    width = np.linalg.norm(xy[L.MOUTH_CORNERS[0], :2] - xy[L.MOUTH_CORNERS[1], :2])
    grow = max(1, int(round(0.05 * width)))
    region = cv2.dilate(region, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(bool)
    if not region.any():
        return region, region
    rgb = image.astype(np.float32)
    value = rgb.max(-1)
    saturation = (value - rgb.min(-1)) / np.maximum(value, 1.0)
    opening = np.zeros(image.shape[:2], np.uint8)
    inner = np.array(list(L.LIPS_INNER_UPPER) + list(L.LIPS_INNER_LOWER[::-1][1:-1]))
    cv2.fillPoly(opening, [np.round(xy[inner]).astype(np.int32)], 1)
    interior = region & (opening.astype(bool)
                         | (saturation < 0.6 * np.percentile(saturation[region], 85))
                         | (value < 0.45 * np.percentile(value[region], 85)))
    return region & ~interior, interior


def clean_mouth(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The photo with any visible teeth or mouth cavity painted over in lip colour (inpainted), so that
    closing the lips shows lips; the opened mouth is painted fresh by :func:`paint_mouth`."""
    _, interior = _lip_masks(image, xy)
    if interior.sum() < 4:
        return image
    mask = cv2.dilate(interior.astype(np.uint8), np.ones((3, 3), np.uint8))
    radius = max(2, int(0.03 * np.linalg.norm(xy[L.MOUTH_CORNERS[0], :2] - xy[L.MOUTH_CORNERS[1], :2])))
    return cv2.inpaint(np.ascontiguousarray(image), mask, radius, cv2.INPAINT_TELEA)


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def paint_mouth(frame: np.ndarray, upper: np.ndarray, lower: np.ndarray, colours: MouthColours) -> None:
    """Paint the mouth interior into ``frame`` (in place) between the inner lip contours.

    ``upper`` and ``lower`` are the 11 target points of the inner upper and lower lip, corner to corner.
    """
    c0, c1 = upper[0], upper[-1]
    width = float(np.linalg.norm(c1 - c0))
    if width < 4:
        return
    normal = np.array([c0[1] - c1[1], c1[0] - c0[0]]) / width  # points from the upper lip to the lower
    gap = float((lower[5] - upper[5]) @ normal)
    if gap < 0.8:  # closed, or lips pressed together
        return
    poly = np.vstack([upper, lower[::-1][1:-1]])
    h, w = frame.shape[:2]
    x0, y0 = np.floor(poly.min(0)).astype(int) - 2
    x1, y1 = np.ceil(poly.max(0)).astype(int) + 3
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    bw, bh = x1 - x0, y1 - y0

    # anti-aliased coverage of the opening (4x sub-pixel precision)
    alpha = np.zeros((bh, bw), np.uint8)
    cv2.fillPoly(alpha, [np.round((poly - [x0, y0]) * 4).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=2)
    alpha = alpha.astype(np.float32) / 255.0
    if not alpha.any():
        return

    # mouth frame: s across (0 right corner .. 1 left corner), d down from the upper lip in pixels
    axis = (c1 - c0) / width
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    rel = np.stack([xs - c0[0], ys - c0[1]], -1)
    s = np.clip(rel @ axis / width, 0, 1)
    n = rel @ normal
    su = ((upper - c0) @ axis) / width
    sl = ((lower - c0) @ axis) / width
    n_up = np.interp(s, su, (upper - c0) @ normal)
    n_lo = np.interp(s, sl, (lower - c0) @ normal)
    d = n - n_up                      # pixels below the upper lip
    local_gap = np.maximum(n_lo - n_up, 1e-3)
    across = np.clip(np.sin(np.pi * s), 0, 1)  # 0 at the corners, 1 in the middle

    def shaded(colour: np.ndarray, light: np.ndarray) -> np.ndarray:
        """Shadows inside a mouth are warm: shade toward the cavity colour, not toward grey."""
        return colours.cavity * (1 - light[..., None]) + colour * light[..., None]

    depth = 0.55 + 0.45 * across ** 0.7  # corners recede into shadow
    img = np.empty((bh, bw, 3), np.float32)
    img[:] = colours.cavity
    # tongue: a soft dome rising from the lower lip
    tongue_h = np.clip(0.42 * local_gap - 0.04 * width, 0, None) * across ** 1.5
    tongue = _smoothstep(-1.0, 1.0, (d - (local_gap - tongue_h)))
    tongue_col = colours.lip * 0.72 + np.array([8.0, 0.0, 0.0])
    img = img * (1 - tongue[..., None]) + tongue_col * tongue[..., None]
    # lower teeth: only a wide-open jaw shows their edge, in the middle, in the lower lip's shadow
    low_h = 0.05 * width * _smoothstep(0.3 * width, 0.55 * width, gap) * across ** 2
    lower_teeth = _smoothstep(-0.8, 0.8, d - (local_gap - low_h)) * (low_h > 0.5)
    img = img * (1 - lower_teeth[..., None]) + shaded(colours.teeth, np.full_like(s, 0.6)) * lower_teeth[..., None]
    # upper teeth: hang from the upper lip, shorter toward the corners
    teeth_h = np.minimum(0.16 * width, 0.6 * gap) * across ** 0.6
    upper_teeth = 1 - _smoothstep(-0.7, 0.7, d - teeth_h)
    # gaps between incisors and canines: faint darker lines
    seams = np.zeros_like(s)
    for pos in (0.5, 0.39, 0.61, 0.29, 0.71):
        seams = np.maximum(seams, np.exp(-((s - pos) * width) ** 2 / 0.5))
    tooth_light = (1 - 0.12 * seams) * (1 - 0.2 * _smoothstep(0.4, 1.0, d / np.maximum(teeth_h, 1e-3)))
    tooth_light *= 0.8 + 0.2 * _smoothstep(0.0, 1.5, d)  # the upper lip shades the top of the teeth
    tooth_light *= depth                                  # and the corners are darker
    img = img * (1 - upper_teeth[..., None]) + shaded(colours.teeth, tooth_light) * upper_teeth[..., None]
    img *= (0.6 + 0.4 * depth)[..., None] * (1 - upper_teeth[..., None]) + upper_teeth[..., None]
    # soft occlusion along the lips
    edge = np.minimum(d, n_lo - n) / 1.5
    img *= (0.85 + 0.15 * _smoothstep(0.0, 1.0, edge))[..., None]

    region = frame[y0:y1, x0:x1].astype(np.float32)
    a = alpha[..., None]
    frame[y0:y1, x0:x1] = np.clip(region * (1 - a) + img * a, 0, 255).astype(np.uint8)
