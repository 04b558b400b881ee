"""Motion capture from video, reenactment of a portrait by a driving video."""

from thg.reenact.reenact import MODES, REGIONS, ReenactConfig, Reenactor, ReenactResult, resample
from thg.reenact.tracking import StreamTracker, TrackResult, track_video

__all__ = ["MODES", "REGIONS", "ReenactConfig", "ReenactResult", "Reenactor", "StreamTracker", "TrackResult",
           "resample", "track_video"]
