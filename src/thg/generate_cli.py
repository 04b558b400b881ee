"""``thg generate`` and ``thg demo``.

Everything a user types is checked before any work starts: option ranges when the command line
is read (:mod:`thg.options`), then the text, the language, the outputs against the inputs, and
which options apply together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from thg.errors import UsageError
from thg.limits import Limits
from thg.motion.speech import EMOTIONS, STYLE_RANGES, MotionStyle
from thg.options import FACE_INDEX, FPS, NO_WATERMARK, SEED, SIZE, Bounded, limit_options

if TYPE_CHECKING:
    from thg.pipeline import GenerateConfig

DEMO_TEXT = ("Hello! I am a talking head, made from one photo on a plain computer. "
             "Bob bought a big blue map, and we will open it together.")

#: options that shape speech-driven motion (meaningless with --motion, which holds the motion)
STYLE_OPTIONS = ("fps", "expression_scale", "head_motion", "blink", "emotion", "seed", "lang")
#: how --fit makes --motion and --audio the same length
FIT_CHOICES = ("audio", "motion")


def _progress(quiet: bool, label: str):
    if quiet:
        return None, None
    import sys

    bar = click.progressbar(length=1, label=label, file=sys.stderr, show_pos=True)

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


def _style(name: str) -> Bounded:
    _, lo, hi = STYLE_RANGES[name]
    return Bounded(lo, hi, integer=isinstance(hi, int))


def _style_options(f):
    for opt in reversed([
        click.option("--fps", type=FPS, default=25.0, show_default=True, help="Frames per second."),
        click.option("--size", type=SIZE, default=1280, show_default=True,
                     help="Cap of the output's long side in pixels (0 = the photo's own size)."),
        click.option("--expression-scale", type=_style("expression_scale"), default=1.0, show_default=True,
                     help="Strength of mouth articulation, brows and emotion."),
        click.option("--head-motion", type=_style("head_motion"), default=1.0, show_default=True,
                     help="Head motion (0 = still)."),
        click.option("--blink", "blink", type=_style("blink_rate"), default=17.0, show_default=True,
                     help="Blinks per minute."),
        click.option("--emotion", type=click.Choice(list(EMOTIONS)), default="neutral", show_default=True),
        click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of blinks and head motion."),
        click.option("--face-index", type=FACE_INDEX, default=0, show_default=True,
                     help="Which face to animate when the photo has several (0 = largest)."),
        click.option("--save-motion", type=click.Path(dir_okay=False), help="Also write the per-frame motion (JSON)."),
        click.option("--watermark", is_flag=True, help="Stamp a visible 'AI-generated' label into the frames."),
        NO_WATERMARK,
        click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary."),
    ]):
        f = opt(f)
    return limit_options(f)


def _config(fps, size, expression_scale, head_motion, blink, emotion, seed, face_index, lang="en", limits=None):
    from thg.pipeline import GenerateConfig

    style = MotionStyle(expression_scale=expression_scale, head_motion=head_motion, blink_rate=blink,
                        emotion=emotion, seed=seed)
    return GenerateConfig(fps=fps, max_size=size or None, face_index=face_index, lang=lang, style=style,
                          limits=limits or Limits())


def check_text(text: str | None, limits: Limits) -> None:
    """Text to speak: not empty, valid UTF-8 (a shell can pass other bytes), within the length limit."""
    if text is None:
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise UsageError(f"--text is not valid UTF-8 (byte {e.object[e.start:e.end].encode('utf-8', 'surrogateescape')!r}"
                         f" at character {e.start}); give UTF-8 text") from None
    if not text.strip(" \t\r\n.,;:!?-…'\"()[]"):
        raise UsageError(f"--text {text[:20]!r} has no words to speak; give the sentence to speak")
    limits.check_text(text)


def check_lang(lang: str) -> str:
    """An espeak-ng language code, resolved to its voice (``zh`` -> ``cmn``)."""
    from thg.features.speech import _voice_table, resolve_lang

    table = _voice_table()
    if table and lang.strip().lower() not in table:
        raise UsageError(f"--lang {lang!r} is not a language espeak-ng speaks; use a code such as en, de, fr, es, "
                         f"zh, hi (`espeak-ng --voices` lists them)")
    return resolve_lang(lang)


def check_motion_options(ctx: click.Context, motion_file, audio, fit) -> None:
    """With --motion the motion is given: style options would be silently ignored, so they are refused."""
    from click.core import ParameterSource

    if motion_file is None:
        if fit is not None:
            raise UsageError("--fit applies to --motion with --audio; drop it")
        return
    for name in STYLE_OPTIONS:
        if ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            option = "--" + name.replace("_", "-")
            raise UsageError(f"{option} does not apply with --motion (the motion file holds the motion and its "
                             f"frame rate); drop {option}, or drive the face with --audio alone")
    if fit is not None and audio is None:
        raise UsageError("--fit applies to --motion with --audio; drop it")


def fit_motion(motion_file, audio, fit: str | None, limits: Limits):
    """The motion file as a track the length of the output: with --audio their lengths must agree
    (within a frame) unless ``fit`` says which one sets the length (``audio``: the motion is cut
    or its last frame held; ``motion``: the audio is cut or padded with silence)."""
    import numpy as np

    from thg.io.audio import load_audio
    from thg.motion.track import MotionTrack

    track = MotionTrack.load(motion_file, max_seconds=limits.seconds)
    if audio is None:
        return track
    seconds = load_audio(audio, max_seconds=limits.seconds).duration
    n_audio = max(1, int(round(seconds * track.fps)))
    if abs(n_audio - len(track)) <= 1 or fit == "motion":
        return track
    if fit is None:
        raise UsageError(f"--motion {motion_file} lasts {track.duration:.2f} s but --audio {audio} {seconds:.2f} s; "
                         f"choose --fit audio (the motion is cut or held to the audio) or --fit motion "
                         f"(the audio is cut or padded with silence)")
    rows = np.arange(n_audio).clip(max=len(track) - 1)
    return MotionTrack(track.fps, track.values[rows], dict(track.meta, fit="audio"))


@click.command()
@click.option("--image", "-i", required=True, type=click.Path(), help="Portrait photo (JPEG, PNG, WebP, BMP).")
@click.option("--audio", "-a", type=click.Path(), help="Speech (WAV, MP3, FLAC, OGG, M4A).")
@click.option("--text", "-t", help="Text to speak (UTF-8, any espeak-ng language).")
@click.option("--lang", default="en", show_default=True, help="Language of --text or --audio (espeak-ng code).")
@click.option("--motion", "motion_file", type=click.Path(), help="Render this motion file instead of deriving motion.")
@click.option("--fit", type=click.Choice(FIT_CHOICES),
              help="With --motion and --audio of different lengths: which one sets the video's length.")
@click.option("--output", "-o", required=True, type=click.Path(), help="Output MP4.")
@_style_options
@click.pass_context
def generate(ctx, image, audio, text, lang, motion_file, fit, output, fps, size, expression_scale, head_motion,
             blink, emotion, seed, face_index, save_motion, watermark, no_watermark, overwrite, quiet,
             max_megapixels, max_seconds):
    """Make a talking-head video from a portrait and speech, text or a motion file."""
    run_generate(plan_generate(ctx), quiet=quiet)


@dataclass(frozen=True)
class GenerateJob:
    """One `thg generate` run, its options checked (:func:`plan_generate`); picklable, so that it can
    run in another process or on another machine (:func:`run_generate`)."""

    image: str
    output: str
    config: GenerateConfig
    audio: str | None = None
    text: str | None = None
    motion_file: str | None = None
    fit: str | None = None
    save_motion: str | None = None
    watermark: bool = False
    no_watermark: bool = False
    overwrite: bool = False


def plan_generate(ctx: click.Context, *, outputs: bool = True) -> GenerateJob:
    """Every check of `thg generate`'s options that needs no decoding, on ``ctx.params`` (the
    command line as click parsed it: ranges and choices are checked by then); the checked job.
    ``outputs=False`` leaves out the checks of the output paths (for a table checked before its
    output folder exists)."""
    from thg.io.output import check_outputs
    from thg.options import check_drivers

    p = ctx.params
    limits = Limits(megapixels=p["max_megapixels"], seconds=p["max_seconds"])
    check_text(p["text"], limits)
    check_motion_options(ctx, p["motion_file"], p["audio"], p["fit"])
    if outputs:
        check_outputs({"--output": p["output"], "--save-motion": p["save_motion"]}, overwrite=p["overwrite"],
                      inputs=[p["image"], p["audio"], p["motion_file"]],
                      kinds={"--output": "video", "--save-motion": "motion"})
    lang = p["lang"] if p["motion_file"] is not None else check_lang(p["lang"])
    config = _config(p["fps"], p["size"], p["expression_scale"], p["head_motion"], p["blink"], p["emotion"],
                     p["seed"], p["face_index"], lang, limits)
    check_drivers(p["audio"], p["text"], p["motion_file"])
    return GenerateJob(image=p["image"], output=p["output"], config=config, audio=p["audio"], text=p["text"],
                       motion_file=p["motion_file"], fit=p["fit"], save_motion=p["save_motion"],
                       watermark=p["watermark"], no_watermark=p["no_watermark"], overwrite=p["overwrite"])


def run_generate(job: GenerateJob, *, quiet: bool = True):
    """Render a planned job into its output; returns the :class:`thg.pipeline.GenerateResult`."""
    config, motion = job.config, job.motion_file
    if job.motion_file is not None and job.text is None:
        motion = fit_motion(job.motion_file, job.audio, job.fit, config.limits)
        config = _config(motion.fps, config.max_size or 0, 1.0, 1.0, 17.0, "neutral", 0, config.face_index,
                         config.lang, config.limits)
    return _run(job.image, audio=job.audio, text=job.text, motion=motion, output=job.output,
                overwrite=job.overwrite, save_motion=job.save_motion, quiet=quiet, config=config,
                watermark=job.watermark, no_watermark=job.no_watermark)


@click.command()
@click.option("--output", "-o", default="demo.mp4", show_default=True, type=click.Path())
@click.option("--text", "-t", default=DEMO_TEXT, help="What the demo says.")
@_style_options
def demo(output, text, fps, size, expression_scale, head_motion, blink, emotion, seed, face_index, save_motion,
         watermark, no_watermark, overwrite, quiet, max_megapixels, max_seconds):
    """Animate a public-domain portrait (scikit-image's astronaut) speaking a sentence."""
    from skimage import data

    from thg.io.output import check_outputs

    limits = Limits(megapixels=max_megapixels, seconds=max_seconds)
    check_text(text, limits)
    check_outputs({"--output": output, "--save-motion": save_motion}, overwrite=overwrite,
                  kinds={"--output": "video", "--save-motion": "motion"})
    config = _config(fps, size, expression_scale, head_motion, blink, emotion, seed, face_index, limits=limits)
    _run(data.astronaut(), text=text, output=output, overwrite=overwrite, save_motion=save_motion, quiet=quiet,
         config=config, watermark=watermark, no_watermark=no_watermark)
