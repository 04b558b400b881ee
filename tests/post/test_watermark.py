"""The invisible watermark on a real photo: invisible by the numbers, found after re-uploads, absent
from unmarked video."""

from __future__ import annotations

import numpy as np
import pytest

from thg.post import attacks, watermark as wm

ID = 0x5EED1234
FRAMES = 100  # 4 s at 25 fps


def _clip(photo: np.ndarray, n: int = FRAMES) -> list[np.ndarray]:
    """A 512 px clip of the photo with a slow sway (so frames differ like a talking head's)."""
    import cv2

    base = cv2.resize(photo, (512, 512), interpolation=cv2.INTER_AREA)
    out = []
    for i in range(n):
        m = np.float32([[1, 0, 1.5 * np.sin(i / 7)], [0, 1, np.cos(i / 9)]])
        out.append(cv2.warpAffine(base, m, (512, 512), borderMode=cv2.BORDER_REFLECT))
    return out


def _write(path, frames, fps=25.0):
    from thg.io import VideoWriter

    with VideoWriter(path, frames[0].shape[1], frames[0].shape[0], fps=fps, crf=18) as w:
        for f in frames:
            w.write(f)
    return path


@pytest.fixture(scope="module")
def host(portrait):
    return _clip(portrait)


@pytest.fixture(scope="module")
def marked(host):
    return list(wm.embed((f.copy() for f in host), ID))


@pytest.fixture(scope="module")
def marked_file(tmp_path_factory, marked):
    return _write(tmp_path_factory.mktemp("wm") / "marked.mp4", marked)


def test_invisible_by_psnr_and_quiet_in_flat_regions(host, marked):
    import cv2

    diff = np.stack([m.astype(np.float64) - h for m, h in zip(marked, host)])
    psnr = 10 * np.log10(255 ** 2 / np.mean(diff ** 2))
    assert psnr >= 42.0
    # flat regions (low local detail in the photo) get clearly less of the mark than textured ones
    gray = cv2.cvtColor(host[0], cv2.COLOR_RGB2GRAY).astype(np.float32)
    detail = cv2.GaussianBlur(np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 2)), (0, 0), 4)
    flat, busy = detail < np.percentile(detail, 20), detail > np.percentile(detail, 80)
    unclipped = (gray > 8) & (gray < 247)
    rms = lambda sel: float(np.sqrt(np.mean(diff[0][..., 1][sel & unclipped] ** 2)))  # noqa: E731
    assert rms(flat) < 0.75 * rms(busy)


def test_found_with_its_id_in_the_marked_file(marked_file):
    det = wm.detect(marked_file)
    assert det.found and det.payload_valid and det.output_id == ID
    assert det.false_alarm <= 1e-6 and det.n_frames == FRAMES


@pytest.mark.parametrize("name", ["crf30", "scale50", "crop10", "fps30", "brighter20", "contrast-20"])
def test_survives_reuploads(marked_file, tmp_path, name):
    out = tmp_path / f"{name}.mp4"
    attacks.apply(marked_file, out, attacks.ATTACKS[name][0])
    det = wm.detect(out)
    assert det.found, f"{name}: z={det.z:.2f}"
    assert det.false_alarm <= wm.FALSE_ALARM


def test_survives_an_excerpt(marked_file, tmp_path):
    out = tmp_path / "excerpt.mp4"
    attacks.apply(marked_file, out, start=0.8, duration=1.0)
    det = wm.detect(out)
    assert det.found and det.n_frames == 25


@pytest.mark.parametrize("which", ["photo", "other_photo"])
def test_nothing_found_in_unmarked_video(host, tmp_path, which):
    import matplotlib.cbook

    from thg.io import load_image

    frames = host if which == "photo" else _clip(load_image(matplotlib.cbook.get_sample_data("grace_hopper.jpg",
                                                                                          asfileobj=False)))
    det = wm.detect(_write(tmp_path / "plain.mp4", frames))
    assert not det.found and det.output_id is None
    assert det.z < wm.threshold()


def test_null_statistic_is_standard_under_other_keys(marked):
    """Under keys that did not mark it, the statistic at a fixed hypothesis behaves as N(0, 1)
    (what the false-alarm bound assumes): here over 200 keys on the marked clip itself."""
    import cv2

    luma = np.mean([wm._luma(f) for f in marked[:10]], axis=0)
    work = cv2.resize(luma, (wm.WORK, wm.WORK), interpolation=cv2.INTER_AREA)
    folded = wm._hypothesis(work, 1.0, 1.0)
    zs = np.array([wm._corr(folded, wm._patterns(f"other-{k}")[0])[0, 0] for k in range(200)])
    zs /= np.linalg.norm(folded)
    assert abs(zs.mean()) < 0.25 and 0.8 < zs.std() < 1.2


def test_payload_round_trip_and_crc():
    for value in (0, 1, ID, 2 ** 32 - 1):
        assert wm._unsymbols(wm._symbols(value)) == (value, True)
    broken = wm._symbols(ID)
    broken[2] ^= 1
    assert wm._unsymbols(broken)[1] is False


def test_one_lost_symbol_is_repaired_and_a_garbled_payload_rarely_passes():
    """A clip that loses one symbol to a wrong peak still yields its id (the runner-up peak is the
    right one), two lost symbols yield none, and random symbols pass the 16 check bits with the
    repair's extra tries about N_SYMBOLS · 2⁻¹⁶ of the time."""
    rng = np.random.default_rng(1)
    right = wm._symbols(0x1234ABCD)
    for i in range(wm.N_SYMBOLS):
        lost = list(right)
        lost[i] = (right[i] + 77) % 4096
        margins = [1.0] * wm.N_SYMBOLS
        margins[i] = 0.1
        assert wm._repair(lost, right, margins) == (0x1234ABCD, True)
    two = [(s + 5) % 4096 for s in right[:2]] + right[2:]
    assert wm._repair(two, [(s + 9) % 4096 for s in right], [0.1] * wm.N_SYMBOLS)[1] is False
    trials = 20000
    passed = sum(wm._repair(list(rng.integers(0, 4096, wm.N_SYMBOLS)), list(rng.integers(0, 4096, wm.N_SYMBOLS)),
                           list(rng.random(wm.N_SYMBOLS)))[1] for _ in range(trials))
    assert passed / trials < 3 * (wm.N_SYMBOLS + 1) / 2 ** 16


def test_threshold_matches_the_bound():
    assert wm.false_alarm_bound(wm.threshold()) == pytest.approx(1e-6)


def test_each_output_of_a_reused_filter_gets_its_own_id():
    from types import SimpleNamespace

    from thg.motion import MotionTrack
    from thg.pipeline import GenerateConfig
    from thg.post.credentials import pipeline_claims

    mark = wm.InvisibleWatermark()
    pipe = SimpleNamespace(post=[mark], config=GenerateConfig(), renderer=object())
    track = MotionTrack.zeros(3, 25.0, driver="text")
    first = pipeline_claims(pipe, np.zeros((4, 4, 3), np.uint8), None, track).watermark_id
    second = pipeline_claims(pipe, np.zeros((4, 4, 3), np.uint8), None, track).watermark_id
    assert first != second and mark.output_id not in (first, second)
    fixed = wm.InvisibleWatermark(ID)
    fixed.next_output()
    assert fixed.output_id == ID
