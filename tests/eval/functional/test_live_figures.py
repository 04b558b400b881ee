"""Live figures from a receiver's timestamp log: a stream whose picture falls 2 % behind its sound."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.errors import InputError
from thg.eval.functional.live import live_figures, read_stream_log


def _write_log(path, *, frames=125, slow=1.02, drop=(50, 51, 52), request=True):
    """Audio: 20 ms packets at 48 kHz arriving in real time from 0.40 s; video: 25 fps at 90 kHz from
    0.43 s, each frame arriving 2 % later than real time, frames ``drop`` never arriving."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["stream", "pts", "time_base", "wall"])
        if request:
            w.writerow(["request", "", "", "0.0"])
        for k in range(frames * 2):                 # 20 ms packets over the same 5 s
            w.writerow(["audio", k * 960, "1/48000", f"{0.40 + k * 0.02:.6f}"])
        for k in range(frames):
            if k not in drop:
                w.writerow(["video", k * 3600, "1/90000", f"{0.43 + slow * k / 25:.6f}"])
    return path


def test_figures_of_a_stream_that_falls_behind(tmp_path):
    fig = live_figures(read_stream_log(_write_log(tmp_path / "log.csv")))
    assert fig["time_to_first_frame"] == pytest.approx(0.43)
    assert fig["fps"] == pytest.approx(25.0) and fig["frames"] == 122 and fig["dropped_frames"] == 3
    assert fig["real_time_factor"] == pytest.approx((124 / 25 + 0.04) / (1.02 * 124 / 25 + 0.04))
    # frame k arrives at 0.43 + 1.02 k/25 when the sound up to 0.03 + 1.02 k/25 s has arrived
    drift = fig["av_drift_ms"]
    assert drift["median"] == pytest.approx(-1000 * (0.03 + 0.02 * 62 / 25), abs=0.5)
    # the largest at the last frame that arrives while sound still does (k = 121; the audio ends at 5.38 s)
    assert drift["max_abs"] == pytest.approx(1000 * (0.03 + 0.02 * 121 / 25), abs=1e-6)
    assert fig["notes"] == []


def test_a_log_without_request_says_so_and_bad_rows_name_the_line(tmp_path):
    fig = live_figures(read_stream_log(_write_log(tmp_path / "log.csv", request=False, slow=1.0, drop=())))
    assert fig["time_to_first_frame"] == pytest.approx(0.03) and "no request row" in fig["notes"][0]
    assert fig["real_time_factor"] == pytest.approx(1.0) and abs(fig["av_drift_ms"]["final"]) < 31
    bad = tmp_path / "bad.csv"
    bad.write_text("stream,pts,time_base,wall\nvideo,abc,1/90000,0.5\n")
    with pytest.raises(InputError, match=r"bad.csv, line 2: .*e.g. video,3600,1/90000,0.57"):
        read_stream_log(bad)


def test_thg_eval_live(tmp_path):
    log = _write_log(tmp_path / "log.csv")
    res = CliRunner().invoke(main, ["eval", "live", str(log), "-o", str(tmp_path / "live.json")])
    assert res.exit_code == 0, res.output
    assert "time to first frame: 430 ms" in res.output and "dropped frames: 3" in res.output
    assert json.loads((tmp_path / "live.json").read_text())["dropped_frames"] == 3
    again = CliRunner().invoke(main, ["eval", "live", str(log), "-o", str(tmp_path / "live.json")])
    assert again.exit_code == 1 and "--overwrite" in again.stderr
