"""``thg eval``: evaluate videos, list metrics, compare methods, make test splits, run MOS studies.

    thg eval --pred PRED [--ref REF] [--audio A] [--source IMG] [--metrics NAMES|suite] --output DIR
    thg eval list
    thg eval compare RESULTS_A RESULTS_B --output DIR
    thg eval split INDEX.csv --protocol iid --output splits/
    thg eval mos-page CLIPS... --output study.html ;  thg eval mos ratings.csv --output mos/
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import click

from thg.errors import InputError, PipelineError, ThgError, UsageError
from thg.parallel import Engine, check_engine, engine_options

if TYPE_CHECKING:
    from thg.eval.results import RunSettings


class Interrupted(PipelineError):
    """Ctrl-C during an evaluation: what is finished stays, the next run resumes."""

    exit_code = 130


def _parse_metrics(text: str) -> tuple[tuple[str, ...], list[str]]:
    """(the tokens handed to the per-video runner, the metric names they expand to).

    The tokens are kept as typed ("suite" stays "suite") because a metric named explicitly fails
    loudly when its input is missing, while one that comes with the suite yields NaN and a note.
    """
    from thg.eval.video import resolve_metric_names

    tokens = tuple(t.strip().lower() for t in text.split(",") if t.strip())
    if not tokens:
        raise UsageError("--metrics: no metric named; give names such as psnr,ssim or 'suite'")
    names, _ = resolve_metric_names(list(tokens))  # "unknown metric ...; did you mean ..."
    return tokens, names


def _parse_params(items: tuple[str, ...]) -> dict[str, dict]:
    params: dict[str, dict] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        metric, dot, name = key.partition(".")
        if not sep or not dot or not metric or not name:
            raise UsageError(f"--param {item!r}: write METRIC.NAME=VALUE, e.g. --param ssim.channels=y")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params.setdefault(metric.lower(), {})[name] = value
    return params


@click.group("eval", invoke_without_command=True)
@click.option("--pred", type=click.Path(path_type=Path), help="Generated video, or folder of videos.")
@click.option("--ref", type=click.Path(path_type=Path), help="Reference (ground-truth) video or folder, matched by name.")
@click.option("--audio", type=click.Path(path_type=Path), help="Driving speech: file, or folder matched by name.")
@click.option("--source", type=click.Path(path_type=Path), help="Source portrait: image, or folder matched by name.")
@click.option("--metrics", "metrics_text", default="suite", show_default=True,
              help="Comma-separated metric names, or 'suite' (see `thg eval list`).")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Folder for results.json, CSV and report.")
@click.option("--weights-dir", type=click.Path(path_type=Path), default=None,
              help="Folder with pretrained weight files (else $THG_WEIGHTS_DIR).")
@click.option("--param", "param_items", multiple=True, help="Metric parameter METRIC.NAME=VALUE (repeatable).")
@click.option("--metadata", type=click.Path(path_type=Path), default=None,
              help="CSV with a 'video' column and condition columns (gender, age, lighting, language).")
@click.option("--method", default=None, help="Name of the evaluated method, shown in the report.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(100, 1_000_000), default=10_000, show_default=True,
              help="Bootstrap resamples for confidence intervals.")
@click.option("--no-resume", is_flag=True, help="Start over instead of skipping videos already in --output.")
@click.option("--skip-unmatched", is_flag=True, help="Skip PRED videos without a REF namesake instead of failing.")
@click.option("--per-frame-csv", is_flag=True, help="Also write per_frame.csv (video, metric, frame, value).")
@engine_options
@click.pass_context
def eval_group(ctx: click.Context, pred, ref, audio, source, metrics_text, output, weights_dir, param_items,
               metadata, method, seed, n_boot, no_resume, skip_unmatched, per_frame_csv, engine, address,
               workers) -> None:
    """Evaluate generated talking-head videos with the survey's metric suite.

    PRED/REF are videos or folders of videos matched by name. OUTPUT receives results.json, a CSV
    per video, report.html / report.md with plots, and per-video records so a crashed run resumes.
    --engine ray runs each video as a Ray task (a local Ray, or the cluster at --address).
    """
    if ctx.invoked_subcommand is not None:
        return
    if pred is None:
        click.echo(ctx.get_help())
        return
    if output is None:
        raise UsageError("--output: give the folder that receives results.json and the report")
    if output.exists() and not output.is_dir():
        raise InputError(f"--output {output}: is a file; give a folder")
    from thg.eval import runner, stats
    from thg.eval.registry import check_param_table

    run_engine = Engine(engine, workers=workers, address=address)
    check_engine(run_engine)  # before any work: a missing Ray or a dead --address is one line
    tokens, metrics = _parse_metrics(metrics_text)
    params = check_param_table(_parse_params(param_items), metrics)
    meta = stats.load_metadata(metadata) if metadata else None
    matching = runner.match_inputs(pred, ref=ref, audio=audio, source=source, skip_unmatched=skip_unmatched)
    settings = runner.RunSettings(metrics=tokens, weights_dir=None if weights_dir is None else str(weights_dir),
                                  params=params or None)
    n = len(matching.jobs)
    click.echo(f"evaluating {n} video{'s' * (n != 1)} with {', '.join(metrics)} -> {output}", err=True)

    def progress(event: str, info: dict) -> None:
        if event == "resume":
            click.echo(f"resuming: {info['skipped']} videos already done", err=True)
        elif info.get("status") == "ok":
            click.echo(f"  {info['video']}: done in {info['seconds']:.1f} s", err=True)
        else:
            click.echo(f"  {info['video']}: failed: {info.get('error')}", err=True)

    try:
        records = runner.run_jobs(matching.jobs, output, settings, engine=run_engine, resume=not no_resume,
                                  progress=progress)
    except KeyboardInterrupt:
        done = sum(1 for r in runner.read_records(output).values() if r.get("status") == "ok")
        raise Interrupted(f"interrupted; the {done} videos finished so far are saved in {output}; run the same "
                          f"command again to resume") from None
    _finish(output, records, settings, metadata=meta, seed=seed, n_boot=n_boot, method=method,
            command=_command_line(ctx), per_frame=per_frame_csv, engine=run_engine.describe(),
            matching={"unmatched_pred": matching.unmatched_pred, "unused_ref": matching.unused_ref,
                      "missing_audio": matching.missing_audio, "missing_source": matching.missing_source})


def _finish(output: Path, records: dict, settings: RunSettings, *, metadata, seed: int, n_boot: int, method: str | None,
            command: str | None, matching: dict, per_frame: bool, engine: dict | None = None) -> None:
    """Aggregate the per-video records into results.json, the CSVs and the report; print the summary."""
    from thg.eval import report

    ok = [r for r in records.values() if r.get("status") == "ok"]
    if not ok:  # nothing worked: the first video's own one-line error, with its exit code
        import thg.errors

        first = next(iter(records.values()))
        cls = getattr(thg.errors, str(first.get("error_type")), InputError)
        raise (cls if isinstance(cls, type) and issubclass(cls, ThgError) else InputError)(
            first.get("error") or "no video could be evaluated")
    results = report.build_results(output, records, settings=settings, metadata=metadata, seed=seed, n_boot=n_boot,
                                   method=method, command=command, matching=matching, engine=engine)
    paths = report.write_report(output, results, title=f"thg evaluation: {method}" if method else "thg evaluation")
    if per_frame:
        paths["per_frame"] = report.write_per_frame_csv(output, records)
    missing = report.not_computed(results)
    computed = [n for n in results.metrics if not any(n in names for names in missing.values())]
    width = max(map(len, computed), default=0)
    for name in computed:
        entry = results.metrics[name]
        s = entry.summary
        if entry.is_set:
            click.echo(f"{name:>{width}}: {report._fmt(entry.set_value)}  (pooled over the set)")
            continue
        click.echo(f"{name:>{width}}: {report._fmt(s.median)}  (IQR {report._fmt(s.q1)}–{report._fmt(s.q3)}, "
                   f"n={s.n})")
    if missing:
        click.echo(f"not computed ({sum(map(len, missing.values()))} metrics):")
        for reason, names in missing.items():   # each reason once, in full (download links included)
            click.echo(f"  {', '.join(names)}: {reason}")
    click.echo(f"report: {paths['html']}")
    failed = results.failed
    if failed:
        raise PipelineError(f"{len(failed)} of {len(records)} videos failed ({', '.join(list(failed)[:5])}); "
                            f"see {paths['csv']}; fix them and run the same command again to finish")


@eval_group.command("report")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--metadata", type=click.Path(path_type=Path), default=None,
              help="CSV with a 'video' column and condition columns for per-condition breakdowns.")
@click.option("--method", default=None, help="Name of the evaluated method, shown in the report.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(100, 1_000_000), default=10_000, show_default=True)
@click.option("--per-frame-csv", is_flag=True, help="Also write per_frame.csv (video, metric, frame, value).")
def report_command(run_dir, metadata, method, seed, n_boot, per_frame_csv) -> None:
    """Rebuild results.json and the report of an evaluation folder from its per-video records (no recomputing)."""
    from thg.eval import runner, stats
    from thg.eval.results import Results, RunSettings

    run_file = run_dir / runner.RUN_FILE
    if not run_file.is_file():
        raise InputError(f"{run_dir}: not an evaluation folder (no {runner.RUN_FILE}); give the --output of `thg eval`")
    settings = RunSettings.from_json(json.loads(run_file.read_text())["settings"])
    records = runner.read_records(run_dir)
    if not records:
        raise InputError(f"{run_dir}: no finished video yet; run `thg eval` first")
    previous = run_dir / "results.json"
    old = Results.from_json(json.loads(previous.read_text()) if previous.is_file() else {})
    _finish(run_dir, records, settings, metadata=stats.load_metadata(metadata) if metadata else None, seed=seed,
            n_boot=n_boot, method=method or old.method, command=old.reproducibility.command,
            matching=old.matching, per_frame=per_frame_csv, engine=old.reproducibility.engine)


def _command_line(ctx: click.Context) -> str:
    """The evaluation command as it could be typed again (from the parsed options)."""
    words = ["thg", "eval"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or value is False or value == () or not isinstance(param, click.Option):
            continue
        flag = max(param.opts, key=len)
        if param.is_flag:
            words.append(flag)
        else:
            for v in (value if param.multiple else (value,)):
                words += [flag, str(v)]
    return shlex.join(words)


@eval_group.command("list")
def list_command() -> None:
    """List the metrics, their family, direction and what they need."""
    from thg.eval.registry import list_metrics, suite_names

    infos = list_metrics()
    suite = set(suite_names())
    if not infos:
        click.echo("no metrics are registered in this build")
        return
    rows = [("*" if i.name in suite else " ") + i.name for i in infos]
    needs = ["needs:" + (",".join(sorted(i.needs)) or "-") for i in infos]
    w_name, w_family, w_needs = max(map(len, rows)), max(len(i.family) for i in infos), max(map(len, needs))
    for info, name, need in zip(infos, rows, needs):
        arrow = "higher" if info.higher_is_better else "lower"
        click.echo(f"{name:<{w_name}}  {info.family:<{w_family}}  {arrow:<6}  {need:<{w_needs}}  {info.scope:<5}  "
                   f"{info.description}")
    if suite:
        click.echo("* = in the standard suite (--metrics suite)")


@eval_group.command("compare")
@click.argument("results_a", type=click.Path(path_type=Path))
@click.argument("results_b", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="Folder for the comparison report.")
@click.option("--label-a", default=None, help="Name of method A (default: its --method, else 'A').")
@click.option("--label-b", default=None, help="Name of method B.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def compare_command(results_a, results_b, output, label_a, label_b, alpha, seed) -> None:
    """Paired comparison of two evaluated methods on the same clips (Wilcoxon signed-rank + effect size)."""
    from thg.eval import report

    a, b = report.load_results(results_a), report.load_results(results_b)
    label_a = label_a or a.method or "A"
    label_b = label_b or b.method or "B"
    if label_a == label_b:
        label_b += " (B)"
    comp = report.compare_results(a, b, label_a=label_a, label_b=label_b, alpha=alpha, seed=seed)
    output.mkdir(parents=True, exist_ok=True)
    paths = report.write_report(output, report.with_method(a, label_a), title=f"thg comparison: {label_a} vs {label_b}",
                                comparisons=[comp], others={label_b: b})
    report.write_json(output / "comparison.json", comp)
    for row in comp.metrics:
        click.echo(f"{row.metric:>14}: median {report._fmt(row.median_a)} vs {report._fmt(row.median_b)}, "
                   f"p={report._fmt(row.p_value, 3)}, r={report._fmt(row.effect_size, 3)}, better: "
                   f"{ {'a': label_a, 'b': label_b}.get(row.better, 'no significant difference') }")
    for note in dict.fromkeys(row.note for row in comp.metrics if row.note):
        click.echo(f"note: {note}")
    click.echo(f"report: {paths['html']}")


__all__ = ["eval_group"]


@eval_group.command("live")
@click.argument("log", type=click.Path(path_type=Path))
@click.option("--fps", type=click.FloatRange(0, min_open=True), default=None,
              help="Frame rate of the stream (default: the video pts' median step).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="Also write the figures as JSON.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
def live_command(log, fps, output, overwrite) -> None:
    """Live figures of a stream from a receiver's timestamp LOG (CSV: stream,pts,time_base,wall):
    time to first frame, real-time factor, render fps, dropped frames, audio/video drift."""
    from thg.eval.functional.live import live_figures, read_stream_log
    from thg.io.output import atomic_output

    figures = live_figures(read_stream_log(log), fps=fps)
    drift = figures["av_drift_ms"]
    click.echo(f"time to first frame: {figures['time_to_first_frame'] * 1000:.0f} ms")
    click.echo(f"real-time factor: {figures['real_time_factor']:.3f} ({figures['frames']} frames at "
               f"{figures['fps']:g} fps; received at {figures['render_fps']:.2f} fps)")
    click.echo(f"dropped frames: {figures['dropped_frames']}")
    if drift is not None:
        click.echo(f"a/v drift: median {drift['median']:+.0f} ms, largest {drift['max_abs']:.0f} ms, last second "
                   f"{drift['final']:+.0f} ms (+ = picture ahead of sound)")
    for note in figures["notes"]:
        click.echo(f"note: {note}", err=True)
    if output is not None:
        with atomic_output(output, overwrite=overwrite) as tmp:
            tmp.write_text(json.dumps({"log": str(log), **figures}, indent=2), encoding="utf-8")
        click.echo(f"figures: {output}")


@eval_group.command("index")
@click.argument("dataset")
@click.argument("root", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="Index CSV to write.")
def index_command(dataset, root, output) -> None:
    """Index a local copy of DATASET (voxceleb1/2, hdtf, mead, crema-d, ravdess, grid, lrs2, lrs3) under ROOT."""
    from thg.eval import datasets

    clips = datasets.index_dataset(dataset, root)
    datasets.write_index(clips, output)
    speakers = len({c.speaker for c in clips})
    click.echo(f"{len(clips)} clips of {speakers} speakers -> {output}")


@eval_group.command("split")
@click.argument("index", type=click.Path(path_type=Path))
@click.option("--protocol", "protocol_name", type=click.Choice(["iid", "cross-dataset", "emotion", "low-shot"]),
              required=True, help="Split protocol of survey section 3.4.")
@click.option("--test-index", type=click.Path(path_type=Path), default=None,
              help="cross-dataset: index of the unseen test corpus.")
@click.option("--fraction", type=float, default=0.2, show_default=True, help="Share of speakers held out.")
@click.option("--per-emotion", type=click.IntRange(1), default=None, help="emotion: at most this many clips per emotion.")
@click.option("--shots", type=click.IntRange(1, 5), default=1, show_default=True, help="low-shot: frames to adapt on.")
@click.option("--max-test", type=click.IntRange(1), default=None, help="cross-dataset: sample at most this many clips.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="Split JSON file to write.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
def split_command(index, protocol_name, test_index, fraction, per_emotion, shots, max_test, seed, output,
                  overwrite) -> None:
    """Write a test split of INDEX (from `thg eval index`) with its seed."""
    from thg.eval import datasets, protocol

    clips = datasets.read_index(index)
    if protocol_name == "cross-dataset":
        if test_index is None:
            raise UsageError("--protocol cross-dataset needs --test-index, the index of the unseen test corpus")
        split = protocol.split_cross_dataset(clips, datasets.read_index(test_index), max_test=max_test, seed=seed)
    elif protocol_name == "iid":
        split = protocol.split_iid(clips, fraction=fraction, seed=seed)
    elif protocol_name == "emotion":
        split = protocol.split_emotion(clips, fraction=fraction, per_emotion=per_emotion, seed=seed)
    else:
        split = protocol.split_low_shot(clips, shots=shots, fraction=fraction, seed=seed)
    split.sources = {"index": protocol.file_source(index)}
    if test_index is not None:
        split.sources["test_index"] = protocol.file_source(test_index)
    protocol.write_split(split, output, overwrite=overwrite)
    c = split.counts()
    click.echo(f"{protocol_name} split (seed {seed}): {c['train']} train, {c['test']} test clips, "
               f"{c['test_speakers']} test speakers -> {output}")


@eval_group.command("mos-page")
@click.argument("methods", nargs=-1, required=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="Rating page (.html) to write.")
@click.option("--attention-checks", type=click.IntRange(0, 50), default=2, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--title", default="Video quality study", show_default=True)
@click.option("--question", default="How natural and realistic is the talking person in this video?", show_default=True)
@click.option("--link", is_flag=True, help="Link the videos by relative path instead of embedding them.")
def mos_page_command(methods, output, attention_checks, seed, title, question, link) -> None:
    """Write a self-contained rating page for METHOD=FOLDER pairs (e.g. ours=out/ours base=out/base)."""
    from thg.eval import mos

    table = {}
    for item in methods:
        name, sep, folder = item.partition("=")
        if not sep or not name or not folder:
            raise UsageError(f"{item!r}: write METHOD=FOLDER, e.g. ours=out/ours")
        if name in table:
            raise UsageError(f"method {name!r} is given twice; give each method once")
        table[name] = folder
    page, key = mos.make_study(table, output, attention_checks=attention_checks, seed=seed, title=title,
                               question=question, embed=not link)
    n = len(json.loads(key.read_text())["items"])
    click.echo(f"{n} clips + {attention_checks} attention checks -> {page} (keep {key} to score the ratings)")


@eval_group.command("mos")
@click.argument("ratings", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--key", "key_path", type=click.Path(path_type=Path), required=True, help="The page's .key.json.")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="Folder for mos.json / mos.md.")
@click.option("--max-attention-failures", type=click.IntRange(0), default=0, show_default=True)
@click.option("--min-correlation", type=float, default=0.3, show_default=True,
              help="Exclude raters whose scores correlate less with the others' mean.")
@click.option("--seed", type=int, default=0, show_default=True)
def mos_command(ratings, key_path, output, max_attention_failures, min_correlation, seed) -> None:
    """MOS with 95% CIs, Krippendorff's alpha and rater screening from the rating CSVs."""
    from thg.eval import mos

    key = mos.load_key(key_path)
    result = mos.analyse(mos.load_ratings(ratings, key), key, max_attention_failures=max_attention_failures,
                         min_correlation=min_correlation, seed=seed)
    paths = mos.write_mos_report(result, output)
    for method, entry in result["methods"].items():
        e = mos.MosScore.from_json(entry)
        click.echo(f"{method:>14}: MOS {e.mos:.3f} [{e.ci.low:.3f}, {e.ci.high:.3f}] "
                   f"({e.n_raters} raters, {e.n_ratings} ratings)")
    a = result["alpha"]
    click.echo(f"Krippendorff's alpha: interval {a['interval']:.3f}, ordinal {a['ordinal']:.3f}; "
               f"raters kept {result['raters']['kept']} of {result['raters']['total']}")
    for w in result["warnings"]:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"report: {paths['markdown']}")
