"""The one list of file suffixes thg reads and writes, by kind of file.

Readers accept every suffix of their kind (and try the content whatever the name says); writers
refuse a name whose suffix promises another container, so that ``out.webm`` never holds MP4 data.
"""

from __future__ import annotations

#: kind -> suffixes thg can read (the first one is what a hint suggests)
READ: dict[str, tuple[str, ...]] = {
    "image": (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"),
    "audio": (".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".mp4"),
    "video": (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"),
    "motion": (".json",),
    "stream": (".thm",),
}

#: kind -> suffixes thg writes under, and what it writes there (the first one is the suggestion)
WRITE: dict[str, tuple[tuple[str, ...], str]] = {
    "video": ((".mp4", ".m4v"), "MP4 video (H.264)"),
    "motion": ((".json",), "a JSON motion file"),
    "stream": ((".thm",), "a .thm motion stream"),
}
