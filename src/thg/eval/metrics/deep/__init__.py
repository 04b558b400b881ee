"""Metrics that need pretrained networks (PyTorch and a weights file).

Each network is written in plain PyTorch with the module names of its public checkpoint, loads that
file strictly from the weights folder (``--weights-dir`` or ``THG_WEIGHTS_DIR``) and is imported only
when its metric runs, so the package works without torch.
"""

DEEP_METRICS: dict[str, str] = {
    "lse-c": "thg.eval.metrics.deep.lse:LSEC",
    "lse-d": "thg.eval.metrics.deep.lse:LSED",
    "av-offset": "thg.eval.metrics.deep.lse:AVOffset",
    "lse-c-frame": "thg.eval.metrics.deep.lse:LSECFrame",
    "lse-d-frame": "thg.eval.metrics.deep.lse:LSEDFrame",
    "lpips": "thg.eval.metrics.deep.perceptual:LPIPSMetric",
    "fid": "thg.eval.metrics.deep.fid:FID",
    "fvd": "thg.eval.metrics.deep.fvd:FVD",
    "csim": "thg.eval.metrics.deep.csim:CSIM",
    "emotion-acc": "thg.eval.metrics.deep.emotion:EmotionAcc",
    "fdd": "thg.eval.metrics.deep.fdd:FDD",
}
