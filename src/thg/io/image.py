"""Load portraits of any common format and depth as RGB uint8."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from thg.errors import InputError
from thg.io.formats import READ
from thg.limits import Limits

IMAGE_SUFFIXES = READ["image"]

# EXIF Orientation (tag 274) -> how to turn the stored pixels upright, as array operations
# (the same as Pillow's ImageOps.exif_transpose; np.rot90 turns counter-clockwise).
_UPRIGHT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


def _header(path: str | os.PathLike) -> tuple[tuple[int, int] | None, int]:
    """From the file's header alone (nothing decoded): its (width, height) if Pillow knows the
    format, and the EXIF Orientation still to apply to what OpenCV decodes: 1 (nothing) without
    the tag, for TIFF (OpenCV's TIFF reader turns the pixels itself) or when Pillow cannot read it."""
    import warnings

    from PIL import Image

    bomb_limit = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = None  # Pillow's own bomb check: the caller applies its limit to the size
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                return im.size, _orientation(im)
    except Exception:  # damaged headers break Pillow's parsers in many ways: OpenCV then decides
        return None, 1
    finally:
        Image.MAX_IMAGE_PIXELS = bomb_limit


def _orientation(im) -> int:
    """The Orientation tag without decoding the pixels (Pillow's PNG ``getexif`` decodes them all)."""
    from PIL import Image

    if im.format == "TIFF":
        return 1
    if im.format == "PNG":
        exif = Image.Exif()
        if im.info.get("exif"):
            exif.load(im.info["exif"])
    else:
        exif = im.getexif()
    return int(exif.get(0x0112, 1))


def to_rgb8(image: np.ndarray) -> np.ndarray:
    """Convert gray, RGBA, 16-bit or float images to contiguous RGB uint8."""
    img = np.asarray(image)
    if img.dtype == np.uint16:
        img = (img.astype(np.float32) / 257.0).round().astype(np.uint8)
    elif img.dtype.kind == "f":
        scale = 255.0 if img.max(initial=0) <= 1.0 else 1.0
        img = np.clip(img * scale, 0, 255).round().astype(np.uint8)
    elif img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    elif img.ndim == 3 and img.shape[2] == 4:  # composite on white
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0
        img = (img[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)).round().astype(np.uint8)
    elif img.ndim == 3 and img.shape[2] == 2:
        img = np.repeat(img[:, :, :1], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3:
        raise InputError(f"image has shape {image.shape}; expected H×W, H×W×3 or H×W×4")
    return np.ascontiguousarray(img)


def load_image(path: str | os.PathLike, *, max_megapixels: float = Limits.megapixels) -> np.ndarray:
    """Read a photo (JPEG, PNG, WebP, BMP, TIFF; gray, RGBA or 16-bit) as an H×W×3 RGB uint8 array,
    turned upright by its EXIF orientation (phone photos are often stored sideways with a tag).
    A photo over ``max_megapixels`` is refused from its header, before it takes any memory."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: image not found; check the path")
    size, orientation = _header(path)
    limits = Limits(megapixels=max_megapixels)
    if size is not None:
        limits.check_pixels(*size, str(path))
    data = np.fromfile(path, dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None:
        raise InputError(f"{path}: cannot read this image (corrupt, truncated or not an image); "
                         f"use a JPEG, PNG, WebP or BMP photo")
    if img.ndim == 3 and img.shape[2] == 3:
        img = img[:, :, ::-1]
    elif img.ndim == 3 and img.shape[2] == 4:
        img = img[:, :, [2, 1, 0, 3]]
    limits.check_pixels(img.shape[1], img.shape[0], str(path))  # formats Pillow could not size
    img = _UPRIGHT.get(orientation, lambda a: a)(img)
    if min(img.shape[:2]) < 32:
        raise InputError(f"{path}: image is only {img.shape[1]}×{img.shape[0]} pixels; use a photo at least 128 px on each side")
    return to_rgb8(img)


def fit_long_side(image: np.ndarray, max_side: int | None) -> np.ndarray:
    """Downscale so the long side is at most ``max_side``; sides are made even (H.264 needs it)."""
    import cv2

    h, w = image.shape[:2]
    scale = 1.0 if not max_side or max(h, w) <= max_side else max_side / max(h, w)
    nh, nw = max(2, int(round(h * scale)) // 2 * 2), max(2, int(round(w * scale)) // 2 * 2)
    if (nh, nw) == (h, w):
        return image
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.ascontiguousarray(cv2.resize(image, (nw, nh), interpolation=interp))
