"""Blinks: the upper lid's skin comes down over the eye, its lash line at the edge.

In an open eye the skin that covers a closed one is folded away under the crease, so a blink is
not a squashed eye: the eyeball stays where it is and the lid slides over it. This is done on the
photo's own texture, before the face is warped (so head motion applies to the lid as well): in a
frame that follows each eye (``s`` along it, ``n`` down across it) the strip between a line above
the eye and the lid's new edge is re-sampled from the strip between that line and the lid's own
edge in the photo. The lash band keeps its width, the lid skin above it stretches (as it unfolds),
and below the new edge the eye shows unchanged. The lower lid rises a little to meet it
(:data:`MEET`): shut eyes close along a line a little above the lower lid, as a filmed blink shows
(the upper lid alone, drawn down to the lower lid's curve, made a bowl-shaped balloon of the eye).
"""

from __future__ import annotations

import cv2
import numpy as np

from thg.curves import despeckle, smoothstep
from thg.features.edges import luma as luma_of
from thg.features import landmarks as L

LASH = 0.12      # lash band at the lid edge, fraction of the eye's width
MEET = 0.85      # a shut eye's lids meet this far down its opening: the lower lid rises the rest
LOWER_SKIN = 0.12  # eye widths of skin under the lower lid's edge that rise with it
OVERLAP = 0.03   # a shut upper lid reaches this far past the meeting line (fraction of the eye's width)
UNFOLD = 1.3     # the stretched lid skin spans this many eye openings above the lid edge,
BROW_ROOM = 0.5  # but at most this share of the way up to the brow (glasses frames, brows stay)
LINE_INK = 0.85  # how fully a faint part of the lash line is drawn in on a shut lid
FAINT = 0.4      # a lid edge this much of the way from its darkest part to the skin counts as wholly faint
DARK_EDGE = 0.8  # above the lid skin, a row darker than this share of the skin's brightest ends it
GRAIN_SIGMA = 1.8  # px: what is finer than this in the skin is its grain (at 1.2, its wrinkles left out, a rater saw a waxy lid)
GRAIN_CLIP = 2.5   # ...up to this many of its robust standard deviations
LASH_BLUR = 1.0    # px of blur along a shut lid's lash band
STREAK_BLUR = 1.2  # px of blur along a shut lid per unit of its skin's stretch
SPECK = 0.85     # lid skin darker than this share of its strip's median is a speck, painted over before a blink
BULGE = 0.08     # a shut lid is this much lighter on the eyeball's bulge, and darker by 0.8 of it at the lashes
FRINGE = 0.06    # the lashes of a shut lid hang this share of the eye's width below its edge...
FRINGE_INK = 0.55  # ...darkening it this much where they start
LASH_DARK = 0.5  # a shut lid's lash line is at most this share of its skin's brightness
LID_TONE = 0.6  # how far a shut lid's colour goes toward the skin's under the eye
MAX_LASH = 0.2   # a thicker dark band of the photo's own at the lid edge is kept up to this share of its width


def _dark_band(pixels: np.ndarray, s: np.ndarray, n: np.ndarray, n_up: np.ndarray, width: float) -> np.ndarray:
    """Per pixel, how far up from the upper lid's edge (``n_up``) the photo stays dark (lashes,
    liner), read in slices across the eye: the run of rows from the darkest one at the edge that
    stay darker than halfway from it to the lid skin above. Zero where the edge is not dark."""
    luma = luma_of(pixels, np.float32)
    up = n_up - n                         # height above the lid edge, pixels
    cap = MAX_LASH * width
    bins = np.linspace(0.0, 1.0, 13)
    rows = np.arange(0.0, cap + 1.0, 0.5)
    extent = np.zeros(len(bins) - 1)
    for k, (a, b) in enumerate(zip(bins[:-1], bins[1:])):
        col = (s >= a) & (s < b)
        if col.sum() < 4:
            continue
        h, v = up[col], luma[col]
        level = np.array([v[np.abs(h - r) <= 0.5].mean() if (np.abs(h - r) <= 0.5).any() else np.nan for r in rows])
        skin = v[(h > cap) & (h < cap + 0.15 * width)]
        if not np.isfinite(level[:5]).any() or skin.size == 0:
            continue
        darkest = int(np.nanargmin(level[:5]))
        dark, bright = float(level[darkest]), float(np.median(skin))
        if bright - dark < 20:
            continue
        light = np.flatnonzero(~(level[darkest:] < (dark + bright) / 2))  # nan (outside the photo) is light
        extent[k] = rows[darkest + light[0]] if light.size else cap
    # lashes and liner thicken and thin smoothly along the lid: a slice read wrong (a blurred
    # photo's shadow under the brow, a gap in the lashes) would zig-zag the band, and a shut lid
    # would show it as dark shards (on an enlarged video frame: 13, 0.1, 12.8 px in three slices)
    extent = despeckle(extent, 3)
    centres = (bins[:-1] + bins[1:]) / 2
    return np.interp(s, centres, extent).astype(np.float32)


