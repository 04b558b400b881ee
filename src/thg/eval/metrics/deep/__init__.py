"""Metrics that need pretrained networks (PyTorch and a weights file), and FDD.

Each network is written in plain PyTorch with the module names of its public checkpoint, loads that
file strictly from the weights folder (``--weights-dir`` or ``THG_WEIGHTS_DIR``) and is imported only
when its metric runs, so the package works without torch (``pip install thg[torch]``).

=================================================  =====================================================
weights file (put it in the weights folder)        metrics
=================================================  =====================================================
``syncnet_v2.model`` (syncnet_python)              lse-c, lse-d, av-offset, lse-c-frame, lse-d-frame
``alex.pth`` (lpips v0.1) and                      lpips
``alexnet-owt-7be5be79.pth`` (torchvision)
``pt_inception-2015-12-05-6726825d.pth``           fid
``i3d_torchscript.pt`` (StyleGAN-V)                fvd
``ms1mv3_arcface_r100_fp16/backbone.pth``          csim, csim-ref
``emonet_8.pth`` (or ``emonet_5.pth``)             emotion-acc
=================================================  =====================================================

Where each file is published: :data:`thg.eval.metrics.deep._common.PUBLISHED` (also in the error a
missing file raises). ``fdd`` needs no weights; it lives here because it was specified with them.
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
    "csim-ref": "thg.eval.metrics.deep.csim:CSIMRef",
    "emotion-acc": "thg.eval.metrics.deep.emotion:EmotionAcc",
    "fdd": "thg.eval.metrics.deep.fdd:FDD",
}
