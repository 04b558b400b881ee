"""``thg dub``."""

from __future__ import annotations

import click

from thg.dub.fit import DEFAULT_FIT, FITS
from thg.generate_cli import _style
from thg.options import FACE_INDEX, NO_WATERMARK, limit_options


@click.command()
@click.option("--video", "-v", required=True, type=click.Path(), help="The clip to dub (MP4, MOV, MKV, AVI, WebM).")
@click.option("--audio", "-a", type=click.Path(), help="The new speech (WAV, MP3, FLAC, OGG, M4A).")
@click.option("--text", "-t", help="The new line, spoken by espeak-ng (UTF-8).")
@click.option("--lang", default="en", show_default=True, help="Language of --text or --audio (espeak-ng code).")
@click.option("--motion", "motion_file", type=click.Path(),
              help="Re-render a mouth motion saved with --save-motion (edited or not); give --audio for its sound.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Output MP4.")
@click.option("--fit", type=click.Choice(FITS), default=DEFAULT_FIT, show_default=True,
              help="Speech and clip of different lengths: pingpong / loop the clip to the speech's length, "
                   "trim both to the shorter, or pad the shorter (last frame held, mouth at rest).")
@click.option("--face-index", type=FACE_INDEX, default=0, show_default=True,
              help="Which face to dub when several are in view (0 = largest; faces of about the same size "
                   "count from the left), tracked across frames.")
@click.option("--expression-scale", type=_style("expression_scale"), default=1.0, show_default=True, help="Strength of the new mouth motion.")
@click.option("--save-motion", type=click.Path(dir_okay=False), help="Also write the mouth motion used (JSON).")
@NO_WATERMARK
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT (and the --save-motion file) if they exist.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@limit_options
def dub(video, audio, text, lang, motion_file, output, fit, face_index, expression_scale, save_motion,
        no_watermark, overwrite, quiet, max_megapixels, max_seconds):
    """Dub a clip: the same video with its lips following new speech.

    Only the lower face (lips, teeth, jaw, chin) is re-rendered, each frame from its own pixels;
    everything above the nose tip and the background stay as they were. The output keeps the
    clip's size and frame rate and carries the new speech. Frames without a usable face (none,
    cut by the edge, turned too far) pass through untouched and are reported.
    """
    from thg.dub.dub import DubConfig, Dubber
    from thg.generate_cli import _progress
    from thg.limits import Limits

    config = DubConfig(fit=fit, face_index=face_index, lang=lang, expression_scale=expression_scale,
                       watermark=not no_watermark, limits=Limits(megapixels=max_megapixels, seconds=max_seconds))
    bar, update = _progress(quiet, "dubbing")
    try:
        result = Dubber(config)(video, audio=audio, text=text, motion=motion_file, output=output,
                                overwrite=overwrite, save_motion=save_motion, progress=update)
    finally:
        if bar is not None:
            bar.render_finish()
    if not quiet:
        total = result.timings["total"]
        duration = result.n_frames / result.fps
        click.echo(f"wrote {result.output}: {result.n_frames} frames, {result.size[0]}×{result.size[1]} at "
                   f"{result.fps:g} fps in {total:.1f} s ({duration / max(total, 1e-9):.2f}x real time); "
                   f"{result.summary()}", err=True)
