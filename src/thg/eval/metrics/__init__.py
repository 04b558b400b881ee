"""Metric name -> "module:Class". Each family module keeps its own table; they are merged here."""

from thg.eval.metrics.deep import DEEP_METRICS

_V = "thg.eval.metrics.visual"
_N = "thg.eval.metrics.noref"
_F = "thg.eval.metrics.face"
_I = "thg.eval.metrics.identity"
_A = "thg.eval.metrics.artifacts"

#: weights-free metrics (visual quality, mouth sync, face geometry, expression, driving)
CLASSIC_METRICS: dict[str, str] = {
    # visual quality
    "psnr": f"{_V}:PSNR",
    "ssim": f"{_V}:SSIM",
    "ms-ssim": f"{_V}:MSSSIM",
    "l1": f"{_V}:L1",
    "cpbd": f"{_N}:CPBD",
    "niqe": f"{_N}:NIQE",
    "brisque": f"{_N}:BRISQUE",
    "fps": f"{_V}:FPS",
    # audio-visual sync without weights (not LSE)
    "mouth-sync": f"{_F}:MouthSync",
    "mouth-av-offset": f"{_F}:MouthAVOffset",
    # geometry and landmarks
    "lmd-mouth": f"{_F}:LMDMouth",
    "lmd-face": f"{_F}:LMDFace",
    "f-lmd": f"{_F}:FLMD",
    "mve": f"{_F}:MVE",
    "prmse": f"{_F}:PRMSE",
    # expression naturalness
    "aed": f"{_F}:AED",
    "smoothness-landmark": f"{_F}:LandmarkSmoothness",
    "smoothness-pixel": f"{_V}:PixelSmoothness",
    "blink-rate": f"{_F}:BlinkRate",
    "head-motion": f"{_F}:HeadMotion",
    "diversity": f"{_F}:Diversity",
    # driving alignment
    "akd": f"{_F}:AKD",
    "apd": f"{_F}:APD",
    "ard": f"{_F}:ARD",
    # the artefacts users complain about
    "mouth-sharpness": f"{_A}:MouthSharpness",
    "mouth-open-in-silence": f"{_A}:MouthOpenInSilence",
    "landmark-jitter": f"{_A}:LandmarkJitter",
    # identity with a model that ships with a package (dlib)
    "csim-dlib": f"{_I}:CSIMDlib",
}

METRICS: dict[str, str] = {**CLASSIC_METRICS, **DEEP_METRICS}
