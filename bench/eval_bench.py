"""Benchmark of the weights-free evaluation metrics at 256×256: frames per second and peak memory.

    python bench/eval_bench.py [--frames 100] [--json out.json]

Measures (1) each metric alone on in-memory frames (the face mesh counted in the face metrics'
cost), (2) ``evaluate_video`` end to end on H.264 files (decode + all weights-free metrics sharing
one face-mesh pass per video), and (3) peak RSS of the end-to-end run at two video lengths, each
in a fresh process, to show that memory stays flat in video length. The issue's target: at least
100 frames/s for PSNR, SSIM, L1 and the face-mesh metrics on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZE = 256
FRAME_METRICS = ("psnr", "ssim", "l1", "ms-ssim", "cpbd", "smoothness-pixel")
FACE_METRICS = ("lmd-mouth", "lmd-face", "f-lmd", "mve", "prmse", "aed", "akd", "apd", "ard",
                "smoothness-landmark", "blink-rate", "head-motion", "diversity", "mouth-sync", "mouth-av-offset",
                "mouth-sharpness", "mouth-open-in-silence", "landmark-jitter", "csim-dlib")


def make_clip(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The astronaut's face moving gently (ref) and a noisy, shifted copy (pred), n frames of 256 px."""
    import cv2
    from skimage import data

    img = data.astronaut()
    rng = np.random.default_rng(0)
    ref, pred = [], []
    for i in range(n):
        m = cv2.getRotationMatrix2D((225.0, 125.0), 2 * np.sin(i / 7), SIZE / 230)
        m[0, 2] += SIZE / 2 - 225 + 3 * np.sin(i / 5)
        m[1, 2] += SIZE / 2 - 125
        f = cv2.warpAffine(img, m, (SIZE, SIZE), borderMode=cv2.BORDER_REFLECT)
        ref.append(f)
        pred.append(np.clip(np.roll(f, 2, axis=1) + rng.normal(0, 6, f.shape), 0, 255).astype(np.uint8))
    return np.stack(pred), np.stack(ref)


def speech(seconds: float) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def bench_metrics(pred: np.ndarray, ref: np.ndarray) -> dict[str, dict[str, float]]:
    """Each metric alone (face metrics run their own mesh on pred and ref): wall frames/s and CPU ms per frame."""
    from thg.eval.registry import create_metric

    out = {}
    for name in FRAME_METRICS + FACE_METRICS:
        m = create_metric(name)
        m.set_context(fps=25.0, audio=speech(len(pred) / 25), source=ref[0])
        m.update(pred[:1], ref[:1])  # warm up (imports, mesh graph)
        m.reset()
        m.set_context(fps=25.0, audio=speech(len(pred) / 25), source=ref[0])
        t, c = time.perf_counter(), time.process_time()
        for i in range(0, len(pred), 32):
            m.update(pred[i:i + 32], ref[i:i + 32])
        m.compute()
        out[name] = {"fps": len(pred) / (time.perf_counter() - t),
                     "cpu_ms_per_frame": 1000 * (time.process_time() - c) / len(pred)}
    return out


def write_videos(folder: Path, pred: np.ndarray, ref: np.ndarray) -> tuple[Path, Path]:
    from thg.io import VideoWriter

    paths = []
    for name, frames in (("pred", pred), ("ref", ref)):
        path = folder / f"{name}.mp4"
        with VideoWriter(path, SIZE, SIZE, fps=25, crf=16) as w:
            for f in frames:
                w.write(f)
        paths.append(path)
    return paths[0], paths[1]


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it does not carry the parent's
    peak across fork + exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(folder: Path, n: int) -> tuple[Path, Path, Path]:
    """Write pred.mp4, ref.mp4 and speech.wav of n frames into folder."""
    from thg.io import save_wav
    from thg.io.audio import Audio

    folder.mkdir(parents=True, exist_ok=True)
    pred, ref = make_clip(n)
    p, r = write_videos(folder, pred, ref)
    wav = folder / "speech.wav"
    save_wav(wav, Audio(speech(n / 25)))
    return p, r, wav


def end_to_end(folder: Path, metrics: tuple[str, ...], params: dict | None = None) -> dict:
    """Run evaluate_video on the files in folder (in a fresh process): frames/s, CPU and peak RSS."""
    import resource

    from thg.eval.video import evaluate_video

    def cpu() -> float:
        return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                   for field in ("ru_utime", "ru_stime"))

    rss_before = peak_rss_mib()
    t, c = time.perf_counter(), cpu()
    res = evaluate_video(folder / "pred.mp4", ref=folder / "ref.mp4", audio=folder / "speech.wav",
                         metrics=list(metrics), params=params)
    dt, dc = time.perf_counter() - t, cpu() - c
    n = res[metrics[0]].convention["alignment"]["frames_pred"]
    return {"frames": n, "fps": n / dt, "seconds": dt, "cpu_ms_per_frame": 1000 * dc / n,
            "peak_rss_mib": peak_rss_mib(), "rss_before_mib": rss_before,
            "values": {k: v.value for k, v in res.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--child", nargs=2, metavar=("FOLDER", "SET"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    sets = {"frame": ("psnr", "ssim", "l1"), "target": ("psnr", "ssim", "l1") + FACE_METRICS,
            "target-tracking": ("psnr", "ssim", "l1") + FACE_METRICS, "all": FRAME_METRICS + FACE_METRICS}
    tracking = {name: {"mesh": "tracking"} for name in FACE_METRICS}
    if args.child:
        label = args.child[1]
        print(json.dumps(end_to_end(Path(args.child[0]), sets[label], tracking if label.endswith("tracking") else None)))
        return

    report: dict = {"size": SIZE, "cpu_count": os.cpu_count()}
    pred, ref = make_clip(args.frames)
    report["per_metric_fps"] = per = bench_metrics(pred, ref)
    print(f"per metric alone, {args.frames} frames of {SIZE}x{SIZE}: wall frames/s, CPU ms/frame "
          f"(face metrics include their own face mesh on pred and ref)")
    for name, v in per.items():
        print(f"  {name:22s} {v['fps']:8.1f} {v['cpu_ms_per_frame']:8.2f}")

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        lengths = (args.frames, 4 * args.frames)
        for n in lengths:
            prepare(Path(tmp) / str(n), n)
        for label in ("frame", "target", "target-tracking", "all"):
            for n in lengths:
                out = subprocess.run([sys.executable, __file__, "--child", str(Path(tmp) / str(n)), label], env=env,
                                     capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
                r = json.loads(out)
                report[f"end_to_end_{label}_{n}"] = {k: r[k] for k in ("frames", "fps", "cpu_ms_per_frame",
                                                                      "peak_rss_mib", "rss_before_mib")}
                print(f"evaluate_video [{label}: {len(sets[label])} metrics] {n:5d} frames: {r['fps']:7.1f} frames/s, "
                      f"{r['cpu_ms_per_frame']:.1f} CPU ms/frame (incl. ffmpeg), peak RSS {r['peak_rss_mib']:.0f} MiB "
                      f"({r['rss_before_mib']:.0f} before)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
