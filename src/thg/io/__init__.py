"""Reading and writing images, audio and video; atomic output files."""

from thg.io.audio import SAMPLE_RATE, Audio, load_audio, save_wav
from thg.io.image import load_image
from thg.io.output import atomic_output
from thg.io.video import VideoWriter, probe_video, read_video_frames

__all__ = [
    "SAMPLE_RATE",
    "Audio",
    "VideoWriter",
    "atomic_output",
    "load_audio",
    "load_image",
    "probe_video",
    "read_video_frames",
    "save_wav",
]
