"""`thg eval` end to end on real clips: the astronaut with known distortions, with espeak-ng speech muxed in."""

from __future__ import annotations

import csv
import hashlib
import json
import os

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from thg.cli import main
from thg.io import VideoWriter, read_video_frames

SIZE = 192   # MS-SSIM's five scales need frames of at least 176 px
FRAMES = 6


def clip(shift: int) -> list[np.ndarray]:
    from skimage import data

    img = data.astronaut()[20:276, 100:356]  # head and shoulders
    base = cv2.resize(np.roll(img, shift, axis=1), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return [np.roll(base, i % 3, axis=0) for i in range(FRAMES)]


def distort(frames, kind: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind == "clean":
        return frames
    if kind.startswith("noise"):
        sigma = float(kind[5:])
        return [np.clip(f + rng.normal(0, sigma, f.shape), 0, 255).astype(np.uint8) for f in frames]
    if kind == "blur":
        return [cv2.GaussianBlur(f, (0, 0), 2.0) for f in frames]
    raise ValueError(kind)


def write(path, frames, audio=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with VideoWriter(path, SIZE, SIZE, fps=25, audio_path=audio, crf=10) as w:
        for f in frames:
            w.write(f)
    return path


@pytest.fixture(scope="module")
def study(tmp_path_factory, speech_path):
    """ref/ holds 6 clean clips; good/ adds light noise, bad/ heavy noise; single/ holds 4 kinds of distortion."""
    root = tmp_path_factory.mktemp("study")
    for i in range(6):
        frames = clip(shift=7 * i)
        write(root / "ref" / f"clip{i}.mp4", frames)
        write(root / "good" / f"clip{i}.mp4", distort(frames, "noise4", seed=i), audio=speech_path)
        write(root / "bad" / f"clip{i}.mp4", distort(frames, "noise25", seed=i), audio=speech_path)
    frames = clip(shift=0)
    for kind in ("clean", "noise8", "noise20", "blur"):
        write(root / "single" / f"{kind}.mp4", distort(frames, kind), audio=speech_path)
    return root


def run(args):
    result = CliRunner().invoke(main, ["eval", *map(str, args)], catch_exceptions=False)
    return result


def skimage_psnr(pred, ref) -> float:
    from skimage.metrics import peak_signal_noise_ratio

    vals = [peak_signal_noise_ratio(r, p, data_range=255) for p, r in zip(read_video_frames(pred),
                                                                          read_video_frames(ref))]
    return float(np.mean(vals))


def test_eval_folder_end_to_end(study, tmp_path):
    refs = tmp_path / "ref"
    refs.mkdir()
    for kind in ("clean", "noise8", "noise20", "blur"):
        (refs / f"{kind}.mp4").write_bytes((study / "ref" / "clip0.mp4").read_bytes())
    meta = tmp_path / "meta.csv"
    meta.write_text("video,lighting\nclean,bright\nnoise8,bright\nnoise20,dim\nblur,dim\n")
    out = tmp_path / "out"
    res = run(["--pred", study / "single", "--ref", refs, "--metrics", "psnr,ssim,ms-ssim,l1", "--output", out,
               "--workers", "2", "--metadata", meta, "--method", "astro", "--bootstrap", "500"])
    assert res.exit_code == 0, res.output + res.stderr
    assert "report:" in res.output

    results = json.loads((out / "results.json").read_text())
    psnr = results["metrics"]["psnr"]["per_video"]
    ssim = results["metrics"]["ssim"]["per_video"]
    assert psnr["clean"] > psnr["noise8"] > psnr["noise20"]
    assert ssim["clean"] > ssim["noise8"] > ssim["noise20"] and ssim["clean"] > ssim["blur"]
    assert results["metrics"]["l1"]["per_video"]["noise20"] > results["metrics"]["l1"]["per_video"]["clean"]
    # the number is the mean over frames of PSNR as scikit-image computes it on the decoded frames
    assert psnr["noise20"] == pytest.approx(skimage_psnr(study / "single" / "noise20.mp4", refs / "noise20.mp4"),
                                            abs=1e-6)
    summary = results["metrics"]["psnr"]["summary"]
    assert summary["median"] == pytest.approx(float(np.median(list(psnr.values()))))
    assert summary["n"] == 4 and summary["mean_ci"][0] <= summary["mean"] <= summary["mean_ci"][1]
    assert results["metrics"]["psnr"]["breakdowns"]["lighting"]["dim"]["n"] == 2
    assert results["metrics"]["ssim"]["convention"]["sigma"] == 1.5
    repro = results["reproducibility"]
    assert repro["input_sha256"]["blur"]["pred"] == hashlib.sha256(
        (study / "single" / "blur.mp4").read_bytes()).hexdigest()
    assert repro["environment"]["packages"]["numpy"] == np.__version__
    assert repro["command"].startswith("thg eval --pred ") and "--workers 2" in repro["command"]
    assert repro["statistics"]["bootstrap_seed"] == 0 and repro["statistics"]["bootstrap_resamples"] == 500

    with open(out / "per_video.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["video"] for r in rows) == ["blur", "clean", "noise20", "noise8"]
    for r in rows:
        assert float(r["psnr"]) == pytest.approx(psnr[r["video"]])
        assert float(r["psnr:coverage"]) == 1.0 and r["status"] == "ok"

    for name in ("radar", "dist_psnr", "dist_ssim", "dist_ms-ssim", "dist_l1"):
        png = out / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
        assert pixels.shape[0] > 200 and pixels.std() > 5  # a drawn figure, not a blank canvas
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    for text in (html, md):
        assert "plots/radar.png" in text and "plots/dist_psnr.png" in text
        assert "Reproducibility" in text and repro["input_sha256"]["clean"]["ref"] in text
    assert "psnr by lighting" in md


def test_eval_resumes_and_only_evaluates_new_videos(study, tmp_path):
    pred, ref = tmp_path / "pred", tmp_path / "ref"
    for d in (pred, ref):
        d.mkdir()
    for i in range(2):
        (pred / f"clip{i}.mp4").write_bytes((study / "good" / f"clip{i}.mp4").read_bytes())
        (ref / f"clip{i}.mp4").write_bytes((study / "ref" / f"clip{i}.mp4").read_bytes())
    args = ["--pred", pred, "--ref", ref, "--metrics", "psnr", "--output", tmp_path / "out", "--bootstrap", "200"]
    first = run(args)
    assert first.exit_code == 0, first.stderr
    (pred / "clip2.mp4").write_bytes((study / "good" / "clip2.mp4").read_bytes())
    (ref / "clip2.mp4").write_bytes((study / "ref" / "clip2.mp4").read_bytes())
    second = run(args)
    assert second.exit_code == 0, second.stderr
    assert "resuming: 2 videos already done" in second.stderr
    assert second.stderr.count(": done in") == 1 and "clip2: done" in second.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert sorted(results["metrics"]["psnr"]["per_video"]) == ["clip0", "clip1", "clip2"]

    # re-aggregate without recomputing: per-condition breakdown and per-frame table
    meta = tmp_path / "meta.csv"
    meta.write_text("video,gender\nclip0,f\nclip1,m\nclip2,f\n")
    res = run(["report", tmp_path / "out", "--metadata", meta, "--per-frame-csv", "--bootstrap", "200"])
    assert res.exit_code == 0, res.output
    again = json.loads((tmp_path / "out" / "results.json").read_text())
    assert again["metrics"]["psnr"]["per_video"] == results["metrics"]["psnr"]["per_video"]
    assert again["metrics"]["psnr"]["breakdowns"]["gender"]["f"]["n"] == 2
    assert again["reproducibility"]["command"] == results["reproducibility"]["command"]
    with open(tmp_path / "out" / "per_frame.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["metric"] == "psnr"]
    assert len(rows) == 3 * FRAMES
    clip1 = [float(r["value"]) for r in rows if r["video"] == "clip1"]
    assert np.mean(clip1) == pytest.approx(results["metrics"]["psnr"]["per_video"]["clip1"])
    res = run(["report", tmp_path])
    assert res.exit_code == 1 and "not an evaluation folder" in res.output


def test_compare_two_methods_on_the_same_clips(study, tmp_path):
    for method in ("good", "bad"):
        res = run(["--pred", study / method, "--ref", study / "ref", "--metrics", "psnr,l1", "--method", method,
                   "--output", tmp_path / method, "--bootstrap", "200"])
        assert res.exit_code == 0, res.stderr
    res = run(["compare", tmp_path / "bad", tmp_path / "good", "--output", tmp_path / "cmp"])
    assert res.exit_code == 0, res.stderr
    comp = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    rows = {r["metric"]: r for r in comp["metrics"]}
    assert rows["psnr"]["n_pairs"] == 6
    assert rows["psnr"]["p_value"] == pytest.approx(2 / 64)  # exact: all 6 clips favour "good"
    assert rows["psnr"]["effect_size"] == -1.0 and rows["psnr"]["better"] == "b"
    assert rows["l1"]["effect_size"] == 1.0 and rows["l1"]["better"] == "b"
    assert "better: good" in res.output
    png = tmp_path / "cmp" / "plots" / "vs_good_psnr.png"
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "Paired comparison: A = bad, B = good" in (tmp_path / "cmp" / "report.md").read_text()


def test_clear_errors(study, tmp_path):
    res = CliRunner().invoke(main, ["eval", "--pred", str(study / "good"), "--ref",
                                                    str(study / "ref"), "--metrics", "pnsr", "--output",
                                                    str(tmp_path / "o")])
    assert res.exit_code == 1
    assert res.stderr.strip().startswith("Error: unknown metric 'pnsr'; did you mean psnr")
    assert len(res.stderr.strip().splitlines()) == 1
    res = CliRunner().invoke(main, ["eval", "--pred", str(study / "good"), "--ref",
                                                    str(study / "single"), "--metrics", "psnr", "--output",
                                                    str(tmp_path / "o")])
    assert res.exit_code == 1 and "names do not match" in res.stderr and "clip0" in res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("param,message", [
    ("ssim.win_size=7", "ssim has no parameter 'win_size'"),
    ("ssim.bogus=1", "ssim has no parameter 'bogus'"),
    ("ssim.chanels=y", "did you mean channels"),
    ("ssim.channels=abc", "expected one of rgb, y, gray"),
    ("fid.stride=abc", "metric 'fid' is not in this run"),
])
def test_bad_parameters_stop_before_anything_runs(study, tmp_path, param, message):
    res = CliRunner().invoke(main, ["eval", "--pred", str(study / "good"), "--ref", str(study / "ref"),
                                    "--metrics", "psnr,ssim", "--param", param, "--output", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output + res.stderr
    assert res.stderr.startswith("Error: ") and message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_a_bad_value_of_a_suite_metric_is_a_usage_error(study, tmp_path):
    res = CliRunner().invoke(main, ["eval", "--pred", str(study / "good"), "--metrics", "suite",
                                    "--param", "fid.stride=abc", "--output", str(tmp_path / "o")])
    assert res.exit_code == 2 and "fid.stride='abc': expected an integer" in res.stderr, res.stderr


def test_list_shows_the_registered_metrics():
    res = CliRunner().invoke(main, ["eval", "list"])
    assert res.exit_code == 0
    lines = {line.split()[0].lstrip("*"): line for line in res.output.splitlines() if line.strip()}
    assert "psnr" in lines and "higher" in lines["psnr"] and "needs:ref" in lines["psnr"]
    assert "lower" in lines["l1"]
    rows = [line for line in res.output.splitlines() if "needs:" in line]
    assert len(rows) == len(lines) - 1                                  # every metric, plus the footer
    direction = {min(i for i in (line.find(" higher "), line.find(" lower ")) if i >= 0) for line in rows}
    scope = {line.index(" video ") if " video " in line else line.index(" set ") for line in rows}
    assert len({line.index("needs:") for line in rows}) == len(direction) == len(scope) == 1   # columns line up


def test_eval_on_the_output_of_thg_generate(tmp_path, portrait_path, speech_path):

    res = CliRunner().invoke(main, ["generate", "-i", str(portrait_path), "-a", str(speech_path), "-o",
                                    str(tmp_path / "gen.mp4"), "-q"])  # 512 px: the mesh reads a 256 px mouth poorly
    assert res.exit_code == 0, res.output
    res = run(["--pred", tmp_path / "gen.mp4", "--source", portrait_path, "--output", tmp_path / "out",
               "--bootstrap", "200"])
    assert res.exit_code == 0, res.output
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    sync = results["metrics"]["mouth-sync"]
    assert sync["coverage"]["gen"] > 0.9  # a face in nearly every frame
    assert sync["per_video"]["gen"] > 0.4, sync  # the generated lips follow the speech
    assert abs(results["metrics"]["mouth-av-offset"]["per_video"]["gen"]) <= 1  # within one frame
    assert results["metrics"]["psnr"]["per_video"]["gen"] is None   # no reference video: n/a with a note
    assert "reference" in " ".join(results["metrics"]["psnr"]["notes"]["gen"])
    assert (tmp_path / "out" / "plots" / "radar.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "out" / "plots" / "dist_mouth-sync.png").is_file()
    assert not (tmp_path / "out" / "plots" / "dist_psnr.png").exists()
    # computed metrics first; what was not computed comes once per reason, in full
    out = res.output
    assert out.index("mouth-sync:") < out.index("not computed (")
    lines = out.splitlines()
    no_ref = [line for line in lines if "needs a reference video (--ref)" in line]
    assert len(no_ref) == 1 and "psnr, ssim, ms-ssim, l1" in no_ref[0]
    if not os.environ.get("THG_WEIGHTS_DIR"):
        sync = [line for line in lines if "'syncnet_v2.model'" in line]
        assert len(sync) == 1 and "lse-c, lse-d, av-offset" in sync[0]
        assert "http://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model" in sync[0] and sync[0].rstrip().endswith("(or set THG_WEIGHTS_DIR)")
    md = (tmp_path / "out" / "report.md").read_text()
    summary = md.split("## Summary")[1].split("##")[0]
    assert "| psnr" not in summary and "| mouth-sync" in summary
    assert "## Not computed" in md and "- psnr, ssim, ms-ssim, l1" in md


def test_ctrl_c_says_what_was_kept(study, tmp_path, monkeypatch):
    from thg.eval import runner

    original = runner.evaluate_job

    def interrupt_second(job, *a, **kw):
        if job.name == "clip1":
            raise KeyboardInterrupt
        return original(job, *a, **kw)

    monkeypatch.setattr(runner, "evaluate_job", interrupt_second)
    res = CliRunner().invoke(main, ["eval", "--pred", str(study / "good"), "--ref", str(study / "ref"),
                                    "--metrics", "psnr", "--output", str(tmp_path / "out")])
    assert res.exit_code == 130
    assert res.stderr.strip().splitlines()[-1].startswith("Error: interrupted; the 1 videos finished so far are saved in")
    assert set(runner.read_records(tmp_path / "out")) == {"clip0"}


def random_inception(path, seed=0):
    """pytorch-fid's Inception with random weights scaled like a trained net (features do not collapse)."""
    import torch

    from thg.eval.metrics.deep.nets.inception import FIDInception

    torch.manual_seed(seed)
    state = {}
    for k, v in FIDInception().state_dict().items():
        if v.dtype.is_floating_point:
            if k.endswith("running_var"):
                v = torch.rand_like(v) + 0.5
            elif v.dim() > 1:
                v = torch.randn_like(v) / v[0].numel() ** 0.5
        state[k] = v
    torch.save(state, path)


def test_fid_is_pooled_over_the_folder_with_workers(study, tmp_path):
    """FID of a folder (2 videos, 2 worker processes) equals FID of one metric fed every video in turn.

    The Inception network has random weights saved under the public checkpoint's file name and format;
    one frame in 6 (``fid.stride=6``) keeps the CPU time small.
    """
    pytest.importorskip("torch")
    from thg.eval.registry import create_metric

    weights = tmp_path / "weights"
    weights.mkdir()
    random_inception(weights / "pt_inception-2015-12-05-6726825d.pth")
    pred, ref = tmp_path / "pred", tmp_path / "ref"
    for d in (pred, ref):
        d.mkdir()
    for i in range(2):
        (pred / f"clip{i}.mp4").write_bytes((study / "bad" / f"clip{i}.mp4").read_bytes())
        (ref / f"clip{i}.mp4").write_bytes((study / "ref" / f"clip{i}.mp4").read_bytes())
    res = run(["--pred", pred, "--ref", ref, "--metrics", "psnr,fid", "--weights-dir", weights,
               "--param", "fid.frechet=eigh", "--param", "fid.stride=6", "--workers", "2",
               "--output", tmp_path / "out", "--bootstrap", "200"])
    assert res.exit_code == 0, res.output
    fid = json.loads((tmp_path / "out" / "results.json").read_text())["metrics"]["fid"]
    direct = create_metric("fid", weights_dir=weights, frechet="eigh", stride=6)
    for i in range(2):
        direct.update(np.stack(list(read_video_frames(pred / f"clip{i}.mp4"))),
                      np.stack(list(read_video_frames(ref / f"clip{i}.mp4"))))
    # the pooled state on disk is the state of one metric that saw both videos (up to float32 network
    # arithmetic, which differs with the worker's thread count)
    with np.load(tmp_path / "out" / "pooled_state.npz") as z:
        assert sorted(z["__videos__"].tolist()) == ["clip0", "clip1"]
        for key, arr in direct.state().items():
            np.testing.assert_allclose(z[f"fid/{key}"], arr, rtol=1e-3, atol=1e-5 * float(np.abs(arr).max()))
    assert fid["set_value"] is not None and fid["set_value"] >= 0
    assert fid["set_convention"]["n_pred"] == 2 and fid["set_convention"]["n_ref"] == 2  # one frame per video
    assert fid["set_convention"]["frame_stride"] == 6
    assert "pooled over 2 videos" in fid["set_notes"]
