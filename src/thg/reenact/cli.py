"""``thg track`` and ``thg reenact``."""

from __future__ import annotations

import click


@click.command()
@click.argument("video", type=click.Path())
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Motion file to write (JSON).")
@click.option("--smooth", type=float, default=1.0, show_default=True,
              help="Jitter filter on pose, brows and gaze (0 = off, higher = smoother).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
def track(video, output, smooth, overwrite, quiet):
    """Capture the per-frame motion of the face in VIDEO as a thg motion file.

    The file is the one `thg generate --save-motion` writes and `thg generate --motion` renders.
    Frames without a face are interpolated between their neighbours (held at the ends) and counted.
    """
    from thg.io.output import check_output_path
    from thg.reenact.tracking import track_video

    check_output_path(output, overwrite=overwrite)
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
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Output MP4.")
@click.option("--mode", type=click.Choice(["relative", "absolute"]), default="relative", show_default=True,
              help="relative: the driver's changes from its first frame; absolute: the driver's own proportions.")
@click.option("--regions", default="all", show_default=True,
              help="Comma-separated regions to transfer: pose, mouth, eyes, brows (or all).")
@click.option("--fps", type=float, default=25.0, show_default=True, help="Output frames per second.")
@click.option("--size", type=int, default=1280, show_default=True,
              help="Cap of the output's long side (0 = photo's size).")
@click.option("--smooth", type=float, default=1.0, show_default=True, help="Jitter filter strength (0 = off).")
@click.option("--no-audio", is_flag=True, help="Do not carry the driving video's audio over.")
@click.option("--face-index", type=int, default=0, show_default=True, help="Which face of the photo (0 = largest).")
@click.option("--save-motion", type=click.Path(dir_okay=False), help="Also write the portrait's motion (JSON).")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No summary.")
def reenact(image, driving, output, mode, regions, fps, size, smooth, no_audio, face_index, save_motion, overwrite,
            quiet):
    """Animate the portrait IMAGE with the performance of the face in a DRIVING video."""
    from thg.reenact.reenact import ReenactConfig, Reenactor

    config = ReenactConfig(mode=mode, regions=regions, fps=fps, max_size=size or None, face_index=face_index,
                           smooth=smooth, audio=not no_audio)
    result = Reenactor(config)(image, driving=driving, output=output, overwrite=overwrite, save_motion=save_motion)
    if not quiet:
        click.echo(f"wrote {result.output}: {result.n_frames} frames at {result.fps:g} fps "
                   f"in {result.timings['total']:.1f} s", err=True)
        if result.missing:
            click.echo(f"warning: no face in {len(result.missing)} driving frames; their motion is interpolated",
                       err=True)
