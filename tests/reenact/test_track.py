"""``thg track``: the motion of a face in a real video, as a motion file."""

from __future__ import annotations

import time

import numpy as np
import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.errors import NoFaceError
from thg.io import VideoWriter, read_video_frames
from thg.motion import MotionTrack
from thg.reenact import StreamTracker, track_video

from _driver_constants import DRIVER_FPS
from measure_video import corr


@pytest.fixture(scope="module")
def tracked(tmp_path_factory, driver):
    out = tmp_path_factory.mktemp("track") / "track.json"
    r = CliRunner().invoke(main, ["track", str(driver.video), "--output", str(out)])
    assert r.exit_code == 0, r.output
    return MotionTrack.load(out), r.output


def _write(path, frames, fps):
    h, w = frames[0].shape[:2]
    with VideoWriter(path, w, h, fps=fps) as wr:
        for f in frames:
            wr.write(f)


def test_track_file_follows_the_performance(tracked, driver):
    track, output = tracked
    truth = driver.truth
    n = min(len(track), len(truth))
    assert abs(len(track) - len(truth)) <= 2 and track.fps == DRIVER_FPS
    assert "wrote" in output and "warning" not in output
    c = {ch: corr(track[ch][:n], truth[ch][:n]) for ch in ("yaw", "mouth_open", "blink_l", "blink_r")}
    print("track vs the motion the driver was rendered with:", {k: round(v, 3) for k, v in c.items()})
    # the mesh reads the rendered driver's mouth at r 0.49-0.6 (its lips meet as lips now, which it
    # reads less sharply than the old flat interior)
    assert c["yaw"] > 0.95 and c["mouth_open"] > 0.45 and min(c["blink_l"], c["blink_r"]) > 0.6
    yaw_err = np.abs(track["yaw"][:n] - truth["yaw"][:n]).mean()
    print(f"yaw mean abs error {yaw_err:.2f} deg")
    assert yaw_err < 3.0
    # channels the driver did not use stay near zero (no jitter, no drift)
    assert np.abs(track["roll"]).max() < 3.0 and np.abs(track["pitch"]).max() < 6.0
    assert np.abs(np.diff(track["yaw"])).max() < 3.0


def test_bigger_off_centre_other_fps_measures_the_same(tmp_path, tracked, driver):
    """The same performance, 1.6x larger, off-centre in a bigger frame, resampled to 25 fps."""
    import cv2

    frames = list(read_video_frames(driver.video, fps=25))
    big = []
    for f in frames:
        h, w = f.shape[:2]
        z = cv2.resize(f, (int(w * 1.6), int(h * 1.6)))
        canvas = np.full((z.shape[0] + 120, z.shape[1] + 200, 3), 90, np.uint8)
        canvas[100:100 + z.shape[0], 180:180 + z.shape[1]] = z
        big.append(canvas[: canvas.shape[0] // 2 * 2, : canvas.shape[1] // 2 * 2])
    path = tmp_path / "big.mp4"
    _write(path, big, 25)
    result = track_video(path)
    other, start = result.track, result.track.meta["reference_frame"]
    # mediapipe's video mode misses this small face for its first few frames, by a count that moves
    # with the rendered pixels (4-6 frames measured over renderer versions and machines)
    assert start <= 8 and result.missing == list(range(start))
    base, _ = tracked
    t = np.arange(start, len(other)) / other.fps
    t = t[t < (len(base) - 1) / base.fps]
    for ch, tol in (("yaw", 1.5), ("mouth_open", 0.06)):
        ref = np.interp(t, np.arange(len(base)) / base.fps, base[ch])
        if ch == "yaw":  # both are relative to their own first frame with a face
            ref = ref - ref[0]
        mine = other[ch][start: start + len(t)]
        err = np.abs(mine - ref).mean()
        if ch == "yaw":  # within 13 % of the turn's range (or 1.5 degrees); measured 12 % on this driver
            tol = max(tol, 0.13 * np.ptp(ref))
        assert err < tol, (ch, err)
        # mouth measured at 0.49-0.87 over watermark ids 1-4 and renderer versions (0.77 with the
        # fixture's fixed id 1): a few pixels changed in the small driver move mediapipe's reading
        assert corr(mine, ref) > (0.85 if ch == "yaw" else 0.75), ch


def test_frames_without_face_are_interpolated_and_reported(tmp_path, driver):
    frames = [f.copy() for f in read_video_frames(driver.video)]
    for i in range(20, 26):
        frames[i][:] = 128
    path = tmp_path / "gap.mp4"
    _write(path, frames, DRIVER_FPS)
    out = tmp_path / "gap.json"
    r = CliRunner().invoke(main, ["track", str(path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "no face in 6 of" in r.output and "20, 21, 22, 23, 24, 25" in r.output
    track = MotionTrack.load(out)
    assert track.meta["frames_without_face"] == 6
    yaw = track["yaw"]
    lo, hi = sorted((yaw[19], yaw[26]))
    assert np.all((yaw[20:26] >= lo - 1) & (yaw[20:26] <= hi + 1))


def test_no_face_anywhere_is_one_line_error(tmp_path):
    path = tmp_path / "wall.mp4"
    _write(path, [np.full((128, 128, 3), 200, np.uint8)] * 5, 25)
    with pytest.raises(NoFaceError, match="no face found in any of its 5 frames"):
        track_video(path)
    r = CliRunner().invoke(main, ["track", str(path), "-o", str(tmp_path / "t.json")])
    assert r.exit_code == 1 and r.output.count("\n") == 1 and r.output.startswith("Error: ")


def test_stream_tracker_matches_offline_with_low_latency(tracked, driver):
    base, _ = tracked
    rows, times = [], []
    with StreamTracker(fps=DRIVER_FPS) as tracker:
        for frame in read_video_frames(driver.video):
            t0 = time.perf_counter()
            rows.append(tracker.update(frame))
            times.append(time.perf_counter() - t0)
    rows = np.array(rows)
    n = min(len(rows), len(base))
    yaw = rows[:n, 0]
    assert corr(yaw, base["yaw"][:n]) > 0.97
    assert corr(rows[:n, 5], base["mouth_open"][:n]) > 0.95
    latency = float(np.median(times[1:])) * 1000
    print(f"stream tracking latency: median {latency:.1f} ms/frame")
    assert latency < 40
