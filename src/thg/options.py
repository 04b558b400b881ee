"""Command-line option types that check their range when the command line is read.

Every number a user types is finite and inside a stated range, and the error says the range:
``Invalid value for '--blink': 1e6 is out of range; use 0 to 60 (blinks per minute)``.
The limits that guard against hour-long jobs and runaway memory are options too (:func:`limit_options`),
so that a user who really means it can raise them.
"""

from __future__ import annotations

import math

import click

from thg.limits import Limits


def check_drivers(audio, text, motion, *, nothing: str = "nothing drives the face") -> None:
    """What drives the face: speech (--audio) or text, optionally with a motion file (--motion);
    ``nothing`` begins the error when none is given."""
    from thg.errors import UsageError

    if audio is not None and text is not None:
        raise UsageError("give either --audio or --text, not both")
    if audio is None and text is None and motion is None:
        raise UsageError(f"{nothing}; give --audio SPEECH, --text \"...\" or --motion FILE")
    if text is not None and motion is not None:
        raise UsageError("--motion replaces the speech-driven motion; give --audio with it, not --text")


class Bounded(click.ParamType):
    """A finite int or float in ``[lo, hi]`` (or one of ``also``, e.g. 0 for "off")."""

    def __init__(self, lo: float, hi: float, *, integer: bool = False, unit: str = "",
                 also: tuple[float, ...] = ()) -> None:
        self.lo, self.hi, self.integer, self.unit, self.also = lo, hi, integer, unit, also
        self.name = "integer" if integer else "number"

    @property
    def range_text(self) -> str:
        fmt = (lambda v: f"{int(v)}") if self.integer else (lambda v: f"{v:g}")
        text = f"{fmt(self.lo)} to {fmt(self.hi)}"
        if self.also:
            text = " or ".join(fmt(v) for v in self.also) + f", or {text}"
        return text + (f" ({self.unit})" if self.unit else "")

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value), 10) if self.integer else float(str(value))
            except (TypeError, ValueError, OverflowError):
                self.fail(f"{str(value)[:40]!r} is not {'a whole number' if self.integer else 'a number'}; "
                          f"use {self.range_text}", param, ctx)
        if number in self.also:
            return number
        if (isinstance(number, float) and not math.isfinite(number)) or not self.lo <= number <= self.hi:
            shown = str(value)[:40] + ("..." if len(str(value)) > 40 else "")
            self.fail(f"{shown} is out of range; use {self.range_text}", param, ctx)
        return number

    def get_metavar(self, param, ctx=None) -> str:  # click >= 8.2 passes ctx
        return f"[{self.range_text.split(' (')[0].replace(' to ', '..')}]"


FPS = Bounded(1, 120, unit="frames per second")
SIZE = Bounded(64, 8192, integer=True, also=(0,), unit="pixels of the long side, 0 = the photo's own")
SEED = Bounded(0, 2**32 - 1, integer=True)
FACE_INDEX = Bounded(0, 19, integer=True, unit="0 = the largest face")
SMOOTH = Bounded(0, 10, unit="0 = off")
QUALITY = Bounded(1, 100, integer=True)


def limit_options(f):
    """``--max-megapixels`` and ``--max-seconds``, passed on as a ``limits`` argument."""

    f = click.option("--max-seconds", type=Bounded(1, 86400, unit="seconds"), default=Limits.seconds,
                     show_default=True, help="Longest speech, text, motion or driving video accepted.")(f)
    f = click.option("--max-megapixels", type=Bounded(1, 1000, unit="megapixels"), default=Limits.megapixels,
                     show_default=True, help="Largest photo accepted (checked before it is decoded).")(f)
    return f


#: ``--no-watermark`` of every command that writes an MP4 of rendered frames
NO_WATERMARK = click.option("--no-watermark", is_flag=True,
                            help="Leave out the invisible watermark (the C2PA manifest then says so).")
