"""thg.io.video: the streaming encoder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _encoders() -> list[int]:
    """Live ffmpeg processes started by this one."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(") ", 1)
        except (OSError, ValueError, IndexError):
            continue
        fields = rest.split()
        if int(fields[1]) == os.getpid() and "ffmpeg" in name and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_a_stop_while_the_encoder_starts_leaves_no_encoder(tmp_path, monkeypatch):
    """A stop signal (raised as an exception) landing between the encoder's start and the caller's
    ``with`` must end the encoder: left running, it writes the file at the end of its input, after
    the caller has removed it (a part file left behind by a stopped run)."""
    from thg.io import video

    def stopped(*_):
        raise KeyboardInterrupt

    before = _encoders()
    monkeypatch.setattr(video, "_widen_pipe", stopped)
    with pytest.raises(KeyboardInterrupt):
        video.VideoWriter(tmp_path / "o.mp4", 64, 64)
    assert [pid for pid in _encoders() if pid not in before] == []
