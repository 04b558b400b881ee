"""Video in and out through the ffmpeg binary that imageio-ffmpeg ships.

Frames stream: :class:`VideoWriter` pipes raw RGB frames to an H.264 encoder (with AAC audio muxed
in the same process), and :func:`read_video_frames` yields decoded frames one at a time, so memory
does not grow with the length of a video.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from thg.errors import InputError, PipelineError
from thg.stop import stop_signals_held


def ffmpeg_exe() -> str:
    from imageio_ffmpeg import get_ffmpeg_exe

    return get_ffmpeg_exe()


def ffmpeg_file(path: str | os.PathLike) -> str:
    """A local path as ffmpeg must be given it: with the ``file:`` protocol, so that a name with a
    colon (``http:x.wav``, ``C:x``) is never taken for a URL or another protocol."""
    return "file:" + os.fspath(path)


def mux_audio(video: str | os.PathLike, audio: str | os.PathLike, output: str | os.PathLike,
              duration: float) -> None:
    """Copy ``video``'s stream into an MP4 with ``audio`` as AAC, both exactly ``duration`` seconds
    (the audio cut or padded with silence)."""
    cmd = [ffmpeg_exe(), "-nostdin", "-y", "-v", "error", "-i", ffmpeg_file(video), "-i", ffmpeg_file(audio),
           "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "64k", "-ac", "1",
           "-af", "apad", "-t", f"{duration:.6f}", "-movflags", "+faststart", "-f", "mp4", ffmpeg_file(output)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PipelineError(f"muxing the audio failed: {proc.stderr.strip()[-500:]}")


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration: float
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Read size, frame rate, duration and streams of a video file (ffmpeg's header dump)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: video not found; check the path")
    proc = subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", ffmpeg_file(path)], capture_output=True,
                          text=True)
    text = proc.stderr
    video = re.search(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})[^\n]*?, ([\d.]+) (?:fps|tbr)", text)
    if video is None:
        raise InputError(f"{path}: no readable video stream (corrupt, truncated or not a video); use an MP4, MOV, MKV or AVI file")
    audio = re.search(r"Stream #\S+.*?: Audio: (\w+)", text)
    dur = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text)
    duration = int(dur.group(1)) * 3600 + int(dur.group(2)) * 60 + float(dur.group(3)) if dur else 0.0
    return VideoInfo(int(video.group(2)), int(video.group(3)), float(video.group(4)), duration,
                     audio is not None, video.group(1), audio.group(1) if audio else None)


def read_video_frames(path: str | os.PathLike, *, fps: float | None = None,
                      size: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Yield RGB uint8 frames; ``fps`` resamples the frame rate, ``size`` = (width, height) rescales."""
    info = probe_video(path)
    width, height = size or (info.width, info.height)
    filters = []
    if fps:
        filters.append(f"fps={fps}")
    if size:
        filters.append(f"scale={width}:{height}")
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", ffmpeg_file(path)]
    if filters:
        cmd += ["-vf", ",".join(filters)]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    frame_bytes = width * height * 3
    try:
        assert proc.stdout is not None
        while True:
            buf = proc.stdout.read(frame_bytes)
            if len(buf) < frame_bytes:
                break
            yield np.frombuffer(buf, dtype=np.uint8).reshape(height, width, 3)
    finally:
        proc.kill()
        proc.wait()