def _lash_line(pixels: np.ndarray, s: np.ndarray, n: np.ndarray, n_up: np.ndarray, lash: float,
               reach: float) -> tuple[np.ndarray, np.ndarray]:
    """The colour of the photo's lash line (the darkest part of the upper lid's edge across the
    eye) and, per pixel, how faint the line is at that point of the eye (0 as dark as its darkest
    part .. 1 as light as the lid skin): where the light falls on the lashes or the lid hides
    them, the photo's own edge is pale, and a shut eye would show no lash line there."""
    luma = luma_of(pixels, np.float32)
    up = n_up - n
    band = (up >= 0.5) & (up <= lash + 0.5) & (s > 0.05) & (s < 0.95)   # above the edge: not the iris
    skin = (up > lash + 1) & (up < reach) & (s > 0.1) & (s < 0.9)
    bins = np.linspace(0.05, 0.95, 10)
    level = np.array([np.percentile(luma[band & (s >= a) & (s < b)], 10) if (band & (s >= a) & (s < b)).sum() >= 3
                      else np.nan for a, b in zip(bins[:-1], bins[1:])])
    if not np.isfinite(level).any() or not skin.any():
        return np.zeros(3, np.float32), np.zeros(s.shape, np.float32)
    dark, bright = float(np.nanpercentile(level, 20)), float(np.median(luma[skin]))
    colour = pixels[band & (luma <= dark + 4)].astype(np.float32).mean(0) if (band & (luma <= dark + 4)).any() \
        else np.full(3, dark, np.float32)
    faint = np.clip((level - dark) / max(bright - dark, 10.0) / FAINT, 0, 1)
    centres = (bins[:-1] + bins[1:]) / 2
    ok = np.isfinite(faint)
    return colour.astype(np.float32), np.interp(s, centres[ok], faint[ok]).astype(np.float32)


def _skin_reach(pixels: np.ndarray, s: np.ndarray, n: np.ndarray, n_up: np.ndarray, lash: np.ndarray,
                reach: float) -> np.ndarray:
    """Per pixel, how far above the lid's edge the lid skin that a blink stretches may be taken
    from: up to ``reach``, but below the first dark edge over the skin (a glasses frame, a brow, a
    deep crease), read in slices across the eye; stretched down, that edge would smear over the lid."""
    luma = luma_of(pixels, np.float32)
    up = n_up - n
    bins = np.linspace(0.0, 1.0, 9)
    out = np.full(len(bins) - 1, reach, np.float32)
    for k, (a, b) in enumerate(zip(bins[:-1], bins[1:])):
        col = (s >= a) & (s < b)
        start = float(lash[col].max()) + 1.0 if col.any() else reach
        rows = np.arange(start, reach + 1.5, 0.5)
        level = np.array([luma[col & (np.abs(up - r) <= 0.5)].mean() if (col & (np.abs(up - r) <= 0.5)).any()
                          else np.nan for r in rows])
        if not np.isfinite(level).any():
            continue
        brightest = np.fmax.accumulate(np.nan_to_num(level, nan=0.0))
        dark = np.flatnonzero(level < DARK_EDGE * brightest)
        if dark.size:
            out[k] = min(reach, rows[dark[0]] - 1.5)
    centres = (bins[:-1] + bins[1:]) / 2
    return np.maximum(np.interp(s, centres, out), lash + 1.0).astype(np.float32)


