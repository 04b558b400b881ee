"""Post-processing of rendered frames, and provenance of the output."""

from thg.post.provenance import PROVENANCE, Watermark

__all__ = ["PROVENANCE", "Watermark"]
