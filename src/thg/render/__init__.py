"""Rendering: portrait + per-frame motion -> frames."""

from thg.render.renderer import MeshWarpRenderer, Renderer

__all__ = ["MeshWarpRenderer", "Renderer"]