def _without_specks(pixels: np.ndarray, eye: dict) -> np.ndarray:
    """The eye's box with what is much darker than the lid skin it sits in (a sliver of iris or
    lashes above the mesh's lid line, a dark fold) painted over from the skin around it, in the
    strip of lid skin a blink stretches: stretched over the eye, a dark speck becomes a blot; and
    what is paler than that skin in the lash band (a catchlight) likewise."""
    n, n_up = eye["n"], eye["n_up"]
    strip = (n > n_up - eye["reach"]) & (n < n_up - eye["lash"]) & (eye["inside"] > 0)
    if strip.sum() < 8:
        return pixels
    luma = luma_of(pixels, np.float32)
    skin = float(np.median(luma[strip]))
    dark = strip & ((luma < SPECK * skin) | (eye["iris"] > 0))   # (the top of an iris the mesh's lid line cuts)
    # the lash band that moves down with the lid: a catchlight or the white of the eye caught in it
    # (the mesh's lid line a pixel high) would be a pale speck along a shut eye's lash line
    band = (n >= n_up - eye["lash"]) & (n <= n_up + 1.5) & (eye["inside"] > 0)
    pale = band & (luma > skin)
    if not (dark.any() or pale.any()):
        return pixels
    mask = cv2.dilate((dark | pale).astype(np.uint8), np.ones((3, 3), np.uint8))
    return cv2.inpaint(np.ascontiguousarray(pixels), mask, 2, cv2.INPAINT_TELEA)


def _lid_colours(crop, c0, axis, normal, width, su, nu, sl, nl, reach, lash) -> tuple[np.ndarray, np.ndarray] | None:
    """The colours of the lid skin a blink stretches and of the skin below the eye (a band from
    0.08 to 0.25 eye widths under the lower lid), across the eye's middle (medians per channel: a
    wrinkle or a glasses rim does not move them); None where either is not seen."""
    c1 = c0 + axis * width
    x0, y0 = np.floor(np.minimum(c0, c1) - 0.1 * width - [0, reach + 2]).astype(int)
    x1, y1 = np.ceil(np.maximum(c0, c1) + 0.1 * width + [0, np.max(nl) + 0.3 * width]).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, crop.shape[1]), min(y1, crop.shape[0])
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    rel = np.stack([xs - c0[0], ys - c0[1]], -1)
    s, n = rel @ axis / max(width, 1e-6), rel @ normal
    n_up, n_lo = np.interp(s, su, nu), np.interp(s, sl, nl)
    middle = (s > 0.15) & (s < 0.85)
    strip = middle & (n > n_up - reach) & (n < n_up - lash)
    under = middle & (n > n_lo + 0.08 * width) & (n < n_lo + 0.25 * width)
    if strip.sum() < 6 or under.sum() < 6:
        return None
    pixels = crop[y0:y1, x0:x1].astype(np.float32)
    return np.median(pixels[strip], 0).astype(np.float32), np.median(pixels[under], 0).astype(np.float32)


