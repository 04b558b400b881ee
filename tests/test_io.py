import numpy as np
import pytest

from thg.errors import InputError, OutputExistsError
from thg.io import atomic_output, load_audio, load_image
from thg.io.image import fit_long_side


def test_image_formats_all_load_as_rgb8(tmp_path, portrait):
    import cv2

    variants = {
        "a.jpg": portrait[:, :, ::-1],
        "b.webp": portrait[:, :, ::-1],
        "c.bmp": portrait[:, :, ::-1],
        "gray.png": cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY),
        "deep.png": (portrait[:, :, ::-1].astype(np.uint16) * 257),
        "rgba.png": np.dstack([portrait[:, :, ::-1], np.full(portrait.shape[:2], 255, np.uint8)]),
    }
    for name, arr in variants.items():
        cv2.imwrite(str(tmp_path / name), arr)
        img = load_image(tmp_path / name)
        assert img.shape == portrait.shape and img.dtype == np.uint8, name
        if name in ("deep.png", "rgba.png", "c.bmp"):
            assert np.array_equal(img, portrait), name


def _save_with_orientation(path, pixels: np.ndarray, orientation: int) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    extra = {"tiffinfo": {0x0112: orientation}} if path.suffix == ".tif" else {"exif": exif}
    Image.fromarray(pixels).save(path, quality=95, **extra)


@pytest.mark.parametrize("suffix, orientation, stored_as", [
    (".jpg", 6, "ROTATE_90"), (".jpg", 8, "ROTATE_270"), (".jpg", 3, "ROTATE_180"),
    (".png", 6, "ROTATE_90"), (".webp", 6, "ROTATE_90"), (".tif", 6, "ROTATE_90")])
def test_phone_photo_stored_sideways_loads_upright(tmp_path, portrait, suffix, orientation, stored_as):
    from PIL import Image

    upright = portrait[:, 60:460]  # not square, so a missed turn also shows in the shape
    sideways = np.asarray(Image.fromarray(upright).transpose(getattr(Image.Transpose, stored_as)))
    _save_with_orientation(tmp_path / f"phone{suffix}", sideways, orientation)
    img = load_image(tmp_path / f"phone{suffix}")
    assert img.shape == upright.shape
    assert np.corrcoef(img.ravel(), upright.ravel())[0, 1] > 0.99


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("gray", [False, True])
def test_every_exif_orientation_matches_pillow(tmp_path, portrait, orientation, gray):
    import cv2
    from PIL import Image, ImageOps

    pixels = portrait[:300, :450]
    if gray:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    _save_with_orientation(tmp_path / "o.jpg", pixels, orientation)
    with Image.open(tmp_path / "o.jpg") as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB")).astype(int)
    img = load_image(tmp_path / "o.jpg")
    assert img.shape == expected.shape and np.abs(img - expected).mean() < 2


def test_truncated_image_is_a_clear_error(tmp_path, portrait_path):
    bad = tmp_path / "cut.png"
    bad.write_bytes(portrait_path.read_bytes()[:200])
    with pytest.raises(InputError, match="cut.png: cannot read"):
        load_image(bad)


def test_fit_long_side_caps_and_keeps_even(portrait):
    out = fit_long_side(portrait[:301, :401], 200)
    assert max(out.shape[:2]) <= 200 and out.shape[0] % 2 == 0 and out.shape[1] % 2 == 0


def test_audio_any_rate_and_channels(tmp_path, speech_path):
    import soundfile as sf

    data, rate = sf.read(str(speech_path))
    sf.write(str(tmp_path / "st.flac"), np.stack([data, data], 1), rate)
    sf.write(str(tmp_path / "r44.ogg"), np.interp(np.arange(0, len(data), rate / 44100), np.arange(len(data)), data), 44100)
    ref = load_audio(speech_path)
    for name in ("st.flac", "r44.ogg"):
        a = load_audio(tmp_path / name)
        assert a.sample_rate == 16000 and abs(a.duration - ref.duration) < 0.05, name


def test_atomic_output_gives_ordinary_permissions(tmp_path):
    import os

    with atomic_output(tmp_path / "new.txt") as tmp:
        tmp.write_text("done")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_output_keeps_existing_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("precious")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        with atomic_output(target):
            pass
    with pytest.raises(RuntimeError):
        with atomic_output(target, overwrite=True) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
