"""A cut video is decoded loudly: ffmpeg's errors and the frame count against the container's claim."""

from __future__ import annotations

import numpy as np
import pytest

from thg.errors import InputError
from thg.eval.decode import decode
from thg.eval.video import evaluate_video
from thg.io import VideoWriter


@pytest.fixture(scope="module")
def videos(tmp_path_factory, portrait):
    """A 100-frame clip of the astronaut, and the same file cut in half (its header still says 4 s)."""
    import cv2

    root = tmp_path_factory.mktemp("decode")
    face = cv2.resize(portrait[:300, 100:400], (96, 96), interpolation=cv2.INTER_AREA)
    full = root / "full.mp4"
    with VideoWriter(full, 96, 96, fps=25) as w:
        for i in range(100):
            w.write(np.roll(face, i % 7, axis=1))
    half = root / "half.mp4"
    half.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    return full, half


def test_a_whole_video_decodes_without_notes(videos):
    d = decode(videos[0])
    assert sum(1 for _ in d) == 100
    assert d.check("pred") == [] and d.summary() == {"decoded": 100, "declared": 100, "ffmpeg_errors": 0}


def test_a_truncated_video_is_an_error_naming_the_counts(videos):
    d = decode(videos[1])
    n = sum(1 for _ in d)
    assert 0 < n < 100 and d.expected == 100 and d.errors
    with pytest.raises(InputError, match=rf"half.mp4: damaged or truncated video \(pred\): decoded {n} of the 100"):
        d.check("pred")


def test_a_truncated_prediction_or_reference_is_never_scored(videos):
    full, half = videos
    with pytest.raises(InputError, match="half.mp4: damaged or truncated video .pred."):
        evaluate_video(half, ref=full, metrics=["psnr"])
    with pytest.raises(InputError, match="half.mp4: damaged or truncated video .ref."):
        evaluate_video(full, ref=half, metrics=["psnr"])
    r = evaluate_video(full, ref=full, metrics=["psnr"])["psnr"]
    assert r.convention["alignment"]["decoding"]["pred"]["decoded"] == 100 and not r.notes


def test_a_longer_audio_track_gives_a_note_not_an_error(videos, speech_path, tmp_path):
    import subprocess

    from thg.io.video import ffmpeg_exe

    one_second = tmp_path / "one_second.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(videos[0]), "-i", str(speech_path), "-t", "3",
                    "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-vf", "trim=end_frame=25", "-c:a", "aac",
                    str(one_second)], check=True)
    r = evaluate_video(one_second, ref=one_second, metrics=["psnr"])["psnr"]
    decoded = r.convention["alignment"]["decoding"]["pred"]
    assert decoded["decoded"] == 25 and decoded["declared"] > 50 and decoded["ffmpeg_errors"] == 0
    assert any("decoded 25 of the" in n and "scored on the 25" in n for n in r.notes)