def _over(base: np.ndarray, layer: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """``layer`` over ``base`` where ``cover`` (0..1, softened by about a pixel) says."""
    a = cv2.GaussianBlur(cover.astype(np.float32), (0, 0), 0.6)[..., None]
    return base * (1 - a) + layer * a


class Eyelids:
    """Closing lids of one portrait; ``xy`` are face-mesh points in the crop's pixels."""

    def __init__(self, crop: np.ndarray, xy: np.ndarray) -> None:
        luma = luma_of(crop, np.float32)
        self._fine = luma - cv2.GaussianBlur(luma, (0, 0), GRAIN_SIGMA)  # the skin's grain
        self.eyes = [self._frame(crop, xy, upper, lower, brow, iris) for upper, lower, brow, iris in
                     ((L.RIGHT_EYE_UPPER, L.RIGHT_EYE_LOWER, L.RIGHT_BROW, L.RIGHT_IRIS),
                      (L.LEFT_EYE_UPPER, L.LEFT_EYE_LOWER, L.LEFT_BROW, L.LEFT_IRIS))]
        self.skin = crop.copy()   # what the lids' skin is stretched from: the crop, specks taken out
        for eye in self.eyes:
            x0, y0, x1, y1 = eye["box"]
            self.skin[y0:y1, x0:x1] = _without_specks(crop[y0:y1, x0:x1], eye)

    def _frame(self, crop, xy, upper, lower, brow, iris):
        shape = crop.shape[:2]
        c0, c1 = xy[upper[0], :2].astype(np.float64), xy[upper[-1], :2].astype(np.float64)
        width = float(np.linalg.norm(c1 - c0))
        axis = (c1 - c0) / max(width, 1e-6)
        normal = np.array([-axis[1], axis[0]])
        if normal[1] < 0:
            normal = -normal  # pointing down the face
        def along(idx):
            rel = xy[list(idx), :2] - c0
            s, n = rel @ axis / max(width, 1e-6), rel @ normal
            order = np.argsort(s)
            return s[order], n[order]
        su, nu = along(upper)
        sl, nl = along(lower)
        opening = float(np.max(np.interp(su, sl, nl) - nu))
        lash = float(np.clip(LASH * width, 1.0, 2.5))  # lashes are thin at any face size
        brow_gap = float(np.mean(nu) - np.mean((xy[list(brow), :2] - c0) @ normal))
        reach = max(min(UNFOLD * max(opening, 1.0) + lash, BROW_ROOM * brow_gap), lash + 1.0)
        pts = np.vstack([xy[list(upper), :2], xy[list(lower), :2]])
        x0, y0 = np.floor(pts.min(0) - [2, max(reach, MAX_LASH * width) + 2]).astype(int)
        x1, y1 = np.ceil(pts.max(0) + [3, 3 + LOWER_SKIN * width]).astype(int)   # room for the lower lid's skin
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, shape[1]), min(y1, shape[0])
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        rel = np.stack([xs - c0[0], ys - c0[1]], -1)
        s = rel @ axis / max(width, 1e-6)
        n = rel @ normal
        n_up = np.interp(s, su, nu)
        n_lo = np.interp(s, sl, nl)
        inside = ((s > 0) & (s < 1)).astype(np.float32)
        # the iris's disc (a pixel more, soft): what of it the lash band holds is eye, not lashes
        centre = xy[iris[0], :2]
        radius = float(np.mean(np.linalg.norm(xy[list(iris[1:]), :2] - centre, axis=1)))
        in_iris = np.clip(radius + 1.5 - np.hypot(xs - centre[0], ys - centre[1]), 0, 1).astype(np.float32)
        # where the photo's lashes (or liner) are thicker than the thin band, the whole dark band at
        # the lid's edge moves down with it: stretched like skin it would smear up the lid
        blur = max(0.25 * lash, 0.5)  # along the lid, on the stretched skin
        line_colour, faint = _lash_line(crop[y0:y1, x0:x1], s, n, n_up, lash, reach)
        lash = np.maximum(lash, _dark_band(crop[y0:y1, x0:x1], s, n, n_up, width))
        reach = _skin_reach(crop[y0:y1, x0:x1], s, n, n_up, lash, reach)
        # a thin strip of skin stretched over a whole eye streaks: blur it along the lid the more
        skin_h = float(np.median((reach - lash)[inside > 0])) if (inside > 0).any() else 1.0
        stretch = opening / max(skin_h, 1.0)
        # a blurred lid gets its grain back from the skin under the eye, moved up over it (from past
        # the lower lid's edge for the whole lid), clipped to the grain's own spread: stronger detail
        # there (a wrinkle, a glasses rim) shows through the lid as a ghosted outline. (Noise of the
        # same spread, or a clip at 1.2, read as skin too, but dlib read those lids as less shut on
        # the same clips.)
        below = opening + float(np.max(reach)) + 2.0
        grain = cv2.remap(self._fine, xs + below * normal[0], ys + below * normal[1], cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)
        spread = 1.4826 * float(np.median(np.abs(grain))) + 1e-3
        grain = np.clip(grain, -GRAIN_CLIP * spread, GRAIN_CLIP * spread)
        colours = _lid_colours(crop, c0, axis, normal, width, su, nu, sl, nl, float(np.median(reach)), float(np.median(lash)))
        tone, lid_luma = np.zeros(3, np.float32), 1.0
        if colours is not None:
            lid_skin, under = colours
            tone, lid_luma = under - lid_skin, float(luma_of(lid_skin))
            # lashes are dark on any lid: a photo's pale lash line (a wide-open eye, light on the
            # lashes) is drawn no lighter than this share of the lid skin (darkened as a whole: a
            # channel by channel minimum gave a sepia photo's lashes a colour of their own)
            darkest = LASH_DARK * lid_luma
            line_colour = line_colour * min(1.0, darkest / max(float(luma_of(line_colour)), 1e-3))
        return dict(box=(x0, y0, x1, y1), stretch=stretch, iris=in_iris, tone=tone, lid_luma=lid_luma, grain=grain.astype(np.float32), xs=xs, ys=ys, n=n.astype(np.float32), n_up=n_up.astype(np.float32),
                    n_lo=n_lo.astype(np.float32), s=s.astype(np.float32), inside=inside, normal=normal.astype(np.float32),
                    lash=lash, reach=reach, blur=blur, line_colour=line_colour, faint=faint,
                    line_width=float(np.clip(0.06 * width, 1.0, 2.0)), width=width,
                    # the shut lid's overlap tapers off toward the corners, where the lids meet anyway
                    overlap=(OVERLAP * width * np.sqrt(np.clip(4 * s * (1 - s), 0, 1))).astype(np.float32))

    def _lower_lid(self, eye: dict, low_edge: np.ndarray) -> np.ndarray:
        """The eye's box with the lower lid raised to ``low_edge``: the skin under its edge (down to
        :data:`LOWER_SKIN` eye widths) stretched up with it, its rim at the new edge."""
        n, n_lo = eye["n"], eye["n_lo"]
        bottom = n_lo + LOWER_SKIN * eye["width"]
        src = n_lo + (n - low_edge) * (bottom - n_lo) / np.maximum(bottom - low_edge, 1e-3)
        shift = (src - n) * ((n >= low_edge - 1.0) & (n <= bottom)) * eye["inside"]
        return cv2.remap(self.skin, eye["xs"] + shift * eye["normal"][0], eye["ys"] + shift * eye["normal"][1],
                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)

    def close(self, texture: np.ndarray, source: np.ndarray, amounts: tuple[float, float]) -> None:
        """Paint lids closed by ``amounts`` (right, left; 0 open .. 1 shut) into ``texture``, in
        place: each eye's box is made anew from ``source`` (the photo's crop, of which ``texture``
        is a copy), so one buffer serves every frame and nothing else needs copying."""
        for eye, b in zip(self.eyes, amounts):
            b = float(np.clip(b, 0.0, 1.0))
            x0, y0, x1, y1 = eye["box"]
            if b <= 0.01:
                texture[y0:y1, x0:x1] = source[y0:y1, x0:x1]
                continue
            n, n_up, n_lo = eye["n"], eye["n_up"], eye["n_lo"]
            lash, reach = eye["lash"], eye["reach"]
            # the new lid edges: the upper comes down to the line where the lids meet (and at b = 1 a
            # little past it, so the eye is shut), the lower rises to it
            meet = n_up + MEET * (n_lo - n_up)
            edge = n_up + b * (meet - n_up) + b ** 4 * eye["overlap"]
            low_edge = n_lo - b * (n_lo - meet)
            top = n_up - reach
            # source row for each target row: lash band kept, the skin above stretched
            src = np.where(n > edge - lash, n - (edge - n_up),
                           top + (n - top) * (n_up - lash - top) / np.maximum(edge - lash - top, 1e-3))
            lid = ((n >= top) & (n <= edge)) * eye["inside"]
            shift = (src - n) * lid
            mx = eye["xs"] + shift * eye["normal"][0]
            my = eye["ys"] + shift * eye["normal"][1]
            patch = cv2.remap(self.skin, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            # stretched skin shows the lid's fine lines as streaks across it: soften them along the lid
            # (the lid skin's changes below fade out over the upper half of the lash band: ending
            # at its top, they left a hard edge over a thick band of a blurred photo's lashes)
            skin = (lid * np.clip((edge - 0.5 * lash - n) / (0.5 * lash), 0, 1))[..., None]
            sigma = max(eye["blur"], STREAK_BLUR * b * eye["stretch"])
            along = cv2.GaussianBlur(patch, (0, 0), sigmaX=sigma, sigmaY=0.3).astype(np.float32)
            # (the grain is luma: it brightens and darkens the skin's own colour, which stays its hue)
            lit = np.maximum(luma_of(along, np.float32), 1.0)[..., None]
            along *= 1 + (float(np.clip(sigma - eye["blur"], 0.0, 1.0)) * eye["grain"])[..., None] / lit
            # a shut lid is the skin over the eyeball: lit on the bulge, shaded toward the lash line
            t = np.clip((n - top) / np.maximum(edge - lash - top, 1e-3), 0, 1)     # 0 lid top .. 1 lash line
            bulge = np.sin(np.pi * np.clip(eye["s"], 0, 1))
            shade = 1 + b * BULGE * (bulge * np.sin(np.pi * t) - 0.8 * t ** 3)
            along *= shade[..., None]
            # shut, the lid faces forward like the skin around the eye, not up like its fold: its
            # colour goes part of the way to that skin's, the more toward the lash line
            toward = smoothstep(0.0, 0.5, t) * np.sqrt(np.clip(np.sin(np.pi * eye["s"]), 0, 1))
            # (less on what is darker than the lid skin: added whole to a dark fold or a lash, the
            # shift turned it a grey-green of neither)
            darker = np.clip(luma_of(along, np.float32) / eye["lid_luma"], 0, 1)
            along += (b * LID_TONE * toward * darker)[..., None] * eye["tone"]
            patch = (patch * (1 - skin) + along * skin).astype(np.float32)
            # the lash band's top is uneven from column to column: lowered over a shut eye, the lid
            # skin it lets through would be pale specks along the lash line; they are taken down to
            # the band's level along the lid (and the lashes kept as dark as they are)
            band = (lid * (n >= edge - lash))[..., None] * b
            # (the darker of the two colours, whole: a channel by channel minimum mixes them into a hue of neither)
            blurred = cv2.GaussianBlur(patch, (0, 0), sigmaX=LASH_BLUR, sigmaY=0.3)
            level = np.where((luma_of(blurred, np.float32) < luma_of(patch, np.float32))[..., None], blurred, patch)
            patch = patch * (1 - band) + level * band
            # the mesh's lid line often runs a little into the iris: the strip of iris (and its
            # catchlight) that the lash band takes down with it would be a grey-green blot over a
            # shut eye, so it is drawn in the lashes' colour
            iris = cv2.remap(eye["iris"], mx - x0, my - y0, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)[..., None]
            ink = band * iris
            patch = patch * (1 - ink) + eye["line_colour"] * ink
            # a shut lid shows its lash line all across: where the photo's is faint, it is drawn in
            if b > 0.5:
                d = edge - n                                   # height above the new edge
                w = eye["line_width"]
                line = np.clip(1 - np.abs(d - 0.5 * w) / w, 0, 1) * np.clip(6 * eye["s"] * (1 - eye["s"]), 0, 1)
                ink = (LINE_INK * float(smoothstep(0.0, 1.0, 2 * b - 1)) * eye["faint"] * line)[..., None]
                patch = patch * (1 - ink) + eye["line_colour"] * ink
            # a soft (about one pixel) edge where the lid meets the eye, and at the eye's corners
            region = source[y0:y1, x0:x1].astype(np.float32)
            out = _over(region, self._lower_lid(eye, low_edge), np.clip(n - low_edge + 0.7, 0, 1) * eye["inside"])
            out = _over(out, patch, np.clip(edge + 0.7 - n, 0, 1) * eye["inside"])
            if b > 0.5:
                # the lashes of a shut lid hang below its edge: a dark fringe that thins out
                below = (n - edge) / max(FRINGE * eye["width"], 1.0)
                hang = np.clip(1 - below, 0, 1) * (below > -0.3) * np.clip(6 * eye["s"] * (1 - eye["s"]), 0, 1)
                ink = (FRINGE_INK * float(smoothstep(0.0, 1.0, 2 * b - 1)) * hang * eye["inside"])[..., None]
                out = out * (1 - ink) + eye["line_colour"] * ink
            texture[y0:y1, x0:x1] = np.clip(out + 0.5, 0, 255).astype(np.uint8)
