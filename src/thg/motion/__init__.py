"""Motion: per-frame head pose, mouth, eyes and brows, and the drivers that produce it."""

from thg.motion.track import CHANNEL_NAMES, CHANNELS, MotionTrack

__all__ = ["CHANNELS", "CHANNEL_NAMES", "MotionTrack"]
