"""The original clip, frame by frame: decoding in any order, the face to dub, scene cuts, pose.

Frames stream from ffmpeg; a backward run (ping-pong) is decoded in short forward chunks read
from the end, so no more than :data:`CHUNK` frames are held at once whatever the clip's length.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Iterator

import cv2
import numpy as np

from thg.errors import InputError
from thg.features import landmarks as L
from thg.features.face import FaceGeometry, FaceMesher
from thg.dub.fit import Run
from thg.io.video import VideoInfo, ffmpeg_exe, ffmpeg_file, i420_to_rgb

CHUNK = 16               # frames decoded at once for a backward run
CUT_THRESHOLD = 28.0     # mean absolute change of a 32×32 grey thumbnail (0-255) that is a scene cut
MAX_YAW, MAX_PITCH = 40.0, 30.0  # degrees: beyond these the face passes through untouched
FOLLOW_RADIUS = 0.6      # a face further than this many face sizes from the last one is another face


def count_frames(path: str | os.PathLike) -> int:
    """The number of video frames in the file (read from the packets, nothing decoded)."""
    proc = subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", ffmpeg_file(path), "-map", "0:v:0",
                           "-c", "copy", "-f", "null", "-"], capture_output=True, text=True)
    found = re.findall(r"frame=\s*(\d+)", proc.stderr)
    if proc.returncode != 0 or not found or int(found[-1]) == 0:
        raise InputError(f"{path}: no video frames could be read (corrupt or truncated); check that it plays")
    return int(found[-1])


def _decode(path: str | os.PathLike, info: VideoInfo, start: int = 0, count: int | None = None) -> Iterator[np.ndarray]:
    """Frames ``start`` .. ``start + count - 1`` (all to the end with ``count`` None), in order."""
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error"]
    if start > 0:
        cmd += ["-ss", f"{(start - 0.5) / info.fps:.6f}"]   # the frame whose time is nearest
    cmd += ["-i", ffmpeg_file(path), "-map", "0:v:0"]
    if count is not None:
        cmd += ["-frames:v", str(count)]
    # 4:2:0 planes made RGB here (even sides): what the encoder's conversion averages back to them
    # is what was decoded (ffmpeg's own interpolation lost 0.66 codes on average each round trip),
    # and it costs the decoder's process a fraction of its own conversion
    planar = info.width % 2 == 0 and info.height % 2 == 0
    cmd += ["-f", "rawvideo", "-pix_fmt", "yuv420p" if planar else "rgb24", "-"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    size = info.width * info.height * 3 // (2 if planar else 1)
    try:
        assert proc.stdout is not None
        while True:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            if planar:
                yield i420_to_rgb(buf, info.width, info.height)
            else:
                yield np.frombuffer(buf, np.uint8).reshape(info.height, info.width, 3)
    finally:
        proc.kill()
        proc.wait()


def frames_in_order(path: str | os.PathLike, info: VideoInfo, runs: Iterable[Run]) -> Iterator[tuple[int, np.ndarray]]:
    """(source index, frame) for every index of ``runs``: forward runs stream, backward ones are
    read chunk by chunk from their end, held frames are decoded once."""
    for run in runs:
        if run.step == 1:
            yield from zip(run.indices(), _decode(path, info, run.start, run.count))
        elif run.step == 0:
            frame = next(_decode(path, info, run.start, 1), None)
            if frame is not None:
                for _ in range(run.count):
                    yield run.start, frame
        else:
            last = run.start
            first = run.start - run.count + 1
            while last >= first:
                lo = max(first, last - CHUNK + 1)
                chunk = list(_decode(path, info, lo, last - lo + 1))
                for k in range(len(chunk) - 1, -1, -1):
                    yield lo + k, chunk[k]
                last = lo - 1


def thumbnail(frame: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)


def is_cut(previous: np.ndarray | None, current: np.ndarray) -> bool:
    """A scene cut between two consecutive thumbnails (see :data:`CUT_THRESHOLD`)."""
    return previous is not None and float(np.abs(current - previous).mean()) > CUT_THRESHOLD


def head_angles(points: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) in degrees of a face mesh, from its 3D eye line and forehead-chin line (0, 0 frontal)."""
    p = points.astype(np.float64)
    across = p[list(L.LEFT_EYE_CORNERS)].mean(0) - p[list(L.RIGHT_EYE_CORNERS)].mean(0)
    down = p[L.CHIN] - p[L.FOREHEAD]
    normal = np.cross(down, across)   # toward the camera (-z) for a frontal face
    normal /= max(np.linalg.norm(normal), 1e-9)
    yaw = np.degrees(np.arctan2(normal[0], -normal[2]))
    pitch = np.degrees(np.arctan2(normal[1], -normal[2]))
    return float(yaw), float(pitch)


def _centre(face: FaceGeometry) -> np.ndarray:
    x0, y0, x1, y1 = face.bbox
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2])


def in_reading_order(faces: list[FaceGeometry], same_size: float = 0.85) -> list[FaceGeometry]:
    """Largest first; faces of about the same size (the smaller at least ``same_size`` of the
    larger) left to right, so two people side by side keep their order from frame to frame."""
    rest = sorted(faces, key=lambda f: -f.size)
    ordered: list[FaceGeometry] = []
    while rest:
        group = [f for f in rest if f.size >= same_size * rest[0].size]
        ordered += sorted(group, key=lambda f: f.bbox[0])
        rest = rest[len(group):]
    return ordered


class FaceFollower:
    """The face to dub in each frame: the ``face_index``-th (:func:`in_reading_order`) where it is
    first seen, then whichever face is nearest to where it was. ``reset()`` at scene cuts."""

    def __init__(self, face_index: int = 0) -> None:
        self.face_index = face_index
        self._mesher = FaceMesher(static=False, max_faces=face_index + 1 if face_index == 0 else face_index + 2)
        self._last: FaceGeometry | None = None
        self.seen_faces = 0   # the most faces found in one frame

    def reset(self) -> None:
        self._mesher.close()
        self._mesher = FaceMesher(static=False, max_faces=self.face_index + 1 if self.face_index == 0
                                  else self.face_index + 2)
        self._last = None

    def __call__(self, frame: np.ndarray) -> FaceGeometry | None:
        faces = self._mesher.detect(frame)
        self.seen_faces = max(self.seen_faces, len(faces))
        if not faces:
            return None
        if self._last is None:
            ordered = in_reading_order(faces)
            face = ordered[self.face_index] if self.face_index < len(ordered) else None
        else:
            last = _centre(self._last)
            face = min(faces, key=lambda f: float(np.linalg.norm(_centre(f) - last)))
            if np.linalg.norm(_centre(face) - last) > FOLLOW_RADIUS * self._last.size:
                return None   # the followed face is gone; another is not taken in its place
        if face is not None:
            self._last = face
        return face

    def close(self) -> None:
        self._mesher.close()


def at_edge(face: FaceGeometry, margin: float = 2.0) -> bool:
    """Whether the lower face (nose tip down to the chin) is cut by the frame border."""
    xy = face.xy[list(L.FACE_OVAL)]
    below = xy[xy[:, 1] >= face.xy[L.NOSE_TIP, 1]]
    w, h = face.image_size
    return bool(len(below) and ((below < margin).any() or (below[:, 0] > w - 1 - margin).any()
                                or (below[:, 1] > h - 1 - margin).any()))
