import math

import numpy as np
import pytest

from thg.errors import BackendMissingError, InputError
from thg.eval.metrics.deep.lse import sync_scores
from thg.eval.metrics.deep.mfcc import mfcc
from thg.eval.registry import create_metric


def _mfcc_by_hand(x, rate=16000):
    """python_speech_features' recipe written out step by step, frame by frame."""
    x = np.asarray(x, float) * 32768
    x = np.concatenate([[x[0]], x[1:] - 0.97 * x[:-1]])
    n_frames = 1 + math.ceil((len(x) - 400) / 160)
    x = np.concatenate([x, np.zeros((n_frames - 1) * 160 + 400 - len(x))])
    mel = lambda f: 2595 * math.log10(1 + f / 700)
    inv = lambda m: 700 * (10 ** (m / 2595) - 1)
    pts = [math.floor(513 * inv(mel(8000) * i / 27) / rate) for i in range(28)]
    out = []
    for f in range(n_frames):
        frame = x[f * 160:f * 160 + 400]
        spec = np.zeros(257)
        for k in range(257):   # power spectrum by the DFT definition (nfft 512 zero-padded)
            w = np.exp(-2j * np.pi * k * np.arange(400) / 512)
            spec[k] = abs((frame * w).sum()) ** 2 / 512
        energies = []
        for j in range(26):
            lo, mid, hi = pts[j], pts[j + 1], pts[j + 2]
            e = sum(spec[i] * (i - lo) / (mid - lo) for i in range(lo, mid))
            e += sum(spec[i] * (hi - i) / (hi - mid) for i in range(mid, hi))
            energies.append(math.log(e))
        ceps = []
        for n in range(13):    # orthonormal DCT-II and the lifter
            c = sum(energies[m] * math.cos(math.pi * n * (2 * m + 1) / 52) for m in range(26))
            c *= math.sqrt((1 if n == 0 else 2) / 26)
            ceps.append(c * (1 + 11 * math.sin(math.pi * n / 22)))
        ceps[0] = math.log(spec.sum())
        out.append(ceps)
    return np.array(out)


def test_mfcc_matches_the_formulas_written_out(speech):
    clip = speech[8000:8000 + 2400]                       # 0.15 s of real speech
    fast, slow = mfcc(clip), _mfcc_by_hand(clip)
    assert fast.shape == slow.shape == (1 + math.ceil((2400 - 400) / 160), 13)
    np.testing.assert_allclose(fast, slow, rtol=1e-7, atol=1e-6)


def test_mfcc_has_four_steps_per_video_frame(speech):
    one_second = speech[:16000]
    assert mfcc(one_second).shape[0] == 1 + math.ceil((16000 - 400) / 160)   # 100 steps: 4 per 25 fps frame


@pytest.mark.parametrize("lag", [-4, 0, 3])
def test_sync_scores_find_a_known_offset(lag):
    rng = np.random.default_rng(0)
    aud = rng.normal(size=(60, 32))
    lip = np.stack([aud[min(max(i + lag, 0), 59)] for i in range(60)]) + 0.05 * rng.normal(size=(60, 32))
    s = sync_scores(lip, aud, vshift=15)
    assert s["offset"] == -lag
    assert s["lse_d"] < s["lse_d"] + s["lse_c"]          # confident: the minimum stands out
    assert s["lse_c"] > 1.0 and len(s["curve"]) == 31
    shuffled = sync_scores(rng.permutation(lip), aud, vshift=15)
    assert shuffled["lse_c"] < s["lse_c"] and shuffled["lse_d"] > s["lse_d"]


def _run(name, frames, audio, weights, fps=25.0, **params):
    metric = create_metric(name, weights_dir=weights, **params)
    metric.set_context(fps=fps, audio=audio)
    for i in range(0, len(frames), 16):
        metric.update(frames[i:i + 16])
    return metric.compute()


def test_lse_end_to_end_with_random_syncnet(face_frames, speech, syncnet_weights):
    face = _run("lse-c", face_frames, speech, syncnet_weights)
    assert np.isfinite(face.value) and face.value >= 0
    assert face.coverage == 1.0
    assert face.extra["windows"] == len(face_frames) - 5
    assert -15 <= face.extra["av_offset"] <= 15 and len(face.extra["distance_curve"]) == 31
    assert face.extra["lse_d"] == pytest.approx(min(face.extra["distance_curve"]))
    assert face.convention["vshift"] == 15 and face.convention["variant"] == "face"
    frame = _run("lse-d-frame", face_frames, speech, syncnet_weights)
    assert np.isfinite(frame.value) and frame.value != face.extra["lse_d"]
    assert frame.convention["variant"] == "frame"


def test_lse_streams_in_any_chunking(face_frames, speech, syncnet_weights):
    a = _run("lse-d-frame", face_frames[:20], speech, syncnet_weights)
    metric = create_metric("lse-d-frame", weights_dir=syncnet_weights)
    metric.set_context(fps=25.0, audio=speech)
    for f in face_frames[:20]:
        metric.update(f[None])
    assert metric.compute().value == pytest.approx(a.value, rel=1e-5)


