"""Writing test clips."""

from __future__ import annotations

from pathlib import Path


def encode(frames, path: Path, fps: float = 29.97) -> Path:
    from thg.io.video import VideoWriter

    frames = list(frames)
    h, w = frames[0].shape[:2]
    with VideoWriter(path, w, h, fps=fps, crf=10) as writer:
        for f in frames:
            writer.write(f)
    return path
