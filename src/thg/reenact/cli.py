"""``thg track`` and ``thg reenact``."""

from __future__ import annotations

import click

from thg.limits import Limits
from thg.options import FACE_INDEX, FPS, SIZE, SMOOTH, limit_options


@click.command()
@click.argument("video", type=click.Path())
@click.option("--output", "-o", required=True, type=click.Path(), help="Motion file to write (JSON).")
@click.option("--smooth", type=SMOOTH, default=1.0, show_default=True,
              help="Jitter filter on pose, brows and gaze (0 = off, higher = smoother).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
@limit_options
def track(video, output, smooth, overwrite, quiet, max_megapixels, max_seconds):
    """Capture the per-frame motion of the face in VIDEO as a thg motion file.

    The file is the one `thg generate --save-motion` writes and `thg generate --motion` renders.
    Frames without a face are interpolated between their neighbours (held at the ends) and counted.
    """
    from thg.io.output import check_output_path
    from thg.io.video import probe_video
    from thg.reenact.tracking import track_video

    check_output_path(output, overwrite=overwrite, inputs=[video], kind="motion")
    Limits(megapixels=max_megapixels, seconds=max_seconds).check_seconds(probe_video(video).duration, video, "the video")
    result = track_video(video, smooth=smooth)
    result.track.save(output, overwrite=overwrite)
    if not quiet:
        n = len(result.track)
        click.echo(f"wrote {output}: {n} frames at {result.track.fps:g} fps", err=True)
        if result.missing:
            shown = ", ".join(map(str, result.missing[:10])) + (" ..." if len(result.missing) > 10 else "")
            click.echo(f"warning: no face in {len(result.missing)} of {n} frames ({shown}); "
                       f"their motion is interpolated", err=True)


@click.command()
@click.option("--image", "-i", required=True, type=click.Path(), help="Portrait photo to animate.")
@click.option("--driving", "-d", required=True, type=click.Path(), help="Video of the performance to transfer.")
@click.option("--output", "-o", required=True, type=click.Path(), help="Output MP4.")
@click.option("--mode", type=click.Choice(["relative", "absolute"]), default="relative", show_default=True,
              help="relative: the driver's changes from its first frame; absolute: the driver's own proportions.")
@click.option("--regions", default="all", show_default=True,
              help="Comma-separated regions to transfer: pose, mouth, eyes, brows (or all).")
@click.option("--fps", type=FPS, default=25.0, show_default=True, help="Output frames per second.")
@click.option("--size", type=SIZE, default=1280, show_default=True,
              help="Cap of the output's long side (0 = photo's size).")
@click.option("--smooth", type=SMOOTH, default=1.0, show_default=True, help="Jitter filter strength (0 = off).")
@click.option("--no-audio", is_flag=True, help="Do not carry the driving video's audio over.")
@click.option("--face-index", type=FACE_INDEX, default=0, show_default=True,
              help="Which face of the photo (0 = largest).")
@click.option("--save-motion", type=click.Path(), help="Also write the portrait's motion (JSON).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
@limit_options
def reenact(image, driving, output, mode, regions, fps, size, smooth, no_audio, face_index, save_motion, overwrite,
            quiet, max_megapixels, max_seconds):
    """Animate the portrait IMAGE with the performance of the face in a DRIVING video."""
    from thg.io.output import check_outputs
    from thg.reenact.reenact import ReenactConfig, Reenactor

    check_outputs({"--output": output, "--save-motion": save_motion}, overwrite=overwrite, inputs=[image, driving],
                  kinds={"--output": "video", "--save-motion": "motion"})
    config = ReenactConfig(mode=mode, regions=regions, fps=fps, max_size=size or None, face_index=face_index,
                           smooth=smooth, audio=not no_audio,
                           limits=Limits(megapixels=max_megapixels, seconds=max_seconds))
    result = Reenactor(config)(image, driving=driving, output=output, overwrite=overwrite, save_motion=save_motion)
    if not quiet:
        click.echo(f"wrote {result.output}: {result.n_frames} frames at {result.fps:g} fps "
                   f"in {result.timings['total']:.1f} s", err=True)
        if result.missing:
            click.echo(f"warning: no face in {len(result.missing)} driving frames; their motion is interpolated",
                       err=True)
