"""The mouth: the photo's own lips, teeth fixed to the skull and the jaw, and a shaded cavity.

Three layers, all measured once on the portrait (:class:`MouthModel`) and composed per frame by
:meth:`MouthModel.paint`:

- the lip layer: the crop with whatever the photo shows between its lips (teeth, cavity) filled
  with the photo's own lip texture, mirrored from the lip above and below, so that lips the warp
  brings together meet as lips; where the photo's mouth was open a soft stomion line is drawn
  where they meet;
- the teeth: two RGBA patches in the photo's coordinates, upper and lower. Where the photo shows
  teeth they are the photo's own; otherwise a row of individual teeth is synthesised with the
  colour and white balance of the photo's sclera. Per frame the upper patch follows the head and
  the lower one the jaw (affine maps from :meth:`thg.render.rig.Deformer.teeth_transforms`). A
  smile's own upper teeth come with the strip of lower lip they rest on: as the jaw drops it goes
  down with the jaw (`MouthModel.lip_strip`) and what is dark beside the teeth gives way;
- the cavity and tongue, shaded in the frame of the current opening (darker toward the back and
  under the upper lip).

Everything painted is blurred and grained like the photo and composited with an anti-aliased
coverage of the inner lip contour, so no painted edge is harder than the photo's own edges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from thg.curves import despeckle, smoothstep
from thg.features.edges import edge_hardness, luma as luma_of
from thg.features import landmarks as L


OPEN_PHOTO_GAP = 0.03  # inner-lip gap / mouth width above which the photo counts as showing its interior
TRANSLUCENT = 0.035   # mouth widths: the translucent band along a tooth's biting edge (about 1.5 mm)
SPECULAR = 0.3        # how far toward white the wet enamel's highlight on a front tooth goes
TOOTH_SHADES = (0.03, -0.02, 0.04, 0.0, -0.04, 0.02, 0.01, -0.03, 0.03, -0.01, 0.02, -0.02)  # per tooth
MOUTH_LIGHT = (1.0, 0.8, 0.72)               # the colour of the light teeth in shadow get from the mouth
SHADE_TINT = (0.7, 1.0, 1.3)   # teeth darken this much faster per channel (R, G, B: powers of their light)
LATERAL_SHORTER = 0.05  # how much shorter every other tooth is (the lateral incisors and the premolars beside the canines)
EMBRASURE = 0.03        # how much shorter a tooth is at its corners than in its middle (incisors wear flat: at
#                         0.12, and every other tooth 0.12 shorter, a blind rater saw a row of pearls or bullets)
LOWER_EMBRASURE = 0.35   # the same for the lower teeth's shown part: the dark notches between their biting edges
TOOTH_GAP = 0.32                             # how much darker the shallow groove between two teeth is
STOMION_INK = 0.4      # how dark the line where closed lips meet is drawn (darker reads as a line
STOMION_COLOUR = (0.5, 0.36, 0.36)  # drawn on, and moves the closed lips' colour off the photo's: ΔE 6.5-7 at 0.55);
# its colour is the lips' own, deeper and redder (light that enters the lips comes back red): a
# uniform 0.42 of it read as a grey-lilac line on pink lips
TEETH_LIGHT = 1.0       # synthetic teeth are this bright beside the photo's lit skin (its 90th percentile; at
                        # 0.95 of it, and shaded, Grace Hopper's came out a muddy beige under her lit skin)
TEETH_SHARE = 0.05      # share of a photo's visible interior that must look like teeth for it to be reused as
                        # the teeth; otherwise (a dark cavity, a tongue) synthetic teeth are drawn
LOWER_EDGE = 0.06      # mouth widths: synthetic lower teeth show this far above the lower lip line (at
                       # 0.04 they were 3 px on a 70 px mouth, which raters read as a grey smear on the lip,
                       # at 0.09 a striped pale band);
LOWER_FADE = 0.06       # they rise into view from behind the lower lip over a jaw drop of this (over 0.12, a
                        # smile opened a little showed a flat dark band and no lower teeth; faded in
                        # instead, raters saw them as a ghostly tooth texture on the lip)
LIP_GONE = 0.06        # mouth widths of jaw drop over which what a photo's opening shows beside its teeth goes
LIP_PULL = 0.12        # share of the jaw's drop by which the lower lip uncovers more of the lower teeth
LOWER_SHOWN_LEN = 0.12  # mouth widths: the part of a synthetic lower tooth that can show
LOWER_SHOWN = 0.05      # a photo whose lower teeth cover less than this share of its upper ones shows none
LOWER_TEETH_LIKE = 0.3  # share of a photo's own lower teeth that must look like teeth (shows_teeth), or they are its lower lip
TONGUE_HIDDEN = 0.2   # mouth widths of opening the tongue stays hidden behind the lower teeth in (a real
                      # clip's openings up to 0.4 show none; the tongue shows on its wide-open vowels)
# The tongue in a wide opening, against the one behind the lower teeth of a speech-sized one: each
# pair is (narrow, wide), mixed as the opening grows over TONGUE_WIDE. Wide open, a real clip's tongue
# covers a third to half of the mouth's middle column, lit up to its top (the narrow values left it
# a thin brown band there); in speech-sized openings the wide values showed, a rater found, as a
# grey haze over the lower teeth or a brown smudge splitting the dark
TONGUE_WIDE = (0.3, 0.5)      # mouth widths of opening over which the narrow values give way to the wide
TONGUE_HEIGHT = (0.6, 0.8)    # how far its top rises per mouth width of opening past TONGUE_HIDDEN
TONGUE_TOP = (0.3, 0.6)       # how lit its top is, of its front's light
TONGUE_DOME = (0.6, 1.0)      # how its top falls toward the corners (a power of the sine across the mouth)
TONGUE_SIDES = (0.3, 0.45)    # how much darker its sides are, which turn away from the light
TONGUE_RAISED = 0.85  # share of the opening a raised tongue (the motion's tongue channel at 1) fills at the middle,
TONGUE_TIP = 2.0      # its tip narrower than the dome at rest (a power of the sine); seen in wide openings only
PALE_SAT, PALE_VALUE = 0.7, 0.9   # lip-layer pixels greyer and about as bright as the lips read as teeth
FILL_DARK = 0.55   # ... and filled-in lip pixels darker than this share of the lips as the mouth's inside
#: a black-and-white or toned (sepia) photo: its colours, blurred by TONED_BLUR, stray by less than
#: this on average (codes, the largest channel's) from one colour per luma, its tone curve
#: (:func:`tone_curve`). Its teeth are told from its lips by brightness alone
#: (:func:`_greyer_than_lips`), and what is drawn in its mouth is drawn in its tones (teeth, gum,
#: tongue and the lips' shade came out tinted in a black-and-white photo, white and red in a sepia
#: one). Measured on face crops: sepia saved as JPEG at quality 75, 50 and 30, 1.5, 1.9-2.0 and
#: 2.5-2.7 (unblurred, JPEG's colour noise took quality 50 to 2.7-2.8); colour photos 9.6-24, at 30 %
#: of their saturation 3.0-7.7
TONED_PHOTO = 2.75
TONED_BLUR = 1.5   # px
#: in a black-and-white or toned photo, teeth are at least this much brighter than the lips
GREY_TEETH = 1.2
#: how far (a share of the teeth's width) the lower lip's edge under a photo's upper teeth may stray
#: from a smooth curve through it (:func:`_near_smooth_curve`): the teeth's own tips, and no more
EDGE_TOL = 0.015
REST_LIFT = (0.3, 1.5)  # px of upper-lip lift over which the photo's own pixels under its edge give way to teeth
OWN_EDGE_SIGMA = 0.5   # px: the opening's edge along the photo's own upper teeth
LOWER_GAP = 0.25        # how deep the grooves between synthetic lower teeth are, of TOOTH_GAP's (see _lower_row)
CONTACT = (0.2, 3.0)    # how far synthetic lower teeth go toward the lip's shadow at its edge, fading over this many px
                        # (0.25 over 1.5 px made that edge harder than the photo's lip edges: 0.99-1.05)
LIP_SHADOW = (0.3, 0.05)  # how much darker teeth are right under the lips: synthetic ones, the photo's own (which
                          # carry their shade already; a smile's synthetic lower teeth got the 0.05 of its own
                          # upper ones, and raters saw them as a pale band merging with a pale lower lip)
MUCOSA = 0.4          # the inside of the lips next to the opening: the lips' colour this dark
CAVITY = (0.34, 0.2, 0.16)   # the back of the mouth: the lips' colour this dark and redder (light inside a mouth
# comes back off red tissue; a photo that shows its own dark inside gives the hue, :func:`_own_dark`); shaded to at
# most 0.58 of it (a real clip's wide-open mouths measure 0.16-0.25 of the lips' red above the tongue); a neutral
# dark read as a black band painted on, beside a smile's own brown corners
THROAT = (0.35, 0.6)  # a wide opening's cavity: this much lighter round the throat, and this much darker in it
TONGUE = ((0.80, 0.58, 0.62), (0.80, 0.64, 0.70))  # a lit tongue: the skin's colour this much (narrow, wide;
# of the skin, not the lips, which may be pale or painted; a real clip's wide-open mouths measure 0.74-0.78 /
# 0.62-0.67 / 0.70-0.74, in a video whose colour is washed out by its chroma subsampling)
#: ... or this much of the teeth's (narrow, wide), where that is the brighter: a tongue is pink on
#: any skin (as the skin's, a dark-skinned face's was brown: 0.43 / 0.25 / 0.22 of its teeth's
#: colour, against 0.62-0.67 / 0.35-0.43 / 0.32-0.44 on the test portraits, which keep theirs)
TONGUE_OF_TEETH = ((0.56, 0.34, 0.32), (0.56, 0.38, 0.36))
SLIT = (0.05, 0.25)     # mouth widths of opening over which light reaches the side teeth as well as the front
SLIT_SHADE = 0.8        # how much darker the teeth at the corners are in the narrowest opening
SLIT_POWER = 1.0        # ... rising as this power of the distance from the middle (lit evenly, the teeth in a
                        # slit were a pale strip from corner to corner; at 1.5 in a slit that narrows to
                        # pointed corners, the teeth two sixths out were lit almost as the front ones)
EDGE_MIX = (-0.5, 0.5)  # px from the lowest tooth-like pixel over which the photo gives way to its lower lip (from
#                        0.5-1.5 px below it, the pixels where the two blend went with the teeth: a dotted pink line)
RIM_DARK = 0.8         # a pixel next to a photo's opening darker than this share of the lips is its shadow
#: the whites of the eyes are taken for the photo's light when their channels' spread is under
#: this share of the brightest (a warm indoor light: 0.42 on the astronaut made warmer), and the
#: gains that make them grey are kept within BALANCE
WHITE_SPREAD = 0.5
BALANCE = (0.75, 1.33)
INTERIOR_BLUR = (0.7, 0.6, 1.2)  # what is drawn inside is blurred by the lip edge's σ less this, within these px
SCALE_FROM = 80.0      # px: a mouth wider than this has its lip edge's blur measured as if this wide
SEAM_REACH = 0.03      # mouth widths: how far from the mesh's closed inner contour the lips' seam is sought


def _poly_mask(shape: tuple[int, ...], pts: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(pts * 4).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=2)
    return mask.astype(bool)


def _value_saturation(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """HSV value and saturation of RGB ``pixels`` (last axis), as floats: how teeth (pale, grey)
    are told from lips (saturated) and from the cavity (dark)."""
    rgb = np.asarray(pixels)   # the channels' max and min in their own type, exact: then to floats
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]   # (elementwise: a reduction over 3 is slow)
    value = np.maximum(np.maximum(r, g), b).astype(np.float32)
    return value, (value - np.minimum(np.minimum(r, g), b).astype(np.float32)) / np.maximum(value, 1.0)


def px_scale(width: float) -> float:
    """How much wider than given (in px) a mouth ``width`` px wide draws its soft edges: 1 up to
    :data:`SCALE_FROM`, in proportion beyond."""
    return max(1.0, width / SCALE_FROM)


def tone_curve(image: np.ndarray) -> np.ndarray | None:
    """The colour of each luma (0..255) of an RGB image in black and white or toned (sepia, any one
    tint): a 256×3 float table; None for a colour image (:data:`TONED_PHOTO`; read on every third
    pixel of every third row)."""
    rgb = cv2.GaussianBlur(np.ascontiguousarray(image), (0, 0), TONED_BLUR)[::3, ::3].reshape(-1, 3).astype(np.float32)
    y = np.clip(luma_of(rgb, np.float32) + 0.5, 0, 255).astype(np.int64)
    counts = np.bincount(y, minlength=256)
    seen = np.flatnonzero(counts)
    if len(seen) == 0:
        return None
    table = np.stack([np.interp(np.arange(256), seen, np.bincount(y, rgb[:, k], 256)[seen] / counts[seen])
                      for k in range(3)], -1).astype(np.float32)
    return table if float(np.abs(rgb - table[y]).max(-1).mean()) < TONED_PHOTO else None


def _greyer_than_lips(value: np.ndarray, sat: np.ndarray, lip_value: float, lip_sat: float, share: float,
                      grey: bool) -> np.ndarray:
    """Pixels as much greyer than the lips as teeth are: a saturation under ``share`` of the lips';
    in a ``grey`` (black-and-white or toned) photo, where nothing has a colour of its own, brighter
    than the lips by :data:`GREY_TEETH`."""
    return value > GREY_TEETH * lip_value if grey else sat < share * lip_sat


def open_share(gap: float) -> float:
    """How fully a photo's mouth counts as open, 0..1, from its inner-lip gap (mouth widths)."""
    return float(smoothstep(OPEN_PHOTO_GAP, 2 * OPEN_PHOTO_GAP, gap))


