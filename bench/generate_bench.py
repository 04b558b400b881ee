"""Speed and memory of generation (issue targets in brackets).

    python bench/generate_bench.py            # all figures
    python bench/generate_bench.py --quick    # skip the 10-minute memory run

Prints: render frames/s at a 512×512 face crop [>= 100], end-to-end real-time factor at 25 fps for
256/512/1024 px portraits [>= 4x at 512], time to first frame after features [< 0.5 s], and peak RSS
of a whole `thg generate` run for 10 s and 10 min of speech [flat; < 1.5 GB at 10 min].
"""

from __future__ import annotations

import argparse
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
        "together. How are you today? I hope the weather is fine where you are.")


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def portrait(size: int) -> np.ndarray:
    import cv2
    from skimage import data

    return cv2.resize(data.astronaut(), (size, size), interpolation=cv2.INTER_AREA if size < 512 else cv2.INTER_CUBIC)


def render_speed() -> float:
    from thg.features import find_face
    from thg.motion.speech import MotionStyle
    from thg.render import MeshWarpRenderer
    from thg.render.rig import CROP_SCALE

    # scale the photo so that the animated crop is 512×512
    base = find_face(portrait(512))
    size = int(round(512 * 512 / (CROP_SCALE * base.size)))
    img = portrait(size)
    face = find_face(img)
    renderer = MeshWarpRenderer()
    renderer.prepare(img, face)
    from thg.features.speech import prosody, synthesize
    from thg.motion.speech import motion_from_speech

    audio, phonemes = synthesize(TEXT)
    n = int(audio.duration * 25)
    track = motion_from_speech(phonemes, prosody(audio, 25, n), n, MotionStyle())
    for row in track.values[:10]:
        renderer.render_crop(row)
    t = time.perf_counter()
    for row in track.values:
        renderer.render_crop(row)
    fps = len(track) / (time.perf_counter() - t)
    print(f"render: crop {renderer.rig.size[0]}x{renderer.rig.size[1]}, {len(track)} frames: {fps:.0f} frames/s")
    return fps


def end_to_end(size: int, seconds: float, tmp: Path) -> dict:
    """One `thg generate` run in a child process; returns its real-time factor, first-frame time and peak RSS."""
    import cv2
    import soundfile as sf

    from thg.features.speech import synthesize

    img_path = tmp / f"portrait{size}.png"
    cv2.imwrite(str(img_path), portrait(size)[:, :, ::-1])
    audio, _ = synthesize(TEXT)
    reps = int(np.ceil(seconds / audio.duration))
    speech = np.tile(audio.samples, reps)[: int(seconds * audio.sample_rate)]
    wav = tmp / f"speech{seconds:.0f}.wav"
    sf.write(str(wav), speech, audio.sample_rate)
    out = tmp / f"out{size}_{seconds:.0f}.mp4"
    code = (
        "import sys, json, resource, time\n"
        "from thg.pipeline import TalkingHeadPipeline, GenerateConfig\n"
        "t = time.perf_counter()\n"
        f"r = TalkingHeadPipeline(config=GenerateConfig(max_size=None))({str(img_path)!r}, audio={str(wav)!r}, output={str(out)!r}, overwrite=True)\n"
        "total = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'duration': r.duration, 'total': total, 'first_frame': r.timings['first_frame'], 'rss_mb': rss, 'encoder_rss_mb': child}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import json

    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["rtf"] = res["duration"] / res["total"]
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 10-minute memory run")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    render_speed()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for size in (256, 512, 1024):
            r = end_to_end(size, 10.0, tmp)
            print(f"end to end {size}px, 10 s speech: {r['rtf']:.1f}x real time, first frame {r['first_frame'] * 1000:.0f} ms "
                  f"after features, peak RSS {r['rss_mb']:.0f} MB (encoder {r['encoder_rss_mb']:.0f} MB)")
        if not args.quick:
            r = end_to_end(512, 600.0, tmp)
            print(f"end to end 512px, 10 min speech: {r['rtf']:.1f}x real time, peak RSS {r['rss_mb']:.0f} MB "
                  f"(encoder {r['encoder_rss_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
