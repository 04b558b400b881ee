"""The deep metrics inside the per-video runner: real MP4s with speech, shared face tracking."""

import subprocess
import sys

import numpy as np
import pytest

from thg.errors import BackendMissingError
from thg.eval.video import evaluate_video


@pytest.fixture(scope="module")
def clips(tmp_path_factory, face_frames, speech_path):
    import cv2

    from thg.io import VideoWriter

    folder = tmp_path_factory.mktemp("clips")
    paths = {}
    for name, frames in (("pred", face_frames[:24]),
                         ("ref", [cv2.GaussianBlur(f, (0, 0), 1.5) for f in face_frames[:24]])):
        with VideoWriter(folder / f"{name}.mp4", 256, 256, fps=25, audio_path=speech_path, crf=12) as w:
            for f in frames:
                w.write(f)
        paths[name] = folder / f"{name}.mp4"
    return paths


def test_deep_metrics_run_in_evaluate_video(clips, portrait_path, syncnet_weights, arcface_weights, lpips_weights):
    results = evaluate_video(clips["pred"], ref=clips["ref"], source=portrait_path,
                             metrics=["lse-c", "lse-d-frame", "csim", "fdd", "lpips"],
                             weights_dir=syncnet_weights, params={"csim": {"stride": 10}})
    assert list(results) == ["lse-c", "lse-d-frame", "csim", "fdd", "lpips"]
    lse = results["lse-c"]
    assert np.isfinite(lse.value) and lse.coverage == 1.0           # audio taken from the pred file's track
    assert lse.extra["windows"] in (18, 19)          # 24 frames minus 5 (AAC may end a frame early)
    assert lse.convention["mesh_mode"] == "static"
    assert np.isfinite(results["lse-d-frame"].value)
    assert -1 <= results["csim"].value <= 1 and len(results["csim"].per_frame) == 3
    assert results["fdd"].value >= 0 and results["fdd"].coverage == 1.0
    assert results["lpips"].value > 0 and len(results["lpips"].per_frame) == 24
    assert "alignment" in results["lpips"].convention


def test_missing_weights_named_explicitly_is_one_line(clips, tmp_path):
    with pytest.raises(BackendMissingError) as err:
        evaluate_video(clips["pred"], ref=clips["ref"], metrics=["lpips"], weights_dir=tmp_path)
    assert "\n" not in str(err.value) and ".pth" in str(err.value)


def test_listing_metrics_does_not_import_torch_and_missing_torch_says_what_to_install():
    code = (
        "import sys\n"
        "sys.modules['torch'] = None\n"                      # as if torch were not installed
        "from thg.eval.registry import list_metrics, create_metric\n"
        "names = [i.name for i in list_metrics()]\n"
        "assert {'lse-c', 'lse-d', 'av-offset', 'lse-c-frame', 'lse-d-frame', 'lpips', 'fid', 'fvd', 'csim',"
        " 'csim-ref', 'emotion-acc', 'fdd'} <= set(names), names\n"
        "import numpy as np\n"
        "m = create_metric('lpips', weights_dir='.')\n"
        "try:\n"
        "    m.update(np.zeros((1, 8, 8, 3), np.uint8), np.zeros((1, 8, 8, 3), np.uint8))\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, '|', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("BackendMissingError |") and "pip install torch==2.13.0" in out.stdout


def test_deep_metric_metadata_is_consistent():
    from thg.eval.base import FAMILIES, NEEDS
    from thg.eval.metrics.deep import DEEP_METRICS
    from thg.eval.registry import metric_info

    for name in DEEP_METRICS:
        info = metric_info(name)
        assert info.name == name and info.family in FAMILIES and info.needs <= set(NEEDS)
        assert ("weights" in info.needs) == bool(info.weights)
    assert metric_info("fid").scope == metric_info("fvd").scope == "set"
