"""One frame re-rendered from itself: only below the nose tip changes, and the mouth takes the
opening asked for, whatever the frame showed."""

from __future__ import annotations

import numpy as np
import pytest

from thg.motion.track import CHANNEL_NAMES


def _row(opening: float) -> np.ndarray:
    row = np.zeros(len(CHANNEL_NAMES), np.float32)
    row[CHANNEL_NAMES.index("mouth_open")] = opening
    return row


@pytest.fixture(scope="module")
def frame_and_face(carphone_frames):
    from thg.features.face import FaceMesher

    frame = carphone_frames[57]   # the man's mouth wide open (an /o/)
    with FaceMesher(static=True, max_faces=1) as mesher:
        return frame, mesher.detect(frame)[0]


@pytest.mark.parametrize("opening", [0.0, 0.4])
def test_only_below_the_nose_tip_changes(frame_and_face, opening):
    from thg.dub.render import LowerFaceRenderer

    frame, face = frame_and_face
    renderer = LowerFaceRenderer()
    out = renderer.render(frame, face, _row(opening))
    changed = np.any(out != frame, axis=2)
    rows = np.flatnonzero(changed.any(1))
    assert len(rows) and rows.min() > face.xy[1, 1]       # the nose tip's row
    x0, y0, x1, y1 = renderer.last_box
    outside = changed.copy()
    outside[y0:y1, x0:x1] = False
    assert not outside.any()
    assert rows.max() < face.xy[152, 1] + 0.4 * face.size   # the chin and a little under it


def test_an_open_frame_closes_and_a_closed_mouth_opens(frame_and_face):
    from thg.dub.render import LowerFaceRenderer
    from thg.features.face import FaceMesher

    frame, face = frame_and_face
    assert face.mouth_opening() > 0.2
    renderer = LowerFaceRenderer()
    shut = renderer.render(frame, face, _row(0.0))
    with FaceMesher(static=True, max_faces=1) as mesher:
        closed = mesher.detect(shut)[0]
        assert closed.mouth_opening() < 0.1   # (the mesh reads lips pressed from wide open as 0.05-0.09)
        reopened = mesher.detect(renderer.render(shut, closed, _row(0.35)))[0]
    assert reopened.mouth_opening() == pytest.approx(0.35, abs=0.1)


def test_the_drawn_mouth_does_not_flicker_from_frame_to_frame(carphone_frames):
    """What the drawn interior takes from each frame (the teeth's colour, the lips' edge blur) is
    measured on it and smoothed over the shot: measured alone, on this clip the blur changed by
    15 % or more from one frame to the next in a tenth of the frames; a new shot starts afresh."""
    from thg.dub.render import LowerFaceRenderer
    from thg.dub.source import FaceFollower

    frames = carphone_frames[30:90]
    follower = FaceFollower()
    try:
        faces = [follower(f) for f in frames]
    finally:
        follower.close()
    steady, alone = LowerFaceRenderer(), LowerFaceRenderer()
    drawn, measured = [], []
    for k, (frame, face) in enumerate(zip(frames, faces)):
        steady.render(frame, face, _row(0.35), new_shot=k == 0)
        alone.render(frame, face, _row(0.35), new_shot=True)
        drawn.append((steady.steady.look.edge_sigma, steady.steady.look.teeth_colour.mean()))
        measured.append((alone.steady.look.edge_sigma, alone.steady.look.teeth_colour.mean()))
    drawn_a, measured_a = np.array(drawn), np.array(measured)

    def jumps(v):   # 90th percentile of the frame-to-frame change, relative
        return np.percentile(np.abs(np.diff(v, axis=0)) / v.mean(0), 90, axis=0)

    assert np.all(jumps(drawn_a) < 0.5 * jumps(measured_a)), (jumps(drawn_a), jumps(measured_a))
    assert jumps(drawn_a)[0] < 0.05
    # it follows the clip's own slow changes: never far from what the frames measure
    assert np.abs(drawn_a - measured_a).max(0)[1] < 0.1 * measured_a[:, 1].mean()
    steady.render(frames[0], faces[0], _row(0.35), new_shot=True)
    assert steady.steady.look.edge_sigma == pytest.approx(measured[0][0])
