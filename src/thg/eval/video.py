"""Evaluate one generated video: stream its frames (and the aligned reference) through metrics.

>>> from thg.eval.video import evaluate_video
>>> results = evaluate_video("fake.mp4", ref="real.mp4", audio="speech.wav", metrics=["psnr", "ssim"])
>>> results["ssim"].value

Steps: 1. resolve the metric names and check their parameters, 2. probe and align the videos,
3. load the side inputs, 4. create the metrics (those that cannot run give NaN with a note),
5. stream frame chunks (running the face mesh once per frame for every face metric) and check that
each video decoded whole (:mod:`thg.eval.decode`), 6. compute.

Alignment convention (recorded in every result under ``"alignment"``): the reference is decoded at
the prediction's frame rate (ffmpeg ``fps`` filter: frames are dropped or repeated by timestamp)
and resized to the prediction's size (ffmpeg ``scale``, bicubic); both are then cut to the shorter
length, frame 0 to frame 0.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

import numpy as np

from thg.errors import InputError, ThgError, UsageError
from thg.eval.base import Metric, MetricResult

SUITE_TOKEN = "suite"


def resolve_metric_names(metrics: str | Iterable[str] | None) -> tuple[list[str], set[str]]:
    """(names in order, the subset the user named explicitly). ``"suite"`` expands to SUITE."""
    from thg.eval.metrics import METRICS
    from thg.eval.registry import SUITE, _resolve, suite_names

    if metrics is None:
        metrics = SUITE_TOKEN
    if isinstance(metrics, str):
        metrics = [m for m in metrics.split(",") if m.strip()]
    names: list[str] = []
    explicit: set[str] = set()
    if tuple(metrics) in (tuple(SUITE), tuple(suite_names())):  # the suite passed as a list
        metrics = [SUITE_TOKEN]
    for raw in metrics:
        key = raw.strip().lower()
        if key == SUITE_TOKEN:
            names += [n for n in suite_names() if n not in names]
            continue
        _resolve(key)  # one-line "did you mean" error for a misspelt name
        if key in METRICS and key not in names:
            names.append(key)
        explicit.add(key)
    if not names:
        raise UsageError("no metrics to run; name some (e.g. --metrics psnr,ssim) or use 'suite'")
    return names, explicit


def _chunks(frames: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    while True:
        block = list(islice(frames, size))
        if not block:
            return
        yield np.stack(block)


def _unavailable(name: str, reason: str, alignment: dict) -> MetricResult:
    return MetricResult(name, float("nan"), convention={"alignment": alignment}, coverage=0.0, notes=[reason])


def evaluate_video(pred: str | os.PathLike, *, ref: str | os.PathLike | None = None,
                   audio: str | os.PathLike | None = None, source: str | os.PathLike | None = None,
                   metrics: str | Sequence[str] | None = SUITE_TOKEN, weights_dir: str | os.PathLike | None = None,
                   params: dict[str, dict] | None = None, chunk: int = 32) -> dict[str, MetricResult]:
    """Run ``metrics`` on the video ``pred`` and return {metric name: result}.

    ``params`` maps a metric name to keyword arguments for it (e.g. ``{"ssim": {"channels": "y"}}``).
    A metric whose input is missing (reference, audio, source, weights) yields NaN with a note,
    unless it was named explicitly, in which case its one-line error is raised. Frames without a
    face lower the face metrics' coverage instead of failing.
    """
    from thg.eval.registry import check_param_table, create_metric, metric_info
    from thg.eval.decode import decode
    from thg.io import load_audio, load_image, probe_video

    # 1. metric names and their parameters (an unknown or bad parameter stops here, for any metric)
    names, explicit = resolve_metric_names(metrics)
    params = check_param_table(params, names)
    if chunk < 1:
        raise UsageError(f"chunk must be at least 1, got {chunk}")

    # 2. the videos and their alignment
    info = probe_video(pred)
    alignment: dict = {"pred_fps": info.fps, "pred_size": [info.width, info.height]}
    ref_info = None
    if ref is not None:
        ref_info = probe_video(ref)
        alignment.update(ref_fps=ref_info.fps, ref_size=[ref_info.width, ref_info.height],
                         ref_resampled_to_pred_fps=abs(ref_info.fps - info.fps) > 1e-3,
                         ref_resized_to_pred_size=(ref_info.width, ref_info.height) != (info.width, info.height),
                         rule="ref decoded at pred fps (ffmpeg fps filter), scaled to pred size (bicubic), "
                              "both cut to the shorter length")

    # 3. side inputs (read only when a metric uses them)
    wanted = set().union(*(metric_info(n).needs for n in names))
    samples = None
    if audio is not None and "audio" in wanted:
        samples = load_audio(audio).samples
        alignment["audio"] = "given file, 16 kHz mono"
    elif info.has_audio and "audio" in wanted:
        try:
            samples = load_audio(pred).samples
            alignment["audio"] = "pred video's audio track, 16 kHz mono"
        except InputError as e:  # an unreadable track only disables the sync metrics
            alignment["audio"] = f"pred video's audio track unreadable: {e}"
    source_img = load_image(source) if source is not None and "source" in wanted else None
    available = {"ref": ref is not None, "audio": samples is not None or audio is not None,
                 "source": source is not None,
                 "weights": True}
    what = {"ref": "a reference video (--ref)", "audio": "speech audio (--audio, or an audio track in pred)",
            "source": "the source portrait (--source)"}

    # 4. create the metrics
    results: dict[str, MetricResult] = {}
    active: dict[str, Metric] = {}
    for name in names:
        missing = [n for n in sorted(metric_info(name).needs) if not available[n]]
        if missing:
            reason = f"metric {name!r} needs {' and '.join(what[n] for n in missing)}; not given"
            if name in explicit:
                raise UsageError(f"{pred}: {reason}")
            results[name] = _unavailable(name, reason, alignment)
            continue
        try:
            m = create_metric(name, weights_dir=weights_dir, **params.get(name, {}))
            m.set_context(fps=info.fps, audio=samples, source=source_img)
        except ThgError as e:
            if name in explicit:
                raise
            results[name] = _unavailable(name, str(e), alignment)
            continue
        active[name] = m

    # 5. stream frames
    face_metrics = {n: m for n, m in active.items() if hasattr(m, "update_faces") and hasattr(m, "mesh_mode")}
    trackers = _face_trackers(face_metrics, ref is not None)
    n_pred = n_ref = 0
    decoders = {"pred": decode(pred)}
    pred_frames = iter(decoders["pred"])
    ref_frames = None
    if ref is not None and ref_info is not None and any("ref" in m.info.needs for m in active.values()):
        size = (info.width, info.height) if alignment["ref_resized_to_pred_size"] else None
        fps = info.fps if alignment["ref_resampled_to_pred_fps"] else None
        decoders["ref"] = decode(ref, fps=fps, size=size)
        ref_frames = iter(decoders["ref"])
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=max(1, len(trackers)))
    try:
        ref_done = False
        for block in _chunks(pred_frames, chunk):
            n_pred += len(block)
            ref_block = None
            if ref_frames is not None:
                if ref_done:
                    continue  # only count the rest of pred
                ref_list = list(islice(ref_frames, len(block)))
                n_ref += len(ref_list)
                if len(ref_list) < len(block):
                    ref_done = True
                    block = block[:len(ref_list)]
                    if not len(block):
                        continue
                ref_block = np.stack(ref_list)
            _feed(active, face_metrics, trackers, pool, block, ref_block, explicit, results, alignment)
        if ref_frames is not None and not ref_done:
            n_ref += sum(1 for _ in ref_frames)
    finally:
        pool.shutdown(wait=True)
        for t in trackers.values():
            t.close()
    if n_pred == 0:
        raise InputError(f"{pred}: the video holds no decodable frames; check that it plays")
    decode_notes = [note for what, d in decoders.items() for note in d.check(what)]   # raises when damaged
    alignment["decoding"] = {what: d.summary() for what, d in decoders.items()}
    alignment["frames_pred"] = n_pred
    if ref_frames is not None:
        alignment["frames_ref"] = n_ref
        alignment["frames_used"] = min(n_pred, n_ref)

    # 6. compute
    for name, m in active.items():
        if name in results:
            continue
        try:
            r = m.compute()
        except ThgError as e:
            if name in explicit:
                raise
            results[name] = _unavailable(name, str(e), alignment)
            continue
        r.convention = {**r.convention, "alignment": alignment, "params": _jsonable(m.params)}
        if m.info.scope == "set":  # handed to the folder runner, which pools it across videos
            r.extra = {**r.extra, "state": m.state()}
        r.notes.extend(decode_notes)
        if ref_frames is not None and n_pred != n_ref:
            r.notes.append(f"pred has {n_pred} frames and ref {n_ref} (after frame-rate alignment); "
                           f"the first {min(n_pred, n_ref)} were compared")
        results[name] = r
    return {name: results[name] for name in names}


def _jsonable(params: dict) -> dict:
    return {k: (str(v) if isinstance(v, os.PathLike) else v) for k, v in params.items() if k != "weights_dir"}


def _face_trackers(face_metrics: dict[str, Metric], with_ref: bool) -> dict:
    """One face tracker per (mesh mode, pred|ref), shared by all face metrics."""
    from thg.eval.metrics.face import FaceTracker

    trackers: dict = {}
    for m in face_metrics.values():
        mode = m.mesh_mode  # type: ignore[attr-defined]
        keys = [(mode, "pred")] + ([(mode, "ref")] if with_ref and "ref" in m.info.needs else [])
        for key in keys:
            if key not in trackers:
                trackers[key] = FaceTracker(mode)
    return trackers


def _feed(active: dict[str, Metric], face_metrics: dict[str, Metric], trackers: dict, pool, pred: np.ndarray,
          ref: np.ndarray | None, explicit: set[str], results: dict, alignment: dict) -> None:
    """One chunk: the face mesh of pred and ref runs in worker threads (it releases the GIL) while
    the frame metrics run here; then the face metrics consume the tracked points."""
    jobs = {key: pool.submit(t.track, pred if key[1] == "pred" else ref) for key, t in trackers.items()
            if key[1] == "pred" or ref is not None}

    def guarded(name: str, fn) -> None:
        if name in results:
            return
        try:
            fn()
        except ThgError as e:
            if name in explicit:
                raise
            results[name] = _unavailable(name, str(e), alignment)

    for name, m in active.items():
        if name not in face_metrics:
            guarded(name, lambda m=m: m.update(pred, ref if "ref" in m.info.needs else None))
    points = {key: job.result() for key, job in jobs.items()}
    for name, m in face_metrics.items():
        mode = m.mesh_mode  # type: ignore[attr-defined]
        guarded(name, lambda m=m, mode=mode: m.update_faces(  # type: ignore[attr-defined]
            pred, ref, points[(mode, "pred")], points.get((mode, "ref"))))


__all__ = ["evaluate_video", "resolve_metric_names", "SUITE_TOKEN"]
