"""Reading and writing images, audio and video; atomic output files."""

from thg.io.audio import SAMPLE_RATE, Audio, load_audio, save_wav
from thg.io.image import load_image
from thg.io.output import atomic_output
from thg.io.video import VideoWriter, read_video_frames, probe_video

__all__ = [
    "SAMPLE_RATE",
    "Audio",
    "load_audio",
    "save_wav",
    "load_image",
    "atomic_output",
    "VideoWriter",
    "read_video_frames",
    "probe_video",
]