def _contours(xy: np.ndarray):
    outer = xy[list(L.LIPS_OUTER_UPPER) + list(L.LIPS_OUTER_LOWER[::-1][1:-1])]
    inner = xy[list(L.LIPS_INNER_UPPER) + list(L.LIPS_INNER_LOWER[::-1][1:-1])]
    return outer, inner


def seat_closed_lips(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The face points with the inner lip contours of a closed mouth moved onto the lips' seam.

    The mesh puts the inner contours of closed lips within a pixel or two of where the lips meet,
    on either side; what lies between the contour and the seam then travels with the wrong lip
    (a pale strip of lower lip lifting with the upper one). Each inner pair but the corners goes
    to the darkest point (the shadow where the lips meet) within a small distance of it along
    the face's vertical (``SEAM_REACH``), in the photo's luma blurred along the lips. An open mouth
    is returned as is.
    """
    xy = points[:, :2]
    if L.mouth_opening(xy) >= OPEN_PHOTO_GAP:
        return points
    c0, c1 = xy[L.MOUTH_CORNERS[0]], xy[L.MOUTH_CORNERS[1]]
    width = float(np.linalg.norm(c1 - c0))
    axis = (c1 - c0) / max(width, 1e-6)
    normal = np.array([-axis[1], axis[0]])
    luma = cv2.GaussianBlur(cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32),
                            (0, 0), sigmaX=max(1.0, 0.02 * width), sigmaY=0.5)
    reach = max(1.5, SEAM_REACH * width)
    offsets = np.linspace(-reach, reach, int(np.ceil(2 * reach * 4)) + 1)   # quarter-pixel steps
    pairs = list(zip(L.LIPS_INNER_UPPER[1:-1], L.LIPS_INNER_LOWER[1:-1]))
    mids = np.array([(xy[up] + xy[lo]) / 2 for up, lo in pairs])
    probe = (mids[:, None] + offsets[None, :, None] * normal).astype(np.float32)      # pairs × offsets × 2
    values = cv2.remap(luma, probe[..., 0], probe[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    shift = offsets[np.argmin(values, axis=1)]
    # the seam is a smooth curve: a binomial smoothing along it (corners fixed at 0) keeps a
    # stray dark pixel from kinking the lips
    shift = np.convolve(np.r_[0.0, 0.0, shift, 0.0, 0.0], [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16], "valid")
    out = points.astype(np.float64).copy()
    for (up, lo), mid, d in zip(pairs, mids, shift):
        out[[up, lo], :2] = mid + d * normal
    return out


def _lip_frame(c0: np.ndarray, c1: np.ndarray, upper: np.ndarray, lower: np.ndarray,
               box: tuple[int, int, int, int]):
    """Mouth-frame coordinates of the pixels of ``box`` (x0, y0, x1, y1): ``s`` across (0 at the
    corner ``c0``, 1 at ``c1``), ``n`` along the normal (down the face, pixels), and the inner upper
    and lower lip contours' ``n`` at each pixel's ``s``."""
    x0, y0, x1, y1 = box
    width = float(np.linalg.norm(c1 - c0))
    axis = (c1 - c0) / width
    normal = np.array([-axis[1], axis[0]])
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    rel = np.stack([xs - c0[0], ys - c0[1]], -1)
    s = rel @ axis / width
    n = rel @ normal
    n_up = np.interp(s, (upper - c0) @ axis / width, (upper - c0) @ normal)
    n_lo = np.interp(s, (lower - c0) @ axis / width, (lower - c0) @ normal)
    return s, n, n_up, n_lo


def interior_mask(image: np.ndarray, xy: np.ndarray, grey: bool = False) -> np.ndarray:
    """Pixels of the photo's visible mouth interior (teeth, cavity); empty for a closed mouth.

    The face mesh's inner contour, grown by a little where the pixels next to it are teeth-like
    (paler and greyer than the lips) or cavity-like (much darker), never past the outer contour.
    """
    shape = image.shape[:2]
    if L.mouth_opening(xy) < OPEN_PHOTO_GAP:
        return np.zeros(shape, bool)
    outer, inner = _contours(xy)
    width = float(np.linalg.norm(xy[L.MOUTH_CORNERS[0], :2] - xy[L.MOUTH_CORNERS[1], :2]))
    opening = _poly_mask(shape, inner)
    grow = max(1, int(round(0.07 * width)))
    near = cv2.dilate(opening.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)) > 0
    lips_only = _poly_mask(shape, outer) & ~near
    value, sat = _value_saturation(image)
    if lips_only.sum() < 8:
        return opening
    lip_sat, lip_val = float(np.median(sat[lips_only])), float(np.median(value[lips_only]))
    like = (_greyer_than_lips(value, sat, lip_val, lip_sat, 0.6, grey) & (value > 0.75 * lip_val)
            | (value < 0.45 * lip_val))
    # grow up (teeth under the upper lip) and to the corners, not down onto the lower lip's highlight
    lower = xy[list(L.LIPS_INNER_LOWER), :2]
    ys = np.arange(shape[0])[:, None]
    floor = np.interp(np.arange(shape[1]), lower[:, 0], lower[:, 1], left=-1, right=-1)[None, :]
    mask = opening | (near & like & _poly_mask(shape, outer) & (ys <= floor + 0.5))
    k = np.ones((3, 3), np.uint8)
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, k)
    return cv2.dilate(mask, k).astype(bool)   # one more pixel: the lip edge blends into the teeth


def shows_teeth(region: np.ndarray, interior: np.ndarray, lip: np.ndarray, grey: bool = False,
                share: float = TEETH_SHARE, balance: np.ndarray | None = None) -> bool:
    """Whether the visible ``interior`` of a photo (or a video frame) shows teeth: at least
    ``share`` of it is pale and grey beside the ``lip`` colour (a cavity and tongue alone are no
    teeth to reuse); ``grey``: the photo is black and white or toned (:func:`tone_curve`). Given the photo's
    white ``balance`` (:func:`white_balance`), teeth greyer than the lips in it count as well."""
    if interior.sum() < 8:
        return False
    pixels, lips = region[interior].astype(np.float32), np.asarray(lip, np.float32)
    for gains in (np.ones(3, np.float32),) if balance is None else (np.ones(3, np.float32), balance):
        value, sat = _value_saturation(pixels * gains)
        lip_value, lip_sat = (float(v) for v in _value_saturation(lips * gains))
        teeth = _greyer_than_lips(value, sat, lip_value, lip_sat, 0.6, grey) & (value > 0.85 * lip_value)
        if float(teeth.mean()) >= share:
            return True
    return False


def white_balance(white: np.ndarray | None) -> np.ndarray | None:
    """Per-channel gains (mean 1, each within :data:`BALANCE`) that make the whites of the eyes
    (``white``, :func:`sclera_colour`) grey: the photo's light. None where they are not seen or
    too coloured to be whites (:data:`WHITE_SPREAD`: the skin of eyes half shut, a lid's shadow)."""
    if white is None or float(np.ptp(white)) > WHITE_SPREAD * float(white.max()):
        return None
    gains = float(white.mean()) / np.maximum(np.asarray(white, np.float32), 1.0)
    return np.clip(gains / gains.mean(), *BALANCE).astype(np.float32)


def fill_with_lips(image: np.ndarray, mask: np.ndarray, lips: np.ndarray | None = None) -> np.ndarray:
    """``image`` with the ``mask`` pixels replaced, column by column, by the lip rows mirrored from
    just above (upper half of the hole) and just below (lower half): real lip texture, no blur.

    The rows next to the hole are paler than the lips (the teeth's light blurs into them); given
    the ``lips``' own pixels (a mask), the fill is shifted to their mean colour, its texture kept."""
    out = image.copy()
    ys, xs = np.nonzero(mask)
    out[ys, xs] = image[_mirrored_rows(mask)[ys, xs], xs]
    # the two mirrored halves meet mid-hole: soften that line a little
    soft = cv2.GaussianBlur(out, (0, 0), 0.8)
    m = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.8)[..., None]
    filled = out * (1 - 0.5 * m) + soft * 0.5 * m
    if lips is not None and lips.sum() >= 8 and mask.any():
        shift = image[lips].astype(np.float32).mean(0) - filled[mask].mean(0)
        filled = filled + m * shift
    out = np.clip(filled + 0.5 * (image.dtype == np.uint8), 0, 255).astype(image.dtype)
    return _without_stray_specks(out, mask, lips, dark=True) if lips is not None and lips.sum() >= 8 else out


def _with_shadow_rim(image: np.ndarray, mask: np.ndarray, lips: np.ndarray, rows: int = 2) -> np.ndarray:
    """``mask`` (a photo's opening) grown by up to ``rows`` pixels up over what is darker than the
    ``lips`` (their median brightness ×:data:`RIM_DARK`): the upper lip's shadow along its inner
    edge, which the mask's stepped edge leaves a pixel of here and there. Mirrored into the filled
    hole, that rim read as a stepped dark line on the closed lips. (Grown down as well, over the
    lower lip's, it took away the soft dark an open mouth's drawn edge meets: the astronaut's
    interior edge read 1.03-1.04 of her lip edge's hardness, against 0.97-0.99.)"""
    if lips.sum() < 8:
        return mask
    value, _ = _value_saturation(image)
    darker = value < RIM_DARK * float(np.median(value[lips]))
    out = mask.copy()
    for _ in range(rows):
        out = out | (np.vstack([out[1:], out[-1:]]) & darker)   # where the pixel under it is in
    return out


def _mirrored_rows(mask: np.ndarray) -> np.ndarray:
    """For each pixel of each vertical run of ``mask`` (rows a..b of a column), the row it is
    filled from: its mirror image about the row above the run (a - 1/2) in the run's upper half,
    about the row below it (b + 1/2) in its lower half, clipped to the image."""
    h, w = mask.shape
    rows = np.arange(h)[:, None]
    none = np.zeros((1, w), bool)
    starts = mask & ~np.vstack([none, mask[:-1]])
    ends = mask & ~np.vstack([mask[1:], none])
    a = np.maximum.accumulate(np.where(starts, rows, -1), axis=0)              # the run's first row
    b = np.minimum.accumulate(np.where(ends, rows, h)[::-1], axis=0)[::-1]     # and its last
    upper = rows < a + (b - a + 2) // 2
    return np.clip(np.where(upper, 2 * a - 1 - rows, 2 * b + 1 - rows), 0, h - 1)


def _without_stray_specks(image: np.ndarray, mask: np.ndarray, lips: np.ndarray, dark: bool = False) -> np.ndarray:
    """``image`` with the teeth-like pixels (paler and greyer than the ``lips``) in and within two
    pixels of the filled ``mask`` painted over from the lip around them: where the mask stops short of
    the teeth at a corner, the mirrored rows carry their light in, and closed lips show it as pale
    specks along their seam. With ``dark``, likewise what is as dark as a mouth's inside (under
    :data:`FILL_DARK` of the lips' brightness) there: where the opening's dark reaches past the mask
    (a gap between two teeth under the lip, the corners), the mirrored rows carried it into a dark
    block on the lip, and what was left beside the mask into dark specks at the closed corners.
    (Not where the mask is the seam of closed lips: their dark line is theirs.)"""
    value, sat = _value_saturation(image)
    lip_val, lip_sat = float(np.median(value[lips])), float(np.median(sat[lips]))
    near = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    pale = near & ((sat < PALE_SAT * lip_sat) & (value > PALE_VALUE * lip_val) | dark & (value < FILL_DARK * lip_val))
    if not pale.any():
        return image
    speck = cv2.dilate(pale.astype(np.uint8), np.ones((3, 3), np.uint8))
    return cv2.inpaint(np.ascontiguousarray(image), speck, 2, cv2.INPAINT_TELEA)


def sclera_colour(image: np.ndarray, xy: np.ndarray) -> np.ndarray | None:
    """Mean RGB of the whites of both eyes (the photo's own white balance), or None if not seen.

    Inside each lid contour, outside the iris; the brightest 5 % (catchlights, glasses glare) and
    the darker half (lashes, iris edge, shadow) are left out."""
    shape = image.shape[:2]
    mask = np.zeros(shape, bool)
    for upper, lower, iris in ((L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER, L.RIGHT_IRIS),
                               (L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER, L.LEFT_IRIS)):
        eye = _poly_mask(shape, xy[list(upper) + list(lower[::-1][1:-1])])
        if not eye.any():   # not in the image (a crop of the mouth)
            continue
        c = xy[iris[0]]
        r = 1.15 * float(np.linalg.norm(xy[list(iris[1:])] - c, axis=1).mean())
        yy, xx = np.mgrid[: shape[0], : shape[1]]
        mask |= eye & ((xx - c[0]) ** 2 + (yy - c[1]) ** 2 > r * r)
    if mask.sum() < 6:
        return None
    px = image[mask].astype(np.float32)
    luma = luma_of(px, np.float32)
    keep = (luma >= np.percentile(luma, 50)) & (luma <= np.percentile(luma, 95))
    if keep.sum() < 3:
        return None
    return px[keep].mean(0)


def _teeth_colour(pixels: np.ndarray, teeth: np.ndarray) -> np.ndarray:
    """The colour of the photo's own teeth: the mean of the brightest quarter of the ``teeth``
    pixels (the rest is the gaps between them, their shade and their edges' blend with the lips)."""
    px = pixels[teeth].astype(np.float32)
    if len(px) < 6:
        return np.array([220.0, 205, 185], np.float32)
    luma = luma_of(px, np.float32)
    return px[luma >= np.percentile(luma, 75)].mean(0).astype(np.float32)


def _own_dark(pixels: np.ndarray, lip: np.ndarray) -> np.ndarray | None:
    """The mean colour of the photo's own dark mouth interior among ``pixels`` (N×3): those
    under 0.45 of the ``lip``'s brightness, or None if fewer than 6 (a closed mouth, teeth alone)."""
    value, _ = _value_saturation(pixels)
    dark = pixels[value < 0.45 * float(np.max(lip))].astype(np.float32)
    return dark.mean(0) if len(dark) >= 6 else None


def _grain(image: np.ndarray, mask: np.ndarray) -> float:
    """Noise level of the photo: robust std of its high frequencies over ``mask`` (skin)."""
    g = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    hp = g - cv2.GaussianBlur(g, (0, 0), 1.0)
    vals = hp[mask]
    return float(1.4826 * np.median(np.abs(vals - np.median(vals)))) if vals.size else 1.0


@dataclass
class TeethPatch:
    """An RGBA patch (float RGB 0-255, alpha 0-1) at ``origin`` (x, y) in the crop's source coordinates."""

    rgb: np.ndarray
    alpha: np.ndarray
    origin: tuple[int, int]
    own: bool = False   # the photo's own teeth: they carry its blur and grain already
    #: the photo's own teeth at rest: where ``rgb`` continues the teeth up under the lip's edge
    #: (see :func:`_trim_lip_rows`), what the photo shows there, drawn while the lip has not lifted
    rest: np.ndarray | None = None
    #: the share of each pixel that is not the photo's teeth (its lower lip under them, the dark
    #: beside them; see :func:`_not_teeth`): it gives way to the drawn opening as the jaw drops
    not_teeth: np.ndarray | None = None
    rgba: np.ndarray | None = None   #: ``rgb`` and ``alpha`` (0-255) stacked, once (see :meth:`MouthModel._place`)


def _tooth_row(width_px: float, length: np.ndarray, s: np.ndarray, d: np.ndarray, base: np.ndarray,
               edges: np.ndarray, translucency: float = 1.0, gap: float = TOOTH_GAP,
               embrasure: float = EMBRASURE) -> tuple[np.ndarray, np.ndarray]:
    """Colour and coverage of a row of teeth over the mouth frame (s 0..1 across, d px below its top).

    ``edges`` are the tooth boundaries in s; each tooth is lit like a rounded surface, its
    boundaries darker (not lines: a smooth dip), its biting edge slightly translucent, the row
    symmetric about the midline."""
    k = np.clip(np.searchsorted(edges, s) - 1, 0, len(edges) - 2)
    left, right = edges[k], edges[k + 1]
    u = np.clip((s - left) / np.maximum(right - left, 1e-6), 0, 1)   # 0..1 across one tooth
    tooth_w = (right - left) * width_px
    roundness = np.sin(np.pi * u) ** 0.35                             # lit in the middle of each tooth
    # the groove is about a pixel wide on teeth of normal size, narrower on small ones (or small
    # teeth would be half groove: a row of grey stripes)
    groove = np.clip(0.12 * tooth_w, 0.5, 1.0)
    centre = np.abs(s - 0.5) * 2
    # counted from the midline (0: the two central incisors), every other tooth is a little
    # shorter: the lateral incisors beside the centrals and the canines, and so on, on both sides alike
    rank = np.abs(k - (len(edges) - 2) / 2) - 0.5
    tooth_len = length * (1 - LATERAL_SHORTER * (np.round(rank) % 2)) * (1 - embrasure * (2 * np.abs(u - 0.5)) ** 4)
    # the groove deepens toward the biting edge, where two teeth part (up by the gum they touch:
    # grooves as deep all along read as grey stripes)
    along = np.clip(d / np.maximum(tooth_len, 1e-3), 0, 1)
    dip = 1 - gap * (0.35 + 0.65 * along ** 1.5) * np.exp(-((np.minimum(u, 1 - u) * tooth_w / groove) ** 2) / 2.0)
    soft = px_scale(width_px)   # px over which the biting edge fades
    cover = 1 - smoothstep(-soft, soft, d - tooth_len)
    translucent = translucency * smoothstep(tooth_len - TRANSLUCENT * width_px, tooth_len, d)   # the incisal edge
    # no two teeth quite alike: each a little lighter or darker (fixed, so a tooth keeps its shade),
    # and darker toward the gum, where the crown narrows into shadow
    shade = 1 + np.asarray(TOOTH_SHADES)[k % len(TOOTH_SHADES)]
    toward_gum = 1 - 0.08 * np.clip(1 - d / np.maximum(tooth_len, 1e-3), 0, 1)
    light = (0.88 + 0.12 * roundness) * dip * (1 - 0.25 * translucent) * shade * toward_gum
    turned = 0.55 * centre ** 2.2                                      # the arch turns away into shadow,
    light *= 1 - turned
    # lit there by what the mouth reflects: warm, not grey (scaled down alone, the side teeth read grey-green)
    # and in shade enamel lets the dentin's yellow through: red falls off slower than blue (scaled
    # alike, a shaded tooth reads grey)
    shaded = np.clip(light, 1e-3, None)[..., None] ** np.asarray(SHADE_TINT, np.float32)
    rgb = base * shaded * (1 - turned[..., None] * (1 - np.asarray(MOUTH_LIGHT)))
    # wet enamel: a soft highlight on each tooth's face, brightest on the front teeth
    v = d / np.maximum(tooth_len, 1e-3)
    glint = SPECULAR * np.exp(-((u - 0.4) ** 2) / 0.03 - ((v - 0.75) ** 2) / 0.02) * (1 - centre ** 2) * cover
    rgb = rgb + (255.0 - rgb) * glint[..., None]
    rgb = rgb * (1 - 0.2 * translucent[..., None]) + (base.mean() * np.array([0.8, 0.82, 0.86]) * light[..., None]) * 0.2 * translucent[..., None]
    return rgb, cover


UPPER_WIDTHS = (8.5, 6.6, 7.6, 7.0, 6.6, 8.0)   # mm from the midline outward: incisors, canine, premolars
LOWER_WIDTHS = (5.4, 5.9, 6.9, 7.0, 7.1, 8.0)   # the lower incisors are much narrower than the upper


def _arch_edges(widths: tuple[float, ...] = UPPER_WIDTHS, n_visible: float = 0.5) -> np.ndarray:
    """Tooth boundaries across the mouth (s, 0..1) for the front teeth of a dental arch seen from
    the front: central and lateral incisors, canines, premolars; widths along the arch (mm) are
    projected onto a circle, so the teeth narrow toward the corners."""
    arc = np.concatenate([[0], np.cumsum(np.asarray(widths, np.float64))])
    radius = 26.0
    x = radius * np.sin(np.minimum(arc / radius, np.pi / 2))           # projected half-positions
    x = x / 25.0 * n_visible                                           # mouth half-width ~ 25 mm
    return np.concatenate([0.5 - x[::-1], 0.5 + x[1:]])


def _trim_lip_rows(pixels: np.ndarray, mask: np.ndarray, lip: np.ndarray, most: int = 3) -> np.ndarray:
    """The interior mask without the lip-coloured pixels at the top of each column (at most
    ``most``: the upper lip's edge that the mask takes in where it meets the teeth), so that the
    teeth carried with the skull do not carry a strip of lip with them."""
    def redness(rgb):
        return rgb[..., 0] - 0.5 * (rgb[..., 1] + rgb[..., 2])
    red = redness(pixels)
    if mask.sum() < 10:
        return mask
    cut = 0.5 * (float(np.median(red[mask])) + float(redness(np.asarray(lip, np.float32))))
    out = mask.copy()
    for x in np.flatnonzero(mask.any(0)):
        column = np.flatnonzero(mask[:, x])
        for y in column[:most]:
            if red[y, x] <= cut or y == column[-1]:
                break
            out[y, x] = False
    return out


def _not_teeth(pixels: np.ndarray, alpha: np.ndarray, lip: np.ndarray, grey: bool = False,
               px: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The share of each pixel of a patch of the photo's upper teeth (coverage ``alpha``) that is
    not teeth: (the lower lip below them, what else lies under their biting edge).

    The lower lip: in each column, what lies under the lowest tooth-like or dark pixel (greyer
    than the ``lip``, or much darker), with that edge smoothed across the columns and half a pixel
    soft (a smile's teeth rest on the lower lip, and the mask of its opening takes in a strip of
    it). The rest: what lies under the teeth's biting edge, in each column the lowest pixel above
    the lip not darker than 0.7 of the lips, that edge smoothed likewise from the first such
    column to the last (beside them, the teeth go down to the lip): the dark of the photo's
    opening, the shadowed corners of a smile. Teeth in shadow above that edge stay teeth (cut
    where they were dark, the astronaut's shadowed canine left a step in her row, and a thin line
    of her lip's edge under it). ``grey``: the photo is black and white or toned
    (:func:`_greyer_than_lips`); ``px``: the soft edges' width, in px of :data:`EDGE_MIX`."""
    value, sat = _value_saturation(pixels)
    lip_value, lip_sat = (float(v) for v in _value_saturation(lip))
    inside = alpha > 0.5
    greyer = _greyer_than_lips(value, sat, lip_value, lip_sat, 0.7, grey)
    not_lip = inside & (greyer | (value < 0.6 * lip_value))
    rows = np.arange(pixels.shape[0], dtype=np.float32)[:, None]
    columns = inside.any(0)
    if not columns.any():
        return np.zeros_like(alpha), (alpha > 0).astype(np.float32)
    bottom = np.where(inside, rows, -1.0).max(0)
    edge = np.where(not_lip.any(0), np.where(not_lip, rows, -1.0).max(0), bottom)
    xs = np.flatnonzero(columns)
    full = np.full(pixels.shape[1], 1e6, np.float32)   # columns without teeth: no lip
    full[xs] = _smooth_edge(xs, edge[xs], EDGE_TOL * len(xs))
    # (the dark under it is no lip: the smoothed edge may pass above a pixel or two of it)
    below = smoothstep(EDGE_MIX[0] * px, EDGE_MIX[1] * px, rows - full) * smoothstep(0.45 * lip_value, 0.7 * lip_value, value)
    # the teeth's biting edge, above the lip's: where neither lip nor teeth, the photo's opening
    # (read on the pixels blurred a little: in a grainy photo single pixels of teeth read as dark)
    soft_value, _ = _value_saturation(cv2.GaussianBlur(pixels, (0, 0), px))
    tooth = inside & (soft_value >= 0.7 * lip_value) & (rows <= full[None, :])
    with_teeth = np.flatnonzero(tooth.any(0))
    if len(with_teeth) < 3:
        return below.astype(np.float32), ((1 - below) * (alpha > 0)).astype(np.float32)
    lowest = np.where(tooth, rows, -1.0).max(0)
    span = np.arange(with_teeth[0], with_teeth[-1] + 1)
    bite = full.copy()   # beside the first and last bright tooth, teeth in shadow: down to the lip
    bite[span] = np.minimum(_smooth_edge(span, np.interp(span, with_teeth, lowest[with_teeth]), EDGE_TOL * len(span)),
                            full[span])
    under = smoothstep(EDGE_MIX[0] * px, EDGE_MIX[1] * px, rows - bite - 0.5)   # (the lowest tooth pixel whole)
    # the row's ends soft across a pixel or so, as its biting edge is down
    under = cv2.GaussianBlur(under.astype(np.float32), (0, 0), sigmaX=0.7 * px, sigmaY=0.01)
    return below.astype(np.float32), (under * (1 - below) * (alpha > 0)).astype(np.float32)


def _smooth_edge(xs: np.ndarray, edge: np.ndarray, tol: float) -> np.ndarray:
    """An edge found column by column (rows ``edge`` at columns ``xs``) made smooth: a stray
    pixel (a pale speck of lip, a dark pore) must not notch it, nor a run of columns read wrong
    (:func:`_near_smooth_curve`, within ``tol``): :func:`thg.curves.despeckle` over five columns first."""
    return _near_smooth_curve(np.asarray(xs, np.float64), despeckle(edge, 5), tol)


def _neutral_gains(pixels: np.ndarray) -> np.ndarray:
    """Per-channel gains (mean 1, each 0.75-1.33) that make the brightest third of ``pixels``
    (N×3, a photo's visible teeth and interior: the teeth) grey."""
    value, _ = _value_saturation(pixels)
    white = pixels[value >= np.percentile(value, 67)].astype(np.float32).mean(0)
    gains = float(white.mean()) / np.maximum(white, 1.0)
    return np.clip(gains / gains.mean(), 0.75, 1.33).astype(np.float32)


def _near_smooth_curve(x: np.ndarray, y: np.ndarray, tol: float, degree: int = 4) -> np.ndarray:
    """``y`` kept within ``tol`` of a smooth curve through it (a polynomial of ``degree`` in ``x``,
    fitted twice, the second time without the quarter of the points farthest from the first fit):
    where a lip's edge is found column by column, a run of columns read wrong (noise, a white
    balance that makes teeth look as coloured as lips) must not notch it or hang teeth from it."""
    if len(x) <= 2 * degree:
        return y
    t = (x - x.mean()) / max(float(np.ptp(x)), 1.0)
    fit = np.polyval(np.polyfit(t, y, degree), t)
    keep = np.abs(y - fit) <= np.percentile(np.abs(y - fit), 75)
    if keep.sum() > degree + 1:
        fit = np.polyval(np.polyfit(t[keep], y[keep], degree), t)
    return np.clip(y, fit - tol, fit + tol)


def _extend_up(image: np.ndarray, mask: np.ndarray, rows: int, gum: np.ndarray | None = None,
               teeth_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The masked pixels of each column continued ``rows`` further up (what a lifting upper lip
    uncovers): the brightest of the column's top pixels, darkened, for ``teeth_rows`` (the teeth reaching up), then,
    given a ``gum`` colour, fading into it (the gum above the teeth); returns (image, grown mask)."""
    out, grown = image.copy(), mask.copy()
    teeth_rows = rows if teeth_rows is None or gum is None else teeth_rows
    luma = luma_of(image, np.float32)
    for x in np.flatnonzero(mask.any(0)):
        column = np.flatnonzero(mask[:, x])
        top = int(column[0])
        # the mask's top pixel is the lip's edge blending into the teeth: continue the tooth below it
        near = column[:4]
        colour = image[int(near[np.argmax(luma[near, x])]), x]
        a = max(top - rows, 0)
        up = np.arange(top - a, 0, -1, dtype=np.float32)[:, None]          # rows above the top, 1..
        tooth = colour * (1.0 - 0.12 * np.clip(up / max(teeth_rows, 1), 0, 1))
        if gum is not None:
            g = smoothstep(0.6 * teeth_rows, teeth_rows + 1.0, up)
            tooth = tooth * (1 - g) + gum * g
        out[a:top, x] = tooth
        grown[a:top, x] = True
    # each column's colour comes from a pixel or two of the photo (a tooth, the gap beside it):
    # soften what was added across the columns, or it reads as a row of specks
    added = grown & ~mask
    out[added] = cv2.GaussianBlur(out, (5, 1), sigmaX=1.0)[added]   # across the columns only
    return out, grown


@dataclass
class MouthLook:
    """What is drawn in a mouth takes from its photo: the skin's grain, the teeth's, the cavity's
    and the tongue's (narrow, wide) colours, and the blur of the lips' edge (σ, px)."""

    grain: float
    teeth_colour: np.ndarray
    cavity: np.ndarray
    tongue: tuple[np.ndarray, np.ndarray]
    edge_sigma: float

    def toward(self, other: MouthLook, weight: float) -> MouthLook:
        """This look moved ``weight`` (0..1) of the way to ``other``."""
        def mix(a, b):   # (float32 arrays stay float32: the weight is a Python float)
            return a + (b - a) * weight
        return MouthLook(mix(self.grain, other.grain), mix(self.teeth_colour, other.teeth_colour),
                         mix(self.cavity, other.cavity), (mix(self.tongue[0], other.tongue[0]),
                                                          mix(self.tongue[1], other.tongue[1])),
                         mix(self.edge_sigma, other.edge_sigma))


class MouthModel:
    """What the mouth of one portrait looks like, measured once (crop coordinates)."""

    def __init__(self, crop: np.ndarray, xy: np.ndarray, fill_lips: bool = True, opening: bool = True,
                 steady: Callable[[MouthLook], MouthLook] | None = None) -> None:
        """``fill_lips`` False leaves :attr:`lip_layer` the crop itself, for a caller that fills
        the interior its own way. ``opening`` False leaves what only an open mouth is painted with
        (:meth:`_measure_opening`) to the first :meth:`paint` that draws an opening, for a caller
        that paints once, maybe a closed mouth. ``steady``: given the :class:`MouthLook` measured
        here, the one to draw with (a video's frames smooth their looks over time)."""
        self.xy = xy
        self._steady = steady
        outer, inner = _contours(xy)
        shape = crop.shape[:2]
        c0, c1 = xy[L.MOUTH_CORNERS[0], :2], xy[L.MOUTH_CORNERS[1], :2]
        self.width = float(np.linalg.norm(c1 - c0))
        #: a mouth wider than SCALE_FROM is drawn with its soft edges (given in px) that much wider
        self.px = px_scale(self.width)
        self.photo_gap = float(L.mouth_opening(xy))
        #: a black-and-white or toned photo's tone curve (what is drawn is drawn in it, :meth:`_toned`)
        self.tone = tone_curve(crop)
        self.grey = self.tone is not None
        interior = interior_mask(crop, xy, self.grey)
        self.photo_open = open_share(self.photo_gap)
        lips = _poly_mask(shape, outer) & ~cv2.dilate(interior.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        self.lip_layer = crop
        if fill_lips and interior.any():
            self.lip_layer = fill_with_lips(crop, _with_shadow_rim(crop, interior, lips), lips)
        elif fill_lips and lips.sum() >= 8:
            # lips all but closed may still show a glimpse of teeth along their seam: opened, the
            # lower lip took it down with it as a pale fleck on the lip
            seam = np.zeros(shape, np.uint8)
            cv2.polylines(seam, [np.round(inner).astype(np.int32)], True, 1)
            self.lip_layer = _without_stray_specks(crop, seam.astype(bool), lips)
        self.lip = crop[lips].astype(np.float32).mean(0) if lips.sum() > 4 else np.array([170.0, 95, 90], np.float32)
        self.interior = interior
        self._unmeasured: np.ndarray | None = crop
        if opening:
            self._measure_opening()

    def _measure_opening(self) -> None:
        """The skin's grain, the teeth, the cavity's and the tongue's colours and the blur of the
        opening's edge, measured on the crop (once)."""
        crop, self._unmeasured = self._unmeasured, None
        if crop is None:
            return
        xy, interior = self.xy, self.interior
        outer, _ = _contours(xy)
        shape = crop.shape[:2]
        face = _poly_mask(shape, xy[list(L.FACE_OVAL)]) & ~_poly_mask(shape, outer)
        self.grain = float(np.clip(0.6 * _grain(crop, face), 0.2, 4.0))
        skin = crop[face].astype(np.float32).mean(0) if face.any() else np.array([180.0, 150, 130], np.float32)
        # teeth: ivory in the photo's white balance (a quarter of the skin's cast, and the sclera's
        # where it is seen clearly), in its exposure (as bright as the lit skin: a dim photo has dim
        # teeth; or as the whites of the eyes, where they are brighter: dark skin, which put grey
        # teeth in a well-lit face), in the mouth's shade
        white = sclera_colour(crop, xy)
        clear = white if (white is not None and white.mean() > 0.8 * skin.mean()
                          and white.max() - white.min() < 0.25 * white.max()) else None
        lit = float(np.percentile(crop[face].max(-1), 90)) if face.any() else 235.0
        if clear is not None:
            lit = max(lit, float(clear.max()))
        bright = float(np.clip(TEETH_LIGHT * lit, 60.0, 235.0))
        ivory = bright * (skin / max(float(skin.max()), 1.0)) ** 0.25 * np.array([1.0, 0.98, 0.93])
        if clear is not None:
            ivory = 0.5 * ivory + 0.5 * clear * np.array([1.0, 0.97, 0.9]) * (bright / max(float(clear.max()), 1.0))
        cavity = (self.lip * CAVITY).astype(np.float32)
        dark = _own_dark(crop[interior], self.lip) if interior.any() else None
        if dark is not None:   # in the hue of the photo's own shadow inside its mouth, as bright
            cavity = (dark * float(luma_of(cavity)) / max(float(luma_of(dark)), 1.0)).astype(np.float32)
        narrow, wide = (max(skin * np.asarray(c), ivory * np.asarray(t), key=luma_of).astype(np.float32)
                        for c, t in zip(TONGUE, TONGUE_OF_TEETH))
        # the opening's edge is blurred like the photo's own lip edge: a step blurred by σ has a
        # steepest gradient of 1 / (σ √(2π)) of its contrast, the photo's lip edge has ``hardness``
        # (a mouth wider than SCALE_FROM is measured shrunk to that width, and its blur scaled
        # back: over the measure's 2 px band a blurred edge's full contrast lay outside it, and a
        # photo enlarged 2.5× measured 1.5× the blur, its opening drawn sharper than its lips)
        scale = self.px
        if scale > 1:
            hardness = edge_hardness(cv2.resize(crop, None, fx=1 / scale, fy=1 / scale, interpolation=cv2.INTER_AREA),
                                     outer / scale)
        else:
            hardness = edge_hardness(crop, outer)
        look = MouthLook(self.grain, np.clip(ivory, 0, 255).astype(np.float32), cavity, (narrow, wide),
                         float(np.clip(1 / (np.sqrt(2 * np.pi) * max(hardness, 1e-3)), 0.9, 2.0)) * scale)
        if self._steady is not None:
            look = self._steady(look)
        self.grain, self.teeth_colour, self.cavity = look.grain, look.teeth_colour, look.cavity
        self.tongue, self.edge_sigma = look.tongue, look.edge_sigma
        #: the photo's lower lip seen under its upper teeth, moved with the jaw (see :func:`_not_teeth`)
        self.lip_strip: TeethPatch | None = None
        #: px by which the lower lip's real edge lies above the mesh's inner contour (the strip's height)
        self.lip_edge_raise = 0.0
        self.upper, self.lower = self._teeth(crop, interior, white_balance(white))
        # what is drawn inside is as soft as the photo: its lip edge's blur less 0.7 px, at least
        # 0.6 px (the astronaut 0.6, Grace Hopper 0.7, a video frame enlarged 3× 1.2)
        # (as measured, at SCALE_FROM)
        self.interior_blur = float(np.clip(self.edge_sigma / scale - INTERIOR_BLUR[0], *INTERIOR_BLUR[1:])) * scale
        rng = np.random.default_rng(0)
        self._noise = rng.standard_normal((shape[0], shape[1])).astype(np.float32)

    # -- teeth -----------------------------------------------------------------------------------
    def _teeth(self, crop: np.ndarray, interior: np.ndarray,
               balance: np.ndarray | None = None) -> tuple[TeethPatch, TeethPatch]:
        """The upper and lower teeth: the photo's own where its ``interior`` shows them (in its
        own colours or its light's white ``balance``), else synthetic."""
        mw = self.width
        pts = self.xy[list(L.LIPS_OUTER_UPPER) + list(L.LIPS_OUTER_LOWER), :2]
        x0, y0 = np.floor(pts.min(0) - 0.15 * mw).astype(int)
        x1, y1 = np.ceil(pts.max(0) + 0.15 * mw).astype(int)
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, crop.shape[1]), min(y1, crop.shape[0])
        xy = self.xy
        s, n, n_up, n_lo = _lip_frame(xy[L.MOUTH_CORNERS[0], :2], xy[L.MOUTH_CORNERS[1], :2],
                                      xy[list(L.LIPS_INNER_UPPER), :2], xy[list(L.LIPS_INNER_LOWER), :2],
                                      (x0, y0, x1, y1))
        not_teeth = None
        if interior.any() and shows_teeth(crop, interior, self.lip, self.grey, balance=balance):  # the photo's own teeth
            # the upper lip lifts off more than the photo shows: the teeth go on a little, then the gum
            gum = np.clip(self.lip * np.array([1.0, 0.72, 0.76]), 0, 255).astype(np.float32)
            pixels = crop[y0:y1, x0:x1].astype(np.float32)
            trimmed = _trim_lip_rows(pixels, interior[y0:y1, x0:x1], self.lip)
            own, grown = _extend_up(pixels, trimmed, int(round(0.16 * mw)), gum, int(round(0.06 * mw)))
            edge_rows = interior[y0:y1, x0:x1] & ~trimmed
            rest = np.where(edge_rows[..., None], pixels, own).astype(np.float32)
            mask = cv2.GaussianBlur(grown.astype(np.float32), (0, 0), 0.7 * self.px)
            split = self._teeth_split(own, interior[y0:y1, x0:x1], s, n, n_up, n_lo)
            below = smoothstep(-self.px, self.px, n - split)
            up_rgb, up_a, lo_rgb, lo_a = own, mask * (1 - below), own, mask * below
            owned = (True, True)
            if (lo_a.sum() < LOWER_SHOWN * max(float(up_a.sum()), 1.0)
                    or not shows_teeth(own, lo_a > 0.5, self.lip, self.grey, LOWER_TEETH_LIKE, balance)):
                # only the upper teeth show (a smile): lower ones in their colour, seen as the jaw drops
                # (of the teeth alone: with the strip of lower lip under them, a smile's lower teeth came out pink)
                # (told apart in the teeth's white balance: in a cool or noisy photo, teeth
                # tinted like the lips notched the edge under them)
                gains = _neutral_gains(pixels[interior[y0:y1, x0:x1]])
                # the whole of the photo's opening goes with the upper teeth, what is not teeth in it
                # told apart below (cut at a dark row under the teeth, the photo's pixels below that
                # were left to the cavity: a dark line drawn along the lower lip at the photo's own opening)
                up_a, above_split = mask, up_a
                lip_below, dark = _not_teeth(rest * gains, up_a, self.lip * gains, self.grey, self.px)
                not_teeth = np.minimum(lip_below * (up_a > 0) + dark, 1.0)   # (they add up: complements at their edge)
                # the lip moves with the jaw; where it was, the opening drawn behind the teeth shows.
                # The strip is the photo's lower lip from its real edge down, opaque (seen through
                # it, the lower teeth rising behind it read as a ghost in the lip), its ends soft
                strip = cv2.GaussianBlur(lip_below, (0, 0), sigmaX=self.px, sigmaY=0.01)
                self.lip_strip = TeethPatch(rest, strip, (x0, y0), True)
                self.teeth_colour = _teeth_colour(pixels, interior[y0:y1, x0:x1] & (up_a > 0.5) & (not_teeth < 0.5))
                # the lower teeth rise from behind the real lip's edge, the strip's top
                self.lip_edge_raise = float(np.median((above_split * lip_below).sum(0)[np.abs(s[0] - 0.5) < 0.25]))
                lo_rgb, lo_a = self._lower_row(s, n, n_lo - self.lip_edge_raise)
                owned = (True, False)
        else:  # synthetic ones
            owned = (False, False)
            inside = (s > 0) & (s < 1)
            centre = np.clip(np.abs(s - 0.5) * 2, 0, 1)
            arch_drop = 0.10 * mw * centre ** 2                      # the row curves up toward the corners
            # upper teeth hang from the closed-lip line; the part above it stays under the upper lip
            d_up = n - (n_up - 0.15 * mw)
            up_len = 0.15 * mw + 0.11 * mw * (1 - centre ** 2) - arch_drop
            up_rgb, up_a = _tooth_row(mw, up_len, s, d_up, self.teeth_colour, _arch_edges())
            up_a = up_a * inside * (d_up > -1)
            lo_rgb, lo_a = self._lower_row(s, n, n_lo)
        return (TeethPatch(up_rgb.astype(np.float32), up_a.astype(np.float32), (x0, y0), owned[0],
                           rest if owned[0] else None, not_teeth),
                TeethPatch(lo_rgb.astype(np.float32), lo_a.astype(np.float32), (x0, y0), owned[1]))

    def _lower_row(self, s, n, n_lo) -> tuple[np.ndarray, np.ndarray]:
        """Synthetic lower teeth: their biting edge :data:`LOWER_EDGE` above the photo's inner
        lower lip line (curving up toward the corners), moving with the jaw."""
        mw = self.width
        centre = np.clip(np.abs(s - 0.5) * 2, 0, 1)
        d_lo = n - (n_lo - LOWER_EDGE * mw + 0.10 * mw * centre ** 2)       # px below the biting edge
        # the row is drawn upside down (its biting edge up, uneven and translucent); only its top
        # ever shows, so the teeth are given the length of what shows, and go on under the lip
        shown = np.full_like(s, LOWER_SHOWN_LEN * mw)
        # (what shows of them is a few pixels: translucent, or with grooves even half as deep as the
        # upper teeth's, raters read them as grey ghost stripes printed on the lower lip)
        rgb, a = _tooth_row(mw, shown, s, shown - d_lo, self.teeth_colour, _arch_edges(LOWER_WIDTHS),
                            translucency=0.1, gap=LOWER_GAP * TOOTH_GAP, embrasure=LOWER_EMBRASURE)
        return rgb, a * ((s > 0) & (s < 1))

    def _teeth_split(self, own, interior, s, n, n_up, n_lo) -> np.ndarray:
        """Where the photo's upper teeth end and its lower teeth begin (normal offset per pixel):
        the darkest row of the middle of the opening between 45 % and 95 % of the gap, if that row
        is clearly darker than the teeth; otherwise everything is upper teeth."""
        mid = interior & (np.abs(s - 0.5) < 0.2)
        if mid.sum() < 6:
            return n_lo + 1e3
        t = np.clip((n - n_up) / np.maximum(n_lo - n_up, 1e-3), 0, 1)
        luma = luma_of(own, np.float32)
        bins = np.linspace(0.0, 1.0, 21)
        level = np.array([luma[mid & (t >= a) & (t < b)].mean() if (mid & (t >= a) & (t < b)).any() else np.nan
                          for a, b in zip(bins[:-1], bins[1:])])
        teeth = np.nanpercentile(level, 80) if np.isfinite(level).any() else 0
        search = np.arange(9, 19)
        cand = level[search]
        if not np.isfinite(cand).any() or np.nanmin(cand) > 0.8 * teeth:
            return n_lo + 1e3
        k = search[int(np.nanargmin(cand))]
        frac = (bins[k] + bins[k + 1]) / 2
        return n_up + frac * (n_lo - n_up)

    # -- per frame -------------------------------------------------------------------------------
    def paint(self, frame: np.ndarray, upper: np.ndarray, lower: np.ndarray,
              upper_map: np.ndarray, lower_map: np.ndarray, tongue: float = 0.0) -> None:
        """Paint the interior of the opening bounded by the target inner lip contours ``upper`` and
        ``lower`` (11 points each, corner to corner) into ``frame`` in place; ``upper_map`` and
        ``lower_map`` are 2×3 affine maps from source to target of the upper and lower teeth;
        ``tongue`` is the motion's tongue channel (0 at rest .. 1 raised to the upper teeth)."""
        c0, c1 = upper[0], upper[-1]
        width = float(np.linalg.norm(c1 - c0))
        if width < 4:
            return
        axis = (c1 - c0) / width
        normal = np.array([-axis[1], axis[0]])
        gaps = (lower - upper) @ normal
        gap = float(gaps[4:7].mean())
        poly = np.vstack([upper, lower[::-1][1:-1]])
        h, w = frame.shape[:2]
        x0, y0 = np.maximum(np.floor(poly.min(0)).astype(int) - 3, 0)
        x1, y1 = np.minimum(np.ceil(poly.max(0)).astype(int) + 4, [w, h])
        if x1 - x0 < 3 or y1 - y0 < 3:
            return
        if gap < 0.6:
            self._stomion(frame, upper, lower, width, (x0, y0, x1, y1))
            return
        bw, bh = x1 - x0, y1 - y0
        cover = np.zeros((bh, bw), np.uint8)
        cv2.fillPoly(cover, [np.round((poly - [x0, y0]) * 8).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=3)
        alpha = cover.astype(np.float32) / 255.0
        if not alpha.any():
            return
        self._measure_opening()

        s, n, n_up, n_lo = _lip_frame(c0, c1, upper, lower, (x0, y0, x1, y1))
        local = np.maximum(n_lo - n_up, 1e-3)
        d = n - n_up
        across = np.clip(np.sin(np.pi * np.clip(s, 0, 1)), 0, 1)

        # cavity: dark at the back, a little light on the mucosa next to the lips, darker at the corners
        from_lips = np.minimum(d, n_lo - n)
        # (a rim a third of the opening deep stood between the lower teeth and the dark: the lower lip's
        # inside, which the teeth in front of it hide in a real mouth)
        depth = smoothstep(0.0, 0.15 * max(gap, 1.0), from_lips)
        shade = (1.0 - 0.35 * depth) * (0.55 + 0.45 * across ** 0.8)
        # a wide opening shows the throat: darkest in the middle, the palate and the cheeks' insides
        # round it catch a little light (a uniform dark read as a flat black hole)
        wide = float(smoothstep(0.15 * width, 0.45 * width, gap))
        if wide > 0:
            throat = np.exp(-(((s - 0.5) / 0.2) ** 2 + ((d / local - 0.45) / 0.35) ** 2))
            shade = shade * (1 + wide * (THROAT[0] - THROAT[1] * throat))
        # (next to the lips the mucosa is the lips' own colour in shadow: a rim of the cavity's deep
        # red, twice as bright, read as an outline drawn round the opening)
        rim = (1 - depth)[..., None]
        img = (self.cavity * 0.9 * (1 - rim) + self.lip * MUCOSA * rim) * shade[..., None]
        img = self._with_tongue(img, d, local, across, gap, width, tongue)
        # teeth: lower behind the upper, both in the shadow of the lips near them
        drop = float((lower_map[:, 2] - upper_map[:, 2]) @ normal)   # the jaw's drop from the photo, px
        # opening wide, the lower lip is drawn down a little past the lower teeth: more of them shows
        jaw_map, lower_map = lower_map, lower_map.copy()
        lower_map[:, 2] -= LIP_PULL * max(drop, 0.0) * normal
        # (the light comes from above: the lower lip shades the lower teeth a fifth as much as the
        # upper lip shades the upper ones; at half as much, raters saw them grey)
        teeth = [(self.lower, lower_map, n_lo - n, 0.2), (self.upper, upper_map, d, 1.0)]
        slit = 1 - float(smoothstep(SLIT[0] * width, SLIT[1] * width, gap))
        if not self.lower.own:
            if drop <= 0:   # at the photo's own opening or closer: nothing added
                teeth = teeth[1:]
            else:   # synthetic ones rise into view from behind the lower lip as the jaw drops
                hidden = 1 - float(smoothstep(0.0, LOWER_FADE * width, drop))
                lower_map[:, 2] += hidden * (LOWER_EDGE + 0.01) * width * normal
        # what of the photo's opening is not its teeth goes as the jaw drops: its lower lip with
        # the jaw, its dark giving way to the opening drawn here
        gone = float(smoothstep(0.0, LIP_GONE * width, drop))
        if self.lip_strip is not None and gone > 0:
            teeth.append((self.lip_strip, jaw_map, d, 0.0))
        layers = []
        for patch, amap, lip_shadow, shade in teeth:
            rgb, a = self._place(patch, amap, (x0, y0, bw, bh), self._at_rest(patch, amap, upper, normal),
                                 self._coverage(patch, gone))
            if shade:   # the lip's shade on the teeth next to it (the lip strip is lip itself: none)
                rgb = rgb * (1 - shade * LIP_SHADOW[patch.own] * (1 - smoothstep(0.0, 0.12 * width, lip_shadow)))[..., None]
            if not patch.own and slit > 0:
                # a narrow opening lets light in only at the front: the teeth darken toward the corners
                fall = np.clip(1 - SLIT_SHADE * slit * np.clip(np.abs(s - 0.5) * 2, 0, 1) ** SLIT_POWER, 1e-3, 1)
                rgb = rgb * fall[..., None] ** np.asarray(SHADE_TINT, np.float32)
            if patch is self.lower and not patch.own:
                # where the lower lip's wet inner edge meets them, a thin shade in the lip's own
                # colour: without it the teeth ran into a pale lip as one band, and a grey one read
                # green beside the pink lip
                contact = CONTACT[0] * (1 - smoothstep(0.0, CONTACT[1] * self.px, lip_shadow - self.lip_edge_raise))
                rgb = rgb + (self.lip * MUCOSA - rgb) * contact[..., None]
            # stage: 0 drawn and blurred with the cavity, 1 drawn after the blur (synthetic lower
            # teeth: blurred into the tongue behind them they turn grey), 2 the photo's own.
            # (Synthetic upper teeth at stage 1 looked crisper to a rater, 4 of 6, but their edge on
            # the dark inside got harder than the photo's lip edges: 1.08 on Grace Hopper)
            stage = 2 if patch.own else 1 if patch is self.lower else 0
            if stage == 1:   # softened on their own (rgb and coverage), as much as the rest
                rgb = cv2.GaussianBlur(rgb, (0, 0), self.interior_blur)
                a = cv2.GaussianBlur(a, (0, 0), self.interior_blur)
            layers.append((stage, rgb, a[..., None]))

        def over(img, stage):
            for at, rgb, a in layers:
                if at == stage:
                    img = img * (1 - a) + rgb * a
            return img

        # what is drawn gets the photo's blur and grain; the photo's own teeth come in after (they
        # have both already, and blurred again they would merge into a band), and so do synthetic
        # lower teeth (a few pixels of them show, and blurred into what is behind them they read
        # as a grey smear on the lip)
        img = cv2.GaussianBlur(over(img, 0), (0, 0), self.interior_blur)
        img = over(img, 1) + self.grain * self._noise[y0:y1, x0:x1][..., None]
        img = over(img, 2)
        # a soft occlusion line along the lips, and the opening's edge as soft as the photo's lip
        # edge; along the photo's own upper teeth neither (their top row is the photo's own edge,
        # shade and all, where the upper lip meets them)
        line = 0.9 + 0.1 * smoothstep(0.0, 1.6 * self.px, from_lips)
        a = cv2.GaussianBlur(alpha, (0, 0), self.edge_sigma)
        if self.upper.own:
            toward_upper = 1 - smoothstep(0.0, 0.5, d / local)
            line += (1 - line) * toward_upper
            a += (cv2.GaussianBlur(alpha, (0, 0), OWN_EDGE_SIGMA * self.px) - a) * toward_upper
        img *= line[..., None]
        a = a[..., None]
        region = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = np.clip(region * (1 - a) + self._toned(img) * a, 0, 255).astype(np.uint8)

    def _toned(self, rgb: np.ndarray) -> np.ndarray:
        """Drawn colours (float RGB, last axis) in a black-and-white or toned photo's tones: each
        its luma's colour on the photo's tone curve (:attr:`tone`); as they are in a colour photo."""
        if self.tone is None:
            return rgb
        y = np.clip(luma_of(rgb, np.float32), 0, 255)
        low = np.minimum(y.astype(np.int32), 254)
        t = (y - low)[..., None]
        return self.tone[low] * (1 - t) + self.tone[low + 1] * t

    def _with_tongue(self, img: np.ndarray, d: np.ndarray, local: np.ndarray, across: np.ndarray, gap: float,
                     width: float, tongue: float) -> np.ndarray:
        """``img`` (the cavity) with the tongue over it: ``d`` px below the upper lip of an opening
        ``local`` px deep, ``across`` 0 at the corners .. 1 in the middle, the opening ``gap`` px of a
        mouth ``width`` px wide, the motion's ``tongue`` channel."""
        # tongue: a dome rising from the floor of the mouth, seen on open vowels
        # (it rises above the lower teeth only once the mouth is open wider than TONGUE_HIDDEN: in
        # a small opening it stays behind them, and a band of it between the teeth read as pink
        # tissue that the lower teeth showed through, or as a second lower lip)
        # (a dome: its top is a curve over the floor of the mouth, highest in the middle, never more
        # than most of the opening where the opening narrows toward the corners)
        wide_t = float(smoothstep(TONGUE_WIDE[0] * width, TONGUE_WIDE[1] * width, gap))

        def mix(pair):
            return pair[0] + wide_t * (pair[1] - pair[0])

        tongue_h = np.minimum(mix(TONGUE_HEIGHT) * max(gap - TONGUE_HIDDEN * width, 0.0) * across ** mix(TONGUE_DOME),
                              0.8 * local)
        # raised toward the upper teeth (/t d n l/, between them for /θ ð/): its tip, narrower
        raise_by = min(max(tongue, 0.0), 1.0) * wide_t
        if raise_by > 0:
            raised = TONGUE_RAISED * local * across ** TONGUE_TIP
            tongue_h = tongue_h + raise_by * np.maximum(raised - tongue_h, 0.0)
        below_top = d - (local - tongue_h)
        t_cover = smoothstep(-1.5 * self.px, 1.5 * self.px + 0.1 * tongue_h, below_top)
        # lit at the front, behind the lower teeth; its back curves away into the mouth's shadow
        top = mix(TONGUE_TOP)
        t_light = top + (1 - top) * smoothstep(0.0, 1.0, below_top / np.maximum(0.6 * tongue_h, 1.0)) ** 0.7
        # and a small opening lets little light in: the tongue is darker the smaller it is
        t_light = t_light * (0.6 + 0.4 * float(smoothstep(0.1 * width, 0.4 * width, gap)))
        sides = mix(TONGUE_SIDES)
        tongue_rgb = mix(self.tongue) * (t_light * (1 - sides + sides * across))[..., None]
        return img * (1 - t_cover[..., None]) + tongue_rgb * t_cover[..., None]

    def _at_rest(self, patch: TeethPatch, amap: np.ndarray, upper: np.ndarray, normal: np.ndarray) -> np.ndarray:
        """The colours of ``patch`` for this frame: where it has a :attr:`TeethPatch.rest`, the
        photo's own pixels under the lip's edge while the upper lip (``upper``, its target inner
        contour) sits where it does in the photo relative to the teeth, the teeth continued up
        once it has lifted by a pixel or so."""
        if patch.rest is None:
            return patch.rgb
        src = self.xy[list(L.LIPS_INNER_UPPER), :2] @ amap[:, :2].T + amap[:, 2]   # the photo's lip, moved with the teeth
        lift = float(((src - upper) @ normal)[4:7].mean())
        keep = 1.0 - float(smoothstep(REST_LIFT[0], REST_LIFT[1], lift))
        return patch.rgb + keep * (patch.rest - patch.rgb) if keep > 0 else patch.rgb

    def _coverage(self, patch: TeethPatch, gone: float) -> np.ndarray:
        """The coverage of ``patch`` once a share ``gone`` of what of the photo's opening is not
        teeth has gone with the dropping jaw: the upper teeth without it
        (:attr:`TeethPatch.not_teeth`), that much of the lip strip (:attr:`lip_strip`)."""
        if patch is self.lip_strip:
            return patch.alpha * gone
        if patch.not_teeth is None or gone <= 0:
            return patch.alpha
        return patch.alpha * (1 - gone * patch.not_teeth)

    def _place(self, patch: TeethPatch, amap: np.ndarray, box: tuple[int, int, int, int],
               rgb: np.ndarray | None = None, alpha: np.ndarray | None = None):
        """The patch (its colours ``rgb`` and coverage ``alpha`` if given) moved by ``amap``
        (source -> target crop coordinates) into ``box`` (x, y, w, h)."""
        bx, by, bw, bh = box
        px, py = patch.origin
        m = amap.astype(np.float64).copy()
        m[:, 2] += m[:, 0] * px + m[:, 1] * py - [bx, by]
        rgb = patch.rgb if rgb is None else rgb
        alpha = patch.alpha if alpha is None else alpha
        if rgb is patch.rgb and alpha is patch.alpha:   # as measured: stacked once
            if patch.rgba is None:
                patch.rgba = np.dstack([rgb, alpha * 255.0]).astype(np.float32)
            rgba = patch.rgba
        else:
            rgba = np.dstack([rgb, alpha * 255.0]).astype(np.float32)
        # bicubic: the teeth shift by fractions of a pixel every frame, and bilinear resampling
        # would soften them by a different amount each time (a shimmer, and duller teeth)
        out = cv2.warpAffine(rgba, m, (bw, bh), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT)
        return out[..., :3], np.clip(out[..., 3] / 255.0, 0.0, 1.0)

    def _stomion(self, frame, upper, lower, width, box) -> None:
        """Where lips that the photo shows apart are brought together: a soft dark line along their
        meeting, darkest in the middle of each half, fading at the corners."""
        if self.photo_open <= 0:
            return  # a closed-mouth photo keeps its own line
        x0, y0, x1, y1 = box
        mid = (upper + lower) / 2
        line = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.polylines(line, [np.round((mid - [x0, y0]) * 8).astype(np.int32)], False, 255,
                      thickness=max(1, int(round(0.02 * width))), lineType=cv2.LINE_AA, shift=3)
        sigma = max(0.5, 0.012 * width)
        weight = cv2.GaussianBlur(line.astype(np.float32) / 255.0, (0, 0), sigma)
        weight /= max(float(weight.max()), 1e-6)
        s = np.clip(_lip_frame(upper[0], upper[-1], upper, lower, box)[0], 0, 1)
        weight *= smoothstep(0.0, 0.12, np.minimum(s, 1 - s)) * STOMION_INK * self.photo_open
        region = frame[y0:y1, x0:x1].astype(np.float32)
        dark = self._toned(self.lip * np.asarray(STOMION_COLOUR, np.float32))    # the shadow where lips meet: the lips' colour, deeper
        frame[y0:y1, x0:x1] = np.clip(region * (1 - weight[..., None]) + dark * weight[..., None], 0, 255).astype(np.uint8)
