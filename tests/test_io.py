import numpy as np
import pytest

from thg.errors import InputError
from thg.io import load_audio, load_image
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


def test_file_names_with_a_colon_are_local_files_for_ffmpeg(tmp_path, monkeypatch, speech_path):
    """ffmpeg reads 'http:x.m4a' as a URL (a DNS lookup) unless it is told the name is a file."""
    import subprocess

    from thg.io.video import ffmpeg_exe, probe_video

    monkeypatch.chdir(tmp_path)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(speech_path), "-c:a", "aac", "file:http:x.m4a"], check=True)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=0.5",
                    "file:rtmp:v.mp4"], check=True)
    assert abs(load_audio("http:x.m4a").duration - load_audio(speech_path).duration) < 0.1   # decoded by ffmpeg
    assert (probe_video("rtmp:v.mp4").width, probe_video("rtmp:v.mp4").height) == (64, 48)


def test_photo_over_the_pixel_limit_is_refused_from_its_header(tmp_path, portrait_path):
    with pytest.raises(InputError, match="512×512 .0 megapixels., over the 0.1 MP limit; .* --max-megapixels"):
        load_image(portrait_path, max_megapixels=0.1)
    assert load_image(portrait_path, max_megapixels=0.3).shape == (512, 512, 3)
