"""The per-video runner on real clips: alignment, missing inputs, explicit vs suite metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _clips import face_crop, write_video

from thg.errors import InputError, UsageError
from thg.eval.video import evaluate_video


def test_identical_video_scores_best_and_noisy_worse(ref_video, noisy_video):
    same = evaluate_video(ref_video, ref=ref_video, metrics=["psnr", "ssim", "l1"])
    noisy = evaluate_video(noisy_video, ref=ref_video, metrics=["psnr", "ssim", "l1"])
    assert same["ssim"].value == pytest.approx(1.0)
    assert same["l1"].value == 0.0
    assert noisy["psnr"].value < same["psnr"].value
    assert 0.3 < noisy["ssim"].value < 0.99
    assert noisy["l1"].value > 0.01
    assert len(noisy["psnr"].per_frame) == 12
    assert noisy["ssim"].convention["alignment"]["frames_used"] == 12
    assert noisy["ssim"].convention["channels"] == "rgb"


def test_reference_at_other_fps_and_size_is_aligned(tmp_path, portrait, clip_frames):
    # the same content at 50 fps (each frame twice) and 320 px: aligned back, it matches closely
    import cv2

    big = [cv2.resize(f, (320, 320), interpolation=cv2.INTER_CUBIC) for f in clip_frames for _ in (0, 1)]
    ref = write_video(tmp_path / "ref50.mp4", big, fps=50)
    pred = write_video(tmp_path / "pred.mp4", clip_frames)
    r = evaluate_video(pred, ref=ref, metrics="ssim")["ssim"]
    al = r.convention["alignment"]
    assert al["ref_resampled_to_pred_fps"] and al["ref_resized_to_pred_size"]
    assert al["frames_used"] == 12
    assert r.value > 0.9


def test_shorter_reference_is_cut_and_noted(tmp_path, clip_frames, ref_video):
    short = write_video(tmp_path / "short.mp4", clip_frames[:8])
    r = evaluate_video(ref_video, ref=short, metrics=["psnr"])["psnr"]
    assert len(r.per_frame) == 8
    assert any("12 frames" in n for n in r.notes)


def test_missing_reference_gives_nan_in_suite_but_error_when_named(ref_video):
    res = evaluate_video(ref_video, metrics="suite")
    assert math.isnan(res["ssim"].value) and "reference" in res["ssim"].notes[0]
    with pytest.raises(UsageError, match="ssim.*reference"):
        evaluate_video(ref_video, metrics=["ssim"])


def test_misspelt_metric_and_corrupt_video_fail_in_one_line(tmp_path, ref_video):
    with pytest.raises(InputError, match="did you mean ssim"):
        evaluate_video(ref_video, ref=ref_video, metrics=["sssim"])
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    with pytest.raises(InputError, match="bad.mp4"):
        evaluate_video(bad, ref=ref_video, metrics=["psnr"])


def test_params_reach_the_metric(ref_video, noisy_video):
    r = evaluate_video(noisy_video, ref=ref_video, metrics=["ssim"], params={"ssim": {"channels": "y"}}, chunk=5)
    assert r["ssim"].convention["channels"] == "y"
    assert r["ssim"].convention["params"] == {"data_range": 255.0, "channels": "y"}   # what was applied, no more
    with pytest.raises(UsageError, match="ssim has no parameter 'win_size'"):
        evaluate_video(noisy_video, ref=ref_video, metrics=["ssim"], params={"ssim": {"win_size": 7}})
    assert np.isfinite(r["ssim"].value)


def test_suite_runs_every_family_and_face_metrics_share_the_mesh(tmp_path, portrait, speech_path, ref_video):
    from _clips import open_mouth

    from thg.eval.registry import suite_names

    frames = [open_mouth(face_crop(portrait, dx=3.0), 6 * (i % 3)) for i in range(12)]
    pred = write_video(tmp_path / "talk.mp4", frames, audio_path=speech_path)
    res = evaluate_video(pred, ref=ref_video, metrics="suite")
    assert list(res) == suite_names()
    for name in ("psnr", "lmd-mouth", "aed", "prmse", "akd", "head-motion", "smoothness-landmark", "mouth-sync"):
        assert np.isfinite(res[name].value), (name, res[name].notes)
        assert res[name].coverage == 1.0
    assert res["mouth-sync"].convention["alignment"]["audio"].startswith("pred video's audio")
    assert res["lmd-mouth"].value > res["lmd-face"].value - 1.0
    assert res["lmd-face"].value == pytest.approx(3.0, abs=1.5)
    # metrics whose inputs are absent (weights files) are NaN with a note, not a crash
    for r in res.values():
        assert np.isfinite(r.value) or r.notes


def test_named_sync_metric_without_audio_is_an_error(ref_video):
    with pytest.raises(UsageError, match="mouth-sync.*audio"):
        evaluate_video(ref_video, metrics=["mouth-sync"])


def test_video_without_a_face_reports_zero_coverage(tmp_path, ref_video):
    gray = write_video(tmp_path / "gray.mp4", [np.full((256, 256, 3), 90 + i, np.uint8) for i in range(6)])
    res = evaluate_video(gray, ref=ref_video, metrics=["lmd-face", "head-motion", "akd", "psnr"])
    for name in ("lmd-face", "head-motion", "akd"):
        assert math.isnan(res[name].value) and res[name].coverage == 0.0
        assert any("no frame with a face" in n for n in res[name].notes)
    assert res["akd"].extra["mkr"] == 1.0            # every reference face was missed
    assert np.isfinite(res["psnr"].value)


def test_set_level_metrics_hand_their_state_to_the_runner(ref_video, monkeypatch):
    from thg.eval import registry
    from thg.eval.metrics import METRICS
    from thg.eval.metrics.visual import L1

    class PooledL1(L1):  # a set-level metric: its state travels in extra["state"]
        info = L1.info.__class__(**{**L1.info.__dict__, "name": "pooled-l1", "scope": "set"})

    monkeypatch.setitem(METRICS, "pooled-l1", "test_video:PooledL1")
    monkeypatch.setattr(registry, "_resolve", lambda name: PooledL1 if name == "pooled-l1" else L1)
    res = evaluate_video(ref_video, ref=ref_video, metrics=["pooled-l1"])
    assert res["pooled-l1"].extra["state"]["values"].shape == (12,)
