"""Post-processing of rendered frames, and provenance of the output: the invisible watermark
(:mod:`thg.post.watermark`: :func:`embed`, :func:`detect`) and C2PA content credentials
(:mod:`thg.post.credentials`: :func:`sign_mp4`, :func:`read_manifest`)."""

from thg.post.credentials import Claims, ManifestReport, read_manifest, sign_mp4
from thg.post.provenance import PROVENANCE, Watermark
from thg.post.watermark import Detection, InvisibleWatermark, detect, embed

__all__ = ["PROVENANCE", "Watermark", "InvisibleWatermark", "Detection", "embed", "detect", "Claims",
           "ManifestReport", "sign_mp4", "read_manifest"]
