"""``thg generate`` and ``thg demo``."""

from __future__ import annotations

import click

from thg.motion.speech import EMOTIONS, MotionStyle

DEMO_TEXT = ("Hello! I am a talking head, made from one photo on a plain computer. "
             "Bob bought a big blue map, and we will open it together.")


def _progress(quiet: bool, label: str):
    if quiet:
        return None, None
    bar = click.progressbar(length=1, label=label, file=click.get_text_stream("stderr"), show_pos=True)

    def update(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - bar.pos)

    return bar, update


def _run(image, *, audio=None, text=None, motion=None, output, overwrite, save_motion, quiet, config, watermark,
         no_watermark=False):
    from thg.pipeline import TalkingHeadPipeline
    from thg.post import InvisibleWatermark, Watermark

    post = ([Watermark()] if watermark else []) + ([] if no_watermark else [InvisibleWatermark()])
    pipe = TalkingHeadPipeline(config=config, post=post)
    bar, update = _progress(quiet, "rendering")
    try:
        result = pipe(image, audio=audio, text=text, motion=motion, output=output, overwrite=overwrite,
                      save_motion=save_motion, progress=update)
    finally:
        if bar is not None:
            bar.render_finish()
    if not quiet:
        t = result.timings
        click.echo(f"wrote {result.output}: {result.n_frames} frames, {result.duration:.2f} s at {result.fps:g} fps "
                   f"in {t['total']:.1f} s ({result.duration / max(t['total'], 1e-9):.1f}x real time)", err=True)
    return result


def _style_options(f):
    for opt in reversed([
        click.option("--fps", type=float, default=25.0, show_default=True, help="Frames per second."),
        click.option("--size", type=int, default=1280, show_default=True,
                     help="Cap of the output's long side in pixels (0 = the photo's own size)."),
        click.option("--expression-scale", type=float, default=1.0, show_default=True,
                     help="Strength of mouth articulation, brows and emotion."),
        click.option("--head-motion", type=float, default=1.0, show_default=True, help="Head motion (0 = still)."),
        click.option("--blink", "blink", type=float, default=17.0, show_default=True, help="Blinks per minute."),
        click.option("--emotion", type=click.Choice(list(EMOTIONS)), default="neutral", show_default=True),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed of blinks and head motion."),
        click.option("--face-index", type=int, default=0, show_default=True,
                     help="Which face to animate when the photo has several (0 = largest)."),
        click.option("--save-motion", type=click.Path(dir_okay=False), help="Also write the per-frame motion (JSON)."),
        click.option("--watermark", is_flag=True, help="Stamp a visible 'AI-generated' label into the frames."),
        click.option("--no-watermark", is_flag=True,
                     help="Leave out the invisible watermark (the C2PA manifest then says so)."),
        click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary."),
    ]):
        f = opt(f)
    return f


def _config(fps, size, expression_scale, head_motion, blink, emotion, seed, face_index, lang="en"):
    from thg.pipeline import GenerateConfig

    style = MotionStyle(expression_scale=expression_scale, head_motion=head_motion, blink_rate=blink,
                        emotion=emotion, seed=seed)
    return GenerateConfig(fps=fps, max_size=size or None, face_index=face_index, lang=lang, style=style)


@click.command()
@click.option("--image", "-i", required=True, type=click.Path(), help="Portrait photo (JPEG, PNG, WebP, BMP).")
@click.option("--audio", "-a", type=click.Path(), help="Speech (WAV, MP3, FLAC, OGG, M4A).")
@click.option("--text", "-t", help="Text to speak (UTF-8, any espeak-ng language).")
@click.option("--lang", default="en", show_default=True, help="Language of --text or --audio (espeak-ng code).")
@click.option("--motion", "motion_file", type=click.Path(), help="Render this motion file instead of deriving motion.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Output MP4.")
@_style_options
def generate(image, audio, text, lang, motion_file, output, fps, size, expression_scale, head_motion, blink,
             emotion, seed, face_index, save_motion, watermark, no_watermark, overwrite, quiet):
    """Make a talking-head video from a portrait and speech, text or a motion file."""
    config = _config(fps, size, expression_scale, head_motion, blink, emotion, seed, face_index, lang)
    _run(image, audio=audio, text=text, motion=motion_file, output=output, overwrite=overwrite,
         save_motion=save_motion, quiet=quiet, config=config, watermark=watermark, no_watermark=no_watermark)


@click.command()
@click.option("--output", "-o", default="demo.mp4", show_default=True, type=click.Path(dir_okay=False))
@click.option("--text", "-t", default=DEMO_TEXT, help="What the demo says.")
@_style_options
def demo(output, text, fps, size, expression_scale, head_motion, blink, emotion, seed, face_index, save_motion,
         watermark, no_watermark, overwrite, quiet):
    """Animate a public-domain portrait (scikit-image's astronaut) speaking a sentence."""
    from skimage import data

    config = _config(fps, size, expression_scale, head_motion, blink, emotion, seed, face_index)
    _run(data.astronaut(), text=text, output=output, overwrite=overwrite, save_motion=save_motion, quiet=quiet,
         config=config, watermark=watermark, no_watermark=no_watermark)
