"""Post-processing of rendered frames, and provenance of the output: the invisible watermark
(:mod:`thg.post.watermark`) and its detector."""

from thg.post.provenance import PROVENANCE, Watermark
from thg.post.watermark import Detection, InvisibleWatermark, detect, embed

__all__ = ["PROVENANCE", "Watermark", "InvisibleWatermark", "Detection", "embed", "detect"]
