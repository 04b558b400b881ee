"""A job's work: the pipeline writes the video and motion file, the weights-free metrics the report;
a dub (:class:`thg.dub.Dubber`) and a reenactment (:class:`thg.reenact.Reenactor`) write their video and
motion file; an evaluation runs the chosen metrics on an uploaded video."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TypeVar

from thg.io.output import atomic_output
from thg.serve.jobs import DubOptions, EvalOptions, Job, JobOptions, ReenactOptions

_Options = TypeVar("_Options", JobOptions, EvalOptions, DubOptions, ReenactOptions)

#: the report's metrics: weights-free, so a fresh install evaluates every video it makes
REPORT_METRICS = ("mouth-sync", "mouth-av-offset", "blink-rate")


def pipeline_config(o: JobOptions):
    """The pipeline's settings for a client's options (a job's or a live session's)."""
    from thg.motion.speech import MotionStyle
    from thg.pipeline import GenerateConfig

    style = MotionStyle(expression_scale=o.expression_scale, head_motion=o.head_motion, blink_rate=o.blink_rate,
                        emotion=o.emotion, seed=o.seed)
    return GenerateConfig(max_size=o.size, lang=o.lang, style=style)


def options_of(job: Job, kind: type[_Options]) -> _Options:
    """The job's options, of the kind its runner handles (each runner is given jobs of its own kind)."""
    if not isinstance(job.options, kind):
        raise TypeError(f"job {job.id} is a {job.kind} job; its options are not {kind.__name__}")
    return job.options


def portrait_of(job: Job):
    """The photo to animate: the uploaded file, or the bundled example it names."""
    from thg.serve.examples import example_portrait

    path = job.input_path("portrait")
    options = job.options
    example = options.example if isinstance(options, (JobOptions, ReenactOptions)) else None
    return path if path is not None else example_portrait(example or "astronaut")


def run_job(job: Job, progress: Callable[[str, float], None]) -> dict:
    """Make the video, the motion file and the report of ``job`` in its folder; returns a summary."""
    from thg.pipeline import TalkingHeadPipeline
    from thg.post.provenance import PROVENANCE

    o = options_of(job, JobOptions)
    progress("analysing", 0.02)
    pipe = TalkingHeadPipeline(config=pipeline_config(o))
    audio = job.input_path("audio")
    result = pipe(portrait_of(job), text=None if audio else o.text, audio=audio,
                  output=job.output_path("video"), overwrite=True, save_motion=job.output_path("motion"),
                  progress=lambda i, n: progress("rendering", 0.1 + 0.8 * i / n))
    progress("evaluating", 0.92)
    summary = _summary(result.n_frames, result.fps, result.timings)
    report = {"schema": "thg-serve-report/1", "provenance": PROVENANCE, "job": job.id,
              "options": job.to_json()["options"], "generation": summary, "metrics": evaluate(job)}
    with atomic_output(job.output_path("report"), overwrite=True) as tmp:
        tmp.write_text(json.dumps(report, indent=1))
    return summary


def _number(v) -> float | None:
    v = float(v)
    return None if not math.isfinite(v) else round(v, 4)


def metric_entries(results: dict, per_frame: bool = False) -> dict:
    """Metric results as JSON: value, direction, coverage, notes (and per-frame values, for plots)."""
    from thg.eval.registry import metric_info

    out = {}
    for name, r in results.items():
        out[name] = {"value": _number(r.value), "higher_is_better": metric_info(name).higher_is_better,
                     "coverage": round(r.coverage, 3), "notes": r.notes}
        if per_frame and r.per_frame is not None:
            out[name]["per_frame"] = [_number(v) for v in r.per_frame]
    return out


def evaluate(job: Job) -> dict:
    from thg.eval.video import evaluate_video

    return metric_entries(evaluate_video(job.output_path("video"), metrics=list(REPORT_METRICS)))


def run_evaluation(job: Job, progress: Callable[[str, float], None]) -> dict:
    """Run the job's metrics on its uploaded video (with the reference, audio and source it was given)."""
    from thg.eval.video import evaluate_video

    o = options_of(job, EvalOptions)
    progress("evaluating", 0.05)
    tokens = [t.strip().lower() for t in o.metrics.split(",") if t.strip()]
    results = evaluate_video(job.required_input("pred"), ref=job.input_path("ref"), audio=job.input_path("audio"),
                             source=job.input_path("source"), metrics=tokens)
    metrics = metric_entries(results, per_frame=True)
    report = {"schema": "thg-serve-evaluation/1", "job": job.id, "metrics_asked": o.metrics,
              "inputs": sorted(job.inputs), "metrics": metrics}
    with atomic_output(job.output_path("report"), overwrite=True) as tmp:
        tmp.write_text(json.dumps(report, indent=1))
    return {"metrics": len(metrics), "computed": sum(m["value"] is not None for m in metrics.values())}


def run_dub(job: Job, progress: Callable[[str, float], None]) -> dict:
    """Dub the job's clip with its uploaded speech (or its text); writes the video and the mouth motion."""
    from thg.dub import DubConfig, Dubber

    o = options_of(job, DubOptions)
    progress("analysing", 0.02)
    audio = job.input_path("audio")
    result = Dubber(DubConfig(fit=o.fit, lang=o.lang, expression_scale=o.expression_scale))(
        job.required_input("video"), audio=audio, text=None if audio else o.text, output=job.output_path("video"),
        overwrite=True, save_motion=job.output_path("motion"), progress=lambda i, n: progress("dubbing", 0.05 + 0.95 * i / n))
    return _summary(result.n_frames, result.fps, result.timings) | {
        "size": list(result.size), "dubbed": result.dubbed, "passed_through": sum(map(len, result.passed.values())),
        "summary": result.summary()}


def run_reenact(job: Job, progress: Callable[[str, float], None]) -> dict:
    """Animate the job's portrait with the performance in its driving video; writes the video and the motion."""
    from thg.reenact import ReenactConfig, Reenactor
    from thg.reenact.reenact import parse_regions

    o = options_of(job, ReenactOptions)
    progress("tracking", 0.02)
    reenactor = Reenactor(ReenactConfig(mode=o.mode, regions=parse_regions(o.regions), max_size=o.size))
    result = reenactor(portrait_of(job), driving=job.required_input("driving"), output=job.output_path("video"),
                       overwrite=True, save_motion=job.output_path("motion"),
                       progress=lambda i, n: progress("rendering", 0.3 + 0.7 * i / n),
                       track_progress=lambda i, n: progress("tracking", 0.02 + 0.28 * i / n))
    return _summary(result.n_frames, result.fps, result.timings) | {"frames_without_face": len(result.missing)}


def _summary(n_frames: int, fps: float, timings: dict) -> dict:
    return {"frames": n_frames, "fps": fps, "duration_s": round(n_frames / fps, 3),
            "seconds": {k: round(v, 3) for k, v in timings.items()}}


RUNNERS = {"generate": run_job, "evaluate": run_evaluation, "dub": run_dub, "reenact": run_reenact}


def run_any(job: Job, progress: Callable[[str, float], None]) -> dict:
    """The work of a job of any kind."""
    return RUNNERS[job.kind](job, progress)
