"""The renderer on the real portrait: the fast warp agrees with exact rasterisation, the photo is
untouched outside the animated square, and every channel visibly moves what it names."""

from __future__ import annotations

import numpy as np
import pytest

from thg.features import find_face
from thg.motion.track import CHANNEL_NAMES
from thg.render import MeshWarpRenderer
from thg.render.warp import MeshWarper


def _row(**channels):
    row = np.zeros(len(CHANNEL_NAMES), np.float32)
    for name, value in channels.items():
        row[CHANNEL_NAMES.index(name)] = value
    return row


@pytest.fixture(scope="module")
def rendered(portrait):
    face = find_face(portrait)
    renderer = MeshWarpRenderer()
    renderer.prepare(portrait, face)
    return renderer, face


def test_fixed_point_warp_matches_exact_rasterisation(rendered, portrait):
    from skimage.metrics import peak_signal_noise_ratio

    fast, face = rendered
    exact = MeshWarpRenderer()
    exact.prepare(portrait, face)
    exact.warper = MeshWarper(exact.rig.size, exact.rig.triangles, fast.warper.step, detail=exact.rig.detail_regions())
    x0, y0, x1, y1 = fast.rig.crop
    rng = np.random.default_rng(1)
    for _ in range(8):
        row = _row(yaw=rng.uniform(-12, 12), pitch=rng.uniform(-8, 8), roll=rng.uniform(-6, 6),
                   mouth_open=rng.uniform(0, 0.5), blink_l=rng.uniform(0, 1), smile=rng.uniform(-0.5, 0.8))
        a, b = fast.render(row)[y0:y1, x0:x1], exact.render(row)[y0:y1, x0:x1]
        assert peak_signal_noise_ratio(a, b) > 33


def test_neutral_frame_keeps_the_photo_outside_the_mouth(rendered, portrait):
    renderer, face = rendered
    frame = renderer.render(_row(mouth_open=float(face.mouth_opening())))
    x0, y0, x1, y1 = renderer.rig.crop
    outside = np.ones(portrait.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(frame[outside], portrait[outside])  # not one pixel outside the square
    eyes_band = slice(int(face.points[10, 1]), int(face.points[1, 1]))  # forehead to nose tip
    diff = np.abs(frame[eyes_band].astype(int) - portrait[eyes_band]).mean()
    assert diff < 2.0


@pytest.mark.parametrize("channels, check", [
    (dict(mouth_open=0.4), lambda f, n: f.mouth_opening() > n.mouth_opening() + 0.15),
    (dict(blink_l=1.0, blink_r=1.0), lambda f, n: max(f.eye_openness()) < 0.75 * min(n.eye_openness())),
    (dict(yaw=10), lambda f, n: f.points[1, 0] > n.points[1, 0] + 2),     # nose goes to the image right
    (dict(pitch=8), lambda f, n: f.points[1, 1] > n.points[1, 1] + 1.5),  # nose goes down
    (dict(brow_l=1, brow_r=1), lambda f, n: f.points[105, 1] < n.points[105, 1] - 1.5),
    (dict(smile=1), lambda f, n: f.points[61, 1] < n.points[61, 1] - 1),
])
def test_each_channel_moves_what_it_names(rendered, channels, check):
    renderer, _ = rendered
    neutral = find_face(renderer.render(_row()))
    moved = find_face(renderer.render(_row(**channels)))
    assert check(moved, neutral), channels


@pytest.mark.parametrize("shape", [dict(mouth_open=0.14, mouth_wide=-0.28, mouth_round=0.95),  # /u/
                                   dict(mouth_open=0.32, mouth_wide=-0.18, mouth_round=0.7)])  # /o/
def test_rounded_lips_open_widest_in_the_middle(hopper, shape):
    """On a closed-mouth photo the inner lip edges start on one line; rounding must still open the
    mouth as an oval (widest in the middle), never pinch its middle shut."""
    from thg.features import landmarks as L

    renderer = MeshWarpRenderer()
    renderer.prepare(hopper, find_face(hopper))
    target = renderer.deformer.targets(_row(**shape))
    gap = target[list(L.LIPS_INNER_LOWER), 1] - target[list(L.LIPS_INNER_UPPER), 1]
    middle = gap[4:7].min()
    assert middle >= 0.9 * gap.max() and middle > 0.1 * renderer.deformer.mw
