"""Dubbing: an existing clip plus new speech in, the same clip with the lips following it out."""

from thg.dub.dub import DubConfig, Dubber, DubResult

__all__ = ["DubConfig", "DubResult", "Dubber"]
