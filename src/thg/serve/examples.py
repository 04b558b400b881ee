"""Portraits that ship with thg's dependencies, offered by name (a client never names a file)."""

from __future__ import annotations

import functools

import numpy as np

from thg.errors import InputError

#: name -> (what it shows, its licence)
EXAMPLES = {
    "astronaut": "Eileen Collins, NASA portrait (public domain; scikit-image's sample data)",
    "grace_hopper": "Grace Hopper (public domain; matplotlib's sample data)",
}


@functools.lru_cache(maxsize=None)
def example_portrait(name: str) -> np.ndarray:
    """The RGB portrait called ``name``."""
    if name == "astronaut":
        from skimage import data

        return data.astronaut()
    if name == "grace_hopper":
        import matplotlib.cbook
        from PIL import Image

        with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
            return np.asarray(image.convert("RGB"))
    raise InputError(f"example {name!r} is not known; choose one of {', '.join(EXAMPLES)}")


@functools.lru_cache(maxsize=None)
def example_jpeg(name: str) -> bytes:
    """A small JPEG of the example, for the page's gallery."""
    import cv2

    img = example_portrait(name)
    scale = 256 / max(img.shape[:2])
    small = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
    return buf.tobytes()
