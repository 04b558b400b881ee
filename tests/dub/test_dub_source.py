"""Reading the clip in any order, scene cuts, the face to follow."""

from __future__ import annotations

import numpy as np
import pytest

from thg.dub.fit import Run
from thg.dub.source import count_frames, frames_in_order, head_angles, is_cut, thumbnail
from thg.io.video import probe_video


def test_backward_and_held_frames_are_the_forward_ones(carphone, carphone_frames):
    info = probe_video(carphone)
    n = count_frames(carphone)
    assert n == len(carphone_frames) == 120
    runs = [Run(60, 40, -1), Run(5, 3, 0), Run(110, 10, 1)]
    got = list(frames_in_order(carphone, info, runs))
    assert [i for i, _ in got] == list(range(60, 20, -1)) + [5, 5, 5] + list(range(110, 120))
    forward = [frame for _, frame in frames_in_order(carphone, info, [Run(0, n, 1)])]
    for i, frame in got:
        assert np.array_equal(frame, forward[i]), i
    # the dub makes RGB of the decoded 4:2:0 planes itself (thg.io.video.i420_to_rgb): within a few
    # codes of ffmpeg's own conversion, which interpolates chroma
    assert all(np.abs(a.astype(int) - b).max() <= 4 for a, b in zip(forward, carphone_frames))


def test_no_cuts_in_a_continuous_shot_and_one_at_a_cut(carphone_frames):
    from skimage import data

    thumbs = [thumbnail(f) for f in carphone_frames]
    assert not any(is_cut(a, b) for a, b in zip(thumbs, thumbs[1:]))
    other = thumbnail(np.ascontiguousarray(data.coffee()[:288, :352]))
    assert is_cut(thumbs[-1], other)


def test_head_angles_of_a_frontal_and_a_turned_face(portrait):
    from thg.features.face import find_face

    yaw, pitch = head_angles(find_face(portrait).points)
    assert abs(yaw) < 15 and abs(pitch) < 20
    turned = find_face(portrait).points.copy()
    c = turned.mean(0)
    a = np.radians(50)
    rot = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
    yaw2, _ = head_angles((turned - c) @ rot.T + c)
    assert abs(yaw2 - yaw) == pytest.approx(50, abs=8)


def test_count_frames_of_a_corrupt_file(tmp_path):
    from thg.errors import InputError

    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(InputError, match="bad.mp4"):
        count_frames(bad)