def _widen_pipe(stream, size: int) -> None:
    """Let the pipe to the encoder hold a couple of frames, so renderer and encoder overlap instead
    of taking turns (Linux only; elsewhere the default size stays)."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), 1031, min(size, 1 << 20))  # F_SETPIPE_SZ
    except (ImportError, OSError, AttributeError):
        pass


#: RGB -> Cb, Cr of BT.601 in limited range (16-240 about 128), what ffmpeg makes of RGB by default
_CHROMA = np.array([[-0.148224, -0.290992, 0.439216, 128.0],
                    [0.439216, -0.367788, -0.071427, 128.0]], np.float32)


def rgb_to_i420(frame: np.ndarray) -> np.ndarray:
    """An RGB frame (even width and height) as planar YUV 4:2:0, BT.601 limited range: luma per
    pixel, chroma of each 2×2 block's mean colour. This is ffmpeg's own conversion of RGB for H.264
    to within 1 code in luma and 4 in chroma (0.15-0.3 on average: its chroma filter is not quite a
    2×2 mean), made here because it costs a quarter of what the
    encoder's takes (and half the bytes go down the pipe). OpenCV's own 4:2:0 chroma is sampled,
    not averaged: it aliases (up to 12 codes off, 0.3 dB lower PSNR after encoding)."""
    h, w = frame.shape[:2]
    out = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420)       # its luma; its chroma is replaced
    chroma = cv2.transform(cv2.resize(frame, (w // 2, h // 2), interpolation=cv2.INTER_AREA), _CHROMA)
    flat, n = out.reshape(-1), (h // 2) * (w // 2)
    flat[h * w: h * w + n] = chroma[..., 0].reshape(-1)
    flat[h * w + n:] = chroma[..., 1].reshape(-1)
    return out


def i420_to_rgb(planes: bytes, width: int, height: int) -> np.ndarray:
    """Planar YUV 4:2:0 (BT.601 limited range, even sides) as RGB, each 2×2 block's chroma shared by
    its pixels: :func:`rgb_to_i420` of the result gives the planes back (to within rounding)."""
    yuv = np.frombuffer(planes, np.uint8).reshape(height * 3 // 2, width)
    return cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420)


class VideoWriter:
    """Stream RGB frames into an H.264 MP4, optionally muxing an audio file as AAC.

    >>> with VideoWriter("out.mp4", width, height, fps=25, audio_path="speech.wav") as w:
    ...     for frame in frames:
    ...         w.write(frame)

    With ``duration`` (seconds, the frames' own length) the audio is cut or padded with silence
    to exactly that length, so the file holds every frame written; without it the file ends with
    the shorter of the two.
    """

    def __init__(self, path: str | os.PathLike, width: int, height: int, *, fps: float = 25.0,
                 audio_path: str | os.PathLike | None = None, crf: int = 18, preset: str = "veryfast",
                 threads: int | None = None, comment: str | None = None, duration: float | None = None) -> None:
        if width % 2 or height % 2:
            raise PipelineError(f"video size {width}×{height} must be even for H.264")
        self.path, self.width, self.height = Path(path), width, height
        cmd = [ffmpeg_exe(), "-nostdin", "-y", "-v", "error",
               "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", f"{fps}", "-i", "-"]
        if audio_path is not None:
            cmd += ["-i", ffmpeg_file(audio_path)]
        cmd += ["-map", "0:v:0"]
        if audio_path is not None:
            cmd += ["-map", "1:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "1"]
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
                "-movflags", "+faststart"]
        if threads:
            cmd += ["-threads", str(threads)]
        if comment:
            cmd += ["-metadata", f"comment={comment}"]
        if audio_path is not None and duration:  # exactly this long: audio cut, or padded with silence
            cmd += ["-af", "apad", "-t", f"{duration:.6f}"]
        elif audio_path is not None:
            cmd += ["-shortest"]
        cmd += ["-f", "mp4", ffmpeg_file(self.path)]
        self.frames_written = 0
        proc = None
        try:
            with stop_signals_held():
                proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            _widen_pipe(proc.stdin, 3 * width * height)   # two frames
        except BaseException:
            # a stop signal landing here (before the caller's ``with`` is entered) must not leave an
            # encoder behind: at the end of its input it would write the file the caller just removed
            if proc is not None:
                proc.kill()
                proc.wait()
            raise
        self._proc = proc

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise PipelineError(f"frame {frame.shape} {frame.dtype} does not match {self.height}×{self.width}×3 uint8")
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.write(rgb_to_i420(frame).data)
        except BrokenPipeError:
            raise PipelineError(f"the video encoder stopped: {self._stderr()}") from None
        self.frames_written += 1

    def _stderr(self) -> str:
        return (self._proc.stderr.read().decode(errors="replace").strip() if self._proc.stderr else "")[-500:]

    def close(self) -> None:
        if self._proc.stdin and not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            code = self._proc.wait()
        except BaseException:
            # a stop signal while the encoder finishes: it must not go on, or its faststart pass
            # writes the file again after the caller has removed it
            self.abort()
            raise
        if code != 0:
            raise PipelineError(f"the video encoder failed: {self._stderr()}")

    def abort(self) -> None:
        self._proc.kill()
        self._proc.wait()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

