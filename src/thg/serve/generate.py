"""A job's work: the batch pipeline writes the video and motion file, the weights-free metrics the report."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from thg.io.output import atomic_output
from thg.serve.jobs import Job, JobOptions

#: the report's metrics: weights-free, so a fresh install evaluates every video it makes
REPORT_METRICS = ("mouth-sync", "mouth-av-offset", "blink-rate")


def pipeline_config(o: JobOptions):
    """The pipeline's settings for a client's options (a job's or a live session's)."""
    from thg.motion.speech import MotionStyle
    from thg.pipeline import GenerateConfig

    style = MotionStyle(expression_scale=o.expression_scale, head_motion=o.head_motion, blink_rate=o.blink_rate,
                        emotion=o.emotion, seed=o.seed)
    return GenerateConfig(max_size=o.size, lang=o.lang, style=style)


def portrait_of(job: Job):
    """The photo to animate: the uploaded file, or the bundled example it names."""
    from thg.serve.examples import example_portrait

    path = job.input_path("portrait")
    return path if path is not None else example_portrait(job.options.example or "astronaut")


def run_job(job: Job, progress: Callable[[str, float], None]) -> dict:
    """Make the video, the motion file and the report of ``job`` in its folder; returns a summary."""
    from thg.pipeline import TalkingHeadPipeline
    from thg.post.provenance import PROVENANCE

    progress("analysing", 0.02)
    pipe = TalkingHeadPipeline(config=pipeline_config(job.options))
    audio = job.input_path("audio")
    result = pipe(portrait_of(job), text=None if audio else job.options.text, audio=audio,
                  output=job.output_path("video"), overwrite=True, save_motion=job.output_path("motion"),
                  progress=lambda i, n: progress("rendering", 0.1 + 0.8 * i / n))
    progress("evaluating", 0.92)
    summary = {"frames": result.n_frames, "fps": result.fps, "duration_s": round(result.duration, 3),
               "seconds": {k: round(v, 3) for k, v in result.timings.items()}}
    report = {"schema": "thg-serve-report/1", "provenance": PROVENANCE, "job": job.id,
              "options": job.to_json()["options"], "generation": summary, "metrics": evaluate(job)}
    with atomic_output(job.output_path("report"), overwrite=True) as tmp:
        tmp.write_text(json.dumps(report, indent=1))
    return summary


def evaluate(job: Job) -> dict:
    from thg.eval.registry import metric_info
    from thg.eval.video import evaluate_video

    results = evaluate_video(job.output_path("video"), metrics=list(REPORT_METRICS))
    return {name: {"value": None if math.isnan(r.value) else round(float(r.value), 4),
                   "higher_is_better": metric_info(name).higher_is_better, "coverage": round(r.coverage, 3),
                   "notes": r.notes}
            for name, r in results.items()}