def test_other_frame_rates_are_resampled_to_25(face_frames, speech, syncnet_weights):
    doubled = np.repeat(face_frames[:20], 2, axis=0)       # the same clip at 50 fps
    a = _run("lse-d-frame", face_frames[:20], speech, syncnet_weights)
    b = _run("lse-d-frame", doubled, speech, syncnet_weights, fps=50.0)
    assert b.extra["windows"] == a.extra["windows"]
    assert b.value == pytest.approx(a.value, rel=1e-5)


def test_missing_audio_and_missing_weights_are_one_line_errors(face_frames, speech, syncnet_weights, tmp_path):
    metric = create_metric("lse-c", weights_dir=syncnet_weights)
    metric.set_context(fps=25.0, audio=None)
    metric.update(face_frames[:8])
    with pytest.raises(InputError, match="--audio"):
        metric.compute()
    with pytest.raises(BackendMissingError) as err:
        _run("av-offset", face_frames[:8], speech, tmp_path)
    msg = str(err.value)
    assert "\n" not in msg and "syncnet_v2.model" in msg and "av-offset" in msg and "robots.ox.ac.uk" in msg


def test_face_crop_holds_the_mouth(face_frames):
    from thg.eval.metrics.deep.faces import face_box, syncnet_crop
    from thg.features import FaceMesher

    with FaceMesher(static=True) as mesher:
        face = mesher.detect(face_frames[0])[0]
        crop = syncnet_crop(face_frames[0], *face_box(face.xy))
        assert crop.shape == (224, 224, 3)
        inside = mesher.detect(crop)
    assert inside, "the crop must still show the face"
    pts = inside[0].points
    assert 0 < pts[10, 1] < pts[468, 1] < pts[13, 1] < pts[152, 1] < 224   # forehead, eye, mouth, chin inside
    assert 60 < pts[13, 0] < 164                                          # mouth centred horizontally


def test_frames_without_a_face_lower_coverage_not_the_run(face_frames, speech, syncnet_weights):
    import cv2

    frames = face_frames[:12].copy()
    for i in (4, 5, 6):
        frames[i] = cv2.GaussianBlur(frames[i], (0, 0), 25)      # the face cannot be found here
    r = _run("lse-d", frames, speech, syncnet_weights)
    assert np.isfinite(r.value) and r.coverage == pytest.approx(9 / 12)
    assert any("last face box" in n for n in r.notes)
    nothing = np.stack([cv2.GaussianBlur(f, (0, 0), 25) for f in face_frames[:8]])
    empty = _run("lse-d", nothing, speech, syncnet_weights)
    assert np.isnan(empty.value) and empty.coverage == 0.0 and "no face" in empty.notes[0]


def _syncnet_python_reference(frames, audio, weights_dir, batch=20):
    """syncnet_python's ``evaluate`` on whole-frame crops, step by step: every window from frame 0 to
    min(frames, samples // 640) - 6 is embedded, in batches of ``batch`` (its default is 20)."""
    import cv2
    import torch

    from thg.eval.metrics.deep.lse import sync_scores
    from thg.eval.metrics.deep.nets.syncnet import load_syncnet

    net = load_syncnet(weights_dir / "syncnet_v2.model")
    crops = np.stack([cv2.resize(np.ascontiguousarray(f[:, :, ::-1]), (224, 224)) for f in frames])
    imtv = torch.from_numpy(crops.astype(np.float32)).permute(3, 0, 1, 2)[None]    # 1×3×T×H×W
    cct = torch.from_numpy(mfcc(audio, 16000).T.astype(np.float32))[None, None]     # 1×1×13×steps
    lastframe = min(len(frames), len(audio) // 640) - 5
    lip, aud = [], []
    with torch.inference_mode():
        for i in range(0, lastframe, batch):
            idx = range(i, min(lastframe, i + batch))
            lip.append(net.forward_lip(torch.cat([imtv[:, :, v:v + 5] for v in idx])).numpy())
            aud.append(net.forward_aud(torch.cat([cct[:, :, :, 4 * v:4 * v + 20] for v in idx])).numpy())
    return sync_scores(np.concatenate(lip), np.concatenate(aud)), lastframe


@pytest.mark.parametrize("n_frames", [6, 11, 40])
def test_frame_lse_scores_every_window_like_syncnet_python(n_frames, face_frames, speech, syncnet_weights):
    frames = np.concatenate([face_frames, face_frames[::-1]])[:n_frames]
    ref, windows = _syncnet_python_reference(frames, speech, syncnet_weights)
    got = _run("lse-d-frame", frames, speech, syncnet_weights)
    assert got.extra["windows"] == windows == n_frames - 5      # no trailing window dropped, no "too short"
    assert got.value == pytest.approx(ref["lse_d"], rel=1e-5)
    conf = _run("lse-c-frame", frames, speech, syncnet_weights)
    assert conf.value == pytest.approx(ref["lse_c"], rel=1e-4, abs=1e-6)


def test_a_positive_av_offset_means_the_audio_leads():
    rng = np.random.default_rng(1)
    aud = rng.normal(size=(60, 32))
    lead = 3   # the mouth shows at frame i what the audio said at frame i - 3: the audio comes first
    lip = np.stack([aud[max(i - lead, 0)] for i in range(60)]) + 0.05 * rng.normal(size=(60, 32))
    assert sync_scores(lip, aud)["offset"] == lead
    from thg.eval.registry import metric_info

    assert "positive = audio leads" in metric_info("av-offset").description
