"""The re-uploads a watermark must survive, as ffmpeg filter chains (for tests and the bench).

Each attack re-encodes with H.264 (CRF 23 unless the attack is the CRF itself), as any re-upload does.
"""

from __future__ import annotations

import os
import subprocess

#: name -> (ffmpeg output arguments, what it does)
ATTACKS: dict[str, tuple[list[str], str]] = {
    "crf30": (["-crf", "30"], "H.264 re-encode at CRF 30"),
    "scale50": (["-vf", "scale=trunc(iw/4)*2:trunc(ih/4)*2"], "scaled to 50 %"),
    "crop10": (["-vf", "crop=trunc(iw*0.4)*2:trunc(ih*0.4)*2"], "10 % of the border cropped on every side"),
    "fps30": (["-vf", "fps=30"], "converted to 30 fps"),
    "brighter20": (["-vf", "lutyuv=y=val*1.2"], "brightness +20 % (luma × 1.2)"),
    "darker20": (["-vf", "lutyuv=y=val*0.8"], "brightness −20 % (luma × 0.8)"),
    "contrast+20": (["-vf", "eq=contrast=1.2"], "contrast +20 %"),
    "contrast-20": (["-vf", "eq=contrast=0.8"], "contrast −20 %"),
    "screen": (["-vf", "scale=trunc(iw*0.385)*2:-2:flags=bilinear,eq=gamma=1.1,gblur=sigma=0.6,"
                "noise=alls=4:allf=t,fps=30,pad=trunc(iw*1.06/2)*2:trunc(ih*1.06/2)*2:(ow-iw)/2:(oh-ih)/2",
                "-crf", "26"],
               "screen-recording-like: 77 % bilinear resize, gamma 1.1, blur, sensor noise, 30 fps, "
               "3 % dark frame around, CRF 26"),
}


def apply(src: str | os.PathLike, dst: str | os.PathLike, args: list[str] | None = None, *,
          start: float | None = None, duration: float | None = None) -> None:
    """Re-encode ``src`` into ``dst`` with an attack's ffmpeg ``args``, optionally only the excerpt of
    ``duration`` seconds from ``start``."""
    from thg.io.video import ffmpeg_exe

    args = list(args or [])
    seek = (["-ss", f"{start}"] if start else []) + (["-t", f"{duration}"] if duration else [])
    crf = [] if "-crf" in args else ["-crf", "23"]
    subprocess.run([ffmpeg_exe(), "-nostdin", "-y", "-v", "error", *seek, "-i", str(src), *args, *crf,
                    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-an", str(dst)], check=True)
