"""Named index sets of mediapipe's 478-point face mesh (468 surface points + 10 iris points).

"Left" and "right" are the subject's own sides (mediapipe's convention): the subject's left eye
appears on the right of a non-mirrored photo.
"""

from __future__ import annotations

import functools

import numpy as np

# Lip contours, ordered from the right mouth corner (61 outer, 78 inner) to the left (291 / 308).
LIPS_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIPS_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIPS_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MOUTH_CORNERS = (61, 291)
UPPER_LIP_CENTER = 13  # inner
LOWER_LIP_CENTER = 14  # inner

# Eye contours, corner to corner over the upper lid and under the lower lid.
RIGHT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_EYE_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LEFT_EYE_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (263, 362)
# The eyelid crease above each eye moves with a closing lid.
RIGHT_EYE_CREASE = (247, 30, 29, 27, 28, 56, 190)
LEFT_EYE_CREASE = (467, 260, 259, 257, 258, 286, 414)

RIGHT_BROW = (46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
LEFT_BROW = (276, 283, 282, 295, 285, 300, 293, 334, 296, 336)

RIGHT_IRIS = (468, 469, 470, 471, 472)  # centre first
LEFT_IRIS = (473, 474, 475, 476, 477)

FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
             377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
CHIN = 152
FOREHEAD = 10
NOSE_TIP = 1
NOSE_BRIDGE = 168

# The 68-point (iBUG / dlib / FAN) layout approximated on the mesh, for metrics that the field
# reports on 68 landmarks: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67.
IBUG68 = (
    127, 234, 93, 132, 58, 172, 136, 150, 152, 379, 365, 397, 288, 361, 323, 454, 356,  # jaw
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,                                      # brows
    168, 197, 5, 4, 75, 97, 2, 326, 305,                                                # nose
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,                          # eyes
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,                                # outer lips
    78, 82, 13, 312, 308, 317, 14, 87,                                                  # inner lips
)
IBUG68_MOUTH = tuple(range(48, 68))


_DRAWING = ("drawing_utils", "drawing_styles")


def import_mediapipe():
    """``import mediapipe``, without its drawing helpers, which thg never uses and which import
    matplotlib's pyplot: two thirds of mediapipe's import time. They stay importable: the
    ``solutions`` package loads them on first use."""
    import importlib
    import sys
    import types

    if "mediapipe" in sys.modules:
        return sys.modules["mediapipe"]
    base = "mediapipe.python.solutions"
    stubs = {name: types.ModuleType(f"{base}.{name}") for name in _DRAWING if f"{base}.{name}" not in sys.modules}
    if "drawing_utils" in stubs:
        stubs["drawing_utils"].DrawingSpec = lambda *a, **k: None  # type: ignore[attr-defined]  # drawing_styles's one need
    for name, stub in stubs.items():
        sys.modules[f"{base}.{name}"] = stub
    try:
        import mediapipe
    finally:
        solutions = sys.modules.get(base)
        for name, stub in stubs.items():
            if sys.modules.get(f"{base}.{name}") is stub:
                del sys.modules[f"{base}.{name}"]
            if solutions is not None and getattr(solutions, name, None) is stub:
                delattr(solutions, name)
        if solutions is not None and stubs:
            def lazy(name: str):
                if name in _DRAWING:
                    return importlib.import_module(f"{base}.{name}")
                raise AttributeError(f"module {base!r} has no attribute {name!r}")
            solutions.__getattr__ = lazy  # type: ignore[attr-defined]
    return mediapipe


@functools.lru_cache(maxsize=1)
def mesh_triangles():
    """The face mesh's 852 surface triangles (an int array n×3, read-only: derived once from
    mediapipe's edge list, then shared).

    The surface is a disc with three holes (mouth, eyes); its boundary is FACE_OVAL.
    """
    from collections import Counter

    import numpy as np

    import_mediapipe()
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION

    edges = {tuple(sorted(e)) for e in FACEMESH_TESSELATION}
    neighbours: dict[int, set[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    cycles = {tuple(sorted((a, b, c))) for a, b in edges for c in neighbours[a] & neighbours[b]}
    uses = Counter(e for t in cycles for e in ((t[0], t[1]), (t[0], t[2]), (t[1], t[2])))
    # a 3-cycle that is not a face has all three edges shared with two real faces besides itself
    faces = [t for t in cycles if not all(uses[e] == 3 for e in ((t[0], t[1]), (t[0], t[2]), (t[1], t[2])))]
    triangles = np.array(sorted(faces), dtype=np.int32)
    triangles.setflags(write=False)
    return triangles


# --- the one definition of how open the mouth and the eyes are --------------------------------
def mouth_opening(points: np.ndarray) -> np.ndarray:
    """Inner-lip gap over mouth width (0 = closed) of mesh points (...×478×2 or 3), in the
    coordinates given (image pixels, or a pose-free face frame): the five middle inner-lip
    pairs' mean vertical gap, never below 0."""
    points = np.asarray(points, np.float64)
    up = points[..., list(LIPS_INNER_UPPER[3:8]), 1].mean(-1)
    lo = points[..., list(LIPS_INNER_LOWER[3:8]), 1].mean(-1)
    a, b = MOUTH_CORNERS
    width = np.linalg.norm(points[..., a, :2] - points[..., b, :2], axis=-1)
    return np.maximum(lo - up, 0.0) / np.maximum(width, 1e-6)


def eye_openness(points: np.ndarray) -> np.ndarray:
    """Lid gap over eye width of each eye, (...×2: right, left), in the coordinates given: the
    three middle lid pairs' mean vertical gap; about 0.25-0.35 open, under 0.1 closed."""
    points = np.asarray(points, np.float64)

    def one(upper, lower, corners):
        gap = np.abs(points[..., list(upper[3:6]), 1] - points[..., list(lower[3:6]), 1]).mean(-1)
        width = np.linalg.norm(points[..., corners[0], :2] - points[..., corners[1], :2], axis=-1)
        return gap / np.maximum(width, 1e-6)

    return np.stack([one(RIGHT_EYE_UPPER, RIGHT_EYE_LOWER, RIGHT_EYE_CORNERS),
                     one(LEFT_EYE_UPPER, LEFT_EYE_LOWER, LEFT_EYE_CORNERS)], -1)
