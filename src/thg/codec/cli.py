"""``thg encode`` and ``thg decode``: the ``.thm`` motion stream, for files and pipes."""

from __future__ import annotations

import contextlib
import sys

import click

from thg.codec.audio import DEFAULT_KBPS, KBPS_RANGE
from thg.options import FPS, QUALITY, Bounded

KEY_SIZE = Bounded(64, 4096, integer=True, unit="pixels of the key frame's long side")
AUDIO_KBPS = Bounded(*KBPS_RANGE, unit="kbit/s")
RAW_SIDE = (16, 4096)


def _parse_size(text: str | None) -> tuple[int, int] | None:
    from thg.errors import UsageError

    if text is None:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--input-size {text!r} is not WIDTHxHEIGHT (for example 640x480)") from None
    lo, hi = RAW_SIDE
    if not (lo <= w <= hi and lo <= h <= hi):
        raise UsageError(f"--input-size {text!r} is out of range; use {lo} to {hi} pixels a side")
    return w, h


@contextlib.contextmanager
def _sink(output: str, *, overwrite: bool, inputs):
    """Standard output for ``-``, else a file that appears only once the stream is complete."""
    from thg.errors import OutputError
    from thg.io.output import atomic_output

    if output == "-":
        try:
            yield sys.stdout.buffer
        except OSError as e:
            if isinstance(e, BrokenPipeError):
                raise
            raise OutputError(f"standard output: cannot write the stream ({e.strerror or e})") from None
        return
    with atomic_output(output, overwrite=overwrite, inputs=inputs, kind="stream") as tmp, open(tmp, "wb") as f:
        yield f


def _raw_frames(stream, size: tuple[int, int]):
    import numpy as np

    from thg.codec.format import _read_exactly

    w, h = size
    n = w * h * 3
    while True:
        buf = _read_exactly(stream, n)
        if len(buf) < n:
            return
        yield np.frombuffer(buf, np.uint8).reshape(h, w, 3)


@click.command()
@click.argument("video", type=click.Path(allow_dash=True))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Stream to write (.thm), or - for stdout (flushed every frame).")
@click.option("--size", type=KEY_SIZE, default=512, show_default=True,
              help="Long side of the key frame and decoded video.")
@click.option("--image-type", type=click.Choice(["webp", "jpeg"]), default="webp", show_default=True,
              help="Key frame image format.")
@click.option("--quality", type=QUALITY, default=90, show_default=True, help="Key frame image quality (1-100).")
@click.option("--fps", type=FPS, help="Frame rate of raw frames on stdin (VIDEO = -); files know their own.")
@click.option("--input-size", help="WIDTHxHEIGHT of raw RGB24 frames on stdin (VIDEO = -).")
@click.option("--audio-kbps", type=AUDIO_KBPS, default=DEFAULT_KBPS, show_default=True,
              help="Opus bitrate of the call's speech (a VIDEO file's own audio track).")
@click.option("--no-audio", is_flag=True, help="Leave the speech out (motion only).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
def encode(video, output, size, image_type, quality, fps, input_size, audio_kbps, no_audio, overwrite, quiet):
    """Encode the face in VIDEO as one key frame plus ~1.8 kbit/s of motion and its speech as
    ~6 kbit/s of Opus.

    VIDEO may be - for raw RGB24 frames on stdin (give --input-size and --fps; no audio), OUTPUT -
    for stdout: both work frame by frame, so a live call can pipe a camera in and the stream out.
    """
    from thg.codec.stream import EncodeConfig, MotionEncoder, encode_video, frames_with_audio
    from thg.errors import UsageError
    from thg.io.output import check_output_path

    config = EncodeConfig(max_size=size, image_type=image_type, quality=quality)
    kbps = None if no_audio else audio_kbps
    if output != "-":
        check_output_path(output, overwrite=overwrite, inputs=[video], kind="stream")
    if video == "-" or output == "-":
        samples = None
        if video == "-":
            dims = _parse_size(input_size)
            if dims is None or fps is None:
                raise UsageError("reading raw frames from stdin needs --input-size WIDTHxHEIGHT and --fps")
            frames = _raw_frames(sys.stdin.buffer, dims)
        else:
            from thg.io.audio import load_audio
            from thg.io.video import probe_video, read_video_frames

            info = probe_video(video)
            fps = fps or info.fps
            frames = read_video_frames(video)
            samples = load_audio(video).samples if (kbps is not None and info.has_audio) else None
        enc = MotionEncoder(fps, config, kbps if samples is not None else None)
        with _sink(output, overwrite=overwrite, inputs=[video]) as sink:
            for frame, pcm, last in frames_with_audio(frames, fps, samples):
                chunk = enc.push(frame, pcm, last=last)
                if chunk:
                    sink.write(chunk)
                    sink.flush()
            sink.write(enc.finish())
            sink.flush()
        n, header, records, audio = enc.n_frames, enc.header_bytes, enc.record_bytes, enc.audio_bytes
    else:
        result = encode_video(video, output, overwrite=overwrite, config=config, audio_kbps=kbps)
        n, fps = result.n_frames, result.fps
        header, records, audio = result.header_bytes, result.record_bytes, result.audio_bytes
    if not quiet:
        seconds = max(n / fps, 1e-9)
        sound = f", audio {audio} bytes ({audio * 8 / seconds / 1000:.2f} kbit/s)" if audio else ", no audio"
        click.echo(f"encoded {n} frames: key frame + header {header} bytes, motion {records} bytes "
                   f"({records * 8 / seconds / 1000:.2f} kbit/s){sound}", err=True)


@click.command()
@click.argument("stream", type=click.Path(allow_dash=True))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="MP4 to write (with the call's speech), or - for raw RGB24 frames on stdout (size printed "
                   "to stderr; no audio).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
def decode(stream, output, overwrite, quiet):
    """Render a .thm STREAM (or - for stdin) back into video.

    A damaged or truncated stream is rejected with an error, after every frame before the damage
    has been rendered and written.
    """
    from thg.codec.format import StreamError
    from thg.codec.stream import MotionDecoder, decode_to_video
    from thg.errors import InputError
    from thg.io.output import check_output_path

    name = "stdin" if stream == "-" else stream
    if output != "-":
        check_output_path(output, overwrite=overwrite, inputs=[stream], kind="video")
    if stream == "-":
        source = sys.stdin.buffer
    else:
        try:
            source = open(stream, "rb")
        except OSError:
            raise InputError(f"{stream}: stream not found or not readable; check the path") from None
    try:
        if output == "-":
            dec = MotionDecoder(source, name)
            key = dec.prepare()
            click.echo(f"{key.shape[1]}x{key.shape[0]} rgb24 at {dec.header.fps:g} fps", err=True)
            out = sys.stdout.buffer
            try:
                for frame in dec.frames():
                    out.write(frame.tobytes())
                    out.flush()
            except StreamError as e:
                raise StreamError(f"{e} (frames before it were written)", e.good_frames) from None
            n, fps = dec.good_frames, dec.header.fps
        else:
            result = decode_to_video(source, output, name=name, overwrite=overwrite, inputs=[stream])
            if result.error is not None:
                raise StreamError(f"{result.error}; wrote those {result.n_frames} frames to {output}",
                                  result.n_frames)
            n, fps = result.n_frames, result.fps
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    if not quiet:
        click.echo(f"decoded {n} frames ({n / fps:.2f} s at {fps:g} fps)", err=True)
