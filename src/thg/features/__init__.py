"""Feature extraction: face geometry, phonemes and prosody."""

from thg.features.face import FaceGeometry, FaceMesher, find_face

__all__ = ["FaceGeometry", "FaceMesher", "find_face"]
