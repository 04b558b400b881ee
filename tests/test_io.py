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
