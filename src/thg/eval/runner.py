"""Evaluate whole folders of videos: match by name, run in parallel processes, save as it goes, resume.

A run directory holds

- ``run.json``: the metrics, parameters and weights folder the run was started with (a rerun with
  other settings into the same folder is refused rather than mixing numbers);
- ``per_video.jsonl``: one JSON line per finished video, appended and flushed as each video
  finishes (values, conventions, coverage, notes, input hashes, or the error that stopped it);
- ``per_video/<name>.npz``: that video's per-frame values;
- ``pooled_state.npz``: the array state of set-level metrics (FID, FVD) merged over every finished
  video with :meth:`Metric.merge`, and the names of the videos it holds. A video's state is folded in
  right after its line is written; a crash between the two leaves a video that is listed but not
  pooled, and that video is evaluated again on resume (never pooled twice). Evaluation functions
  hand a set-level metric's state over as ``MetricResult.extra["state"]`` (its :meth:`Metric.state`).

Rerunning the same command skips every video whose line is in ``per_video.jsonl`` with unchanged
input hashes, so a crash or Ctrl-C loses at most the videos that were being evaluated.

Where the videos are evaluated is the engine's business (:mod:`thg.parallel`): here, in worker
processes, or as Ray tasks on this machine or a cluster (``--engine ray``). Ray tasks return their
record and arrays, and this process writes them, so the folder (and results.json) is the same
whichever engine ran it, and a run started on one engine resumes on another.

Names: PRED and REF (and AUDIO / SOURCE when they are folders) are matched by their path relative to
the folder without extension (``spk1/clip3.mp4`` matches ``spk1/clip3.mov``). Videos in PRED without
a REF of the same name are an error that lists them, unless ``skip_unmatched`` is set.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thg.errors import InputError, PipelineError, ThgError, UsageError
from thg.eval.records import AUDIO_SUFFIXES, IMAGE_SUFFIXES, VIDEO_SUFFIXES, as_float, jsonable
from thg.eval.results import RunSettings
from thg.io.digest import file_sha256
from thg.io.output import atomic_output, write_text
from thg.parallel import Engine, WorkerLost, run_tasks

JSONL = "per_video.jsonl"
RUN_FILE = "run.json"
ARRAYS_DIR = "per_video"


@dataclass(frozen=True)
class Job:
    """One video to evaluate with its side inputs."""

    name: str                   # relative path without extension, "/"-separated
    pred: Path
    ref: Path | None = None
    audio: Path | None = None
    source: Path | None = None

    def inputs(self) -> dict[str, Path]:
        return {k: v for k, v in (("pred", self.pred), ("ref", self.ref), ("audio", self.audio),
                                  ("source", self.source)) if v is not None}


@dataclass
class Matching:
    jobs: list[Job]
    unmatched_pred: list[str] = field(default_factory=list)   # in PRED, no REF of that name (skipped)
    unused_ref: list[str] = field(default_factory=list)       # in REF, no PRED of that name
    missing_audio: list[str] = field(default_factory=list)
    missing_source: list[str] = field(default_factory=list)


def _index(folder: Path, suffixes: Sequence[str], what: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith("."):
            name = path.relative_to(folder).with_suffix("").as_posix()
            if name in found:
                raise InputError(f"{what} folder {folder}: two files are named {name!r} "
                                 f"({found[name].name}, {path.name}); keep one per name")
            found[name] = path
    return found


def _side(path: str | os.PathLike | None, names: Iterable[str], suffixes: Sequence[str],
          what: str) -> tuple[dict[str, Path | None], list[str]]:
    names = list(names)
    if path is None:
        return {n: None for n in names}, []
    path = Path(path)
    if path.is_file():
        return {n: path for n in names}, []
    if path.is_dir():
        table = _index(path, suffixes, what)
        return {n: table.get(n) for n in names}, [n for n in names if n not in table]
    raise InputError(f"{what} {path}: not found; give a file or a folder of files named like the videos")


def _short(names: Sequence[str], n: int = 5) -> str:
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")


def match_inputs(pred: str | os.PathLike, *, ref: str | os.PathLike | None = None,
                 audio: str | os.PathLike | None = None, source: str | os.PathLike | None = None,
                 skip_unmatched: bool = False) -> Matching:
    """Pair PRED videos with REF videos (and audio / source images) by name."""
    pred = Path(pred)
    if pred.is_file():
        if pred.suffix.lower() not in VIDEO_SUFFIXES:
            raise InputError(f"--pred {pred}: not a video ({', '.join(VIDEO_SUFFIXES)}); give a video or a folder")
        preds = {pred.stem: pred}
        if ref is not None and Path(ref).is_dir():
            raise UsageError(f"--ref {ref} is a folder but --pred {pred} is one video; give one reference video")
        refs = {pred.stem: Path(ref)} if ref is not None else {}
        if ref is not None and not Path(ref).is_file():
            raise InputError(f"--ref {ref}: video not found; check the path")
    elif pred.is_dir():
        preds = _index(pred, VIDEO_SUFFIXES, "--pred")
        if not preds:
            raise InputError(f"--pred {pred}: folder holds no videos ({', '.join(VIDEO_SUFFIXES)})")
        if ref is None:
            refs = {}
        elif Path(ref).is_dir():
            refs = _index(Path(ref), VIDEO_SUFFIXES, "--ref")
        elif Path(ref).is_file():
            raise UsageError(f"--ref {ref} is one video but --pred {pred} is a folder; give a folder of "
                             f"reference videos named like the predictions")
        else:
            raise InputError(f"--ref {ref}: not found; check the path")
    else:
        raise InputError(f"--pred {pred}: not found; give a video file or a folder of videos")

    unmatched = sorted(n for n in preds if ref is not None and n not in refs)
    unused = sorted(n for n in refs if n not in preds)
    if unmatched and not skip_unmatched:
        raise InputError(f"names do not match: {len(unmatched)} of {len(preds)} videos in --pred {pred} have no "
                         f"video of the same name in --ref {ref} ({_short(unmatched)})"
                         + (f"; --ref has {len(unused)} without a prediction ({_short(unused)})" if unused else "")
                         + "; rename them so each pair shares its name, or pass --skip-unmatched")
    names = [n for n in preds if n not in unmatched]
    if not names:
        raise InputError(f"names do not match: no video in --pred {pred} has a namesake in --ref {ref}")
    audios, no_audio = _side(audio, names, AUDIO_SUFFIXES + VIDEO_SUFFIXES, "--audio")
    sources, no_source = _side(source, names, IMAGE_SUFFIXES, "--source")
    jobs = [Job(n, preds[n], refs.get(n), audios[n], sources[n]) for n in names]
    return Matching(jobs, unmatched, unused, no_audio, no_source)


# --------------------------------------------------------------------------- records

def _array_file(name: str) -> str:
    return name.replace("/", "__") + ".npz"


def _default_evaluate():
    from thg.eval.video import evaluate_video

    return evaluate_video


def compute_job(job: Job, settings: RunSettings, evaluate: Callable | None = None) -> tuple[dict, dict, dict]:
    """Evaluate one video (anywhere: here, a worker process, a Ray node); return its JSON record
    and its arrays (per-frame values, the state of set-level metrics) for :func:`persist_job`."""
    start = time.perf_counter()
    record: dict = {"video": job.name, **{k: str(v) for k, v in job.inputs().items()},
                    "hashes": {k: file_sha256(v) for k, v in job.inputs().items()}}
    evaluate = evaluate or _default_evaluate()
    try:
        results = evaluate(str(job.pred), ref=None if job.ref is None else str(job.ref),
                           audio=None if job.audio is None else str(job.audio),
                           source=None if job.source is None else str(job.source),
                           metrics=list(settings.metrics), weights_dir=settings.weights_dir,
                           params=settings.params, chunk=settings.chunk)
    except ThgError as e:
        record.update(status="error", error=str(e), error_type=type(e).__name__,
                      seconds=time.perf_counter() - start)
        return record, {}, {}
    arrays: dict[str, np.ndarray] = {}
    states: dict[str, np.ndarray] = {}
    metrics: dict[str, dict] = {}
    for name, res in results.items():
        extra = dict(res.extra)
        state = extra.pop("state", None)  # set-level metrics hand over their state here
        if state:
            for key, arr in state.items():
                states[f"{name}/{key}"] = np.asarray(arr)
        if res.per_frame is not None:
            arrays[f"{name}/per_frame"] = np.asarray(res.per_frame, dtype=np.float64)
        metrics[name] = jsonable({"value": res.value, "convention": res.convention, "coverage": res.coverage,
                                  "notes": list(res.notes), "extra": extra, "has_state": bool(state)})
    record.update(status="ok", metrics=metrics, seconds=time.perf_counter() - start)
    return record, arrays, states


def persist_job(out_dir: str | os.PathLike, record: dict, arrays: dict[str, np.ndarray],
                states: dict[str, np.ndarray]) -> dict:
    """Save a video's arrays into the run folder; return its record, naming the files."""
    if arrays:
        target = Path(out_dir) / ARRAYS_DIR / _array_file(record["video"])
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(target, overwrite=True) as tmp:
            np.savez_compressed(tmp, **arrays)
        record["arrays"] = f"{ARRAYS_DIR}/{target.name}"
    if states:
        target = Path(out_dir) / ARRAYS_DIR / _array_file(record["video"]).replace(".npz", ".state.npz")
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(target, overwrite=True) as tmp:
            np.savez(tmp, **states)
        record["state_file"] = f"{ARRAYS_DIR}/{target.name}"
    return record


def evaluate_job(job: Job, settings: RunSettings, out_dir: str, evaluate: Callable | None = None) -> dict:
    """Evaluate one video (in a worker process); save its arrays; return its JSON record."""
    return persist_job(out_dir, *compute_job(job, settings, evaluate))


def read_records(out_dir: str | os.PathLike) -> dict[str, dict]:
    """The finished records of a run folder, last line per video wins; a torn last line is ignored."""
    path = Path(out_dir) / JSONL
    records: dict[str, dict] = {}
    if not path.is_file():
        return records
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash
            if isinstance(rec, dict) and "video" in rec:
                records[rec["video"]] = rec
    return records


def load_arrays(out_dir: str | os.PathLike, record: dict) -> dict[str, np.ndarray]:
    if not record.get("arrays"):
        return {}
    with np.load(Path(out_dir) / record["arrays"]) as z:
        return {k: z[k] for k in z.files}


class SetPool:
    """Running merged state of the set-level metrics of a run, saved as ``pooled_state.npz``."""

    FILE = "pooled_state.npz"

    def __init__(self, out_dir: Path, settings: RunSettings) -> None:
        self.out_dir, self.settings = out_dir, settings
        self.metrics: dict = {}
        self.videos: list[str] = []

    def _create(self, name: str):
        from thg.eval.registry import create_metric

        params = dict((self.settings.params or {}).get(name, {}) or {})
        if self.settings.weights_dir:
            params.setdefault("weights_dir", self.settings.weights_dir)
        return create_metric(name, **params)

    @staticmethod
    def _split(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
        out: dict[str, dict[str, np.ndarray]] = {}
        for key, arr in arrays.items():
            name, _, sub = key.partition("/")
            if sub:
                out.setdefault(name, {})[sub] = arr
        return out

    def load(self) -> "SetPool":
        path = self.out_dir / self.FILE
        if path.is_file():
            with np.load(path) as z:
                arrays = {k: z[k] for k in z.files}
            self.videos = [str(v) for v in arrays.pop("__videos__", np.array([]))]
            for name, state in self._split(arrays).items():
                self.metrics[name] = self._create(name)
                self.metrics[name].load_state(state)
        return self

    def reset(self) -> None:
        self.metrics, self.videos = {}, []
        (self.out_dir / self.FILE).unlink(missing_ok=True)

    def covers(self, record: dict) -> bool:
        needs = any(m.get("has_state") for m in record.get("metrics", {}).values())
        return not needs or record["video"] in self.videos

    def fold(self, record: dict) -> None:
        path = self.out_dir / record["state_file"]
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
        for name, state in self._split(arrays).items():
            metric = self._create(name)
            metric.load_state(state)
            if name in self.metrics:
                self.metrics[name].merge(metric)
            else:
                self.metrics[name] = metric
        self.videos.append(record["video"])
        arrays = {f"{n}/{k}": np.asarray(v) for n, m in self.metrics.items() for k, v in m.state().items()}
        arrays["__videos__"] = np.array(self.videos)
        with atomic_output(self.out_dir / self.FILE, overwrite=True) as tmp:
            np.savez(tmp, **arrays)
        path.unlink(missing_ok=True)


def load_pooled(out_dir: str | os.PathLike, settings: RunSettings) -> SetPool:
    return SetPool(Path(out_dir), settings).load()


def _is_done(record: dict | None, job: Job) -> bool:
    if not record or record.get("status") != "ok":
        return False
    hashes = record.get("hashes", {})
    return all(hashes.get(k) == file_sha256(v) for k, v in job.inputs().items())


def _drop_torn_tail(path: Path) -> None:
    """Cut a last line left unfinished by a crash, so new lines start on a line of their own."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as f:
        data = f.read()
        if not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


def _check_settings(out_dir: Path, settings: RunSettings, resume: bool) -> None:
    run_file = out_dir / RUN_FILE
    wanted = settings.to_dict()
    if run_file.is_file() and resume:
        previous = json.loads(run_file.read_text())
        if previous.get("settings") != wanted:
            raise UsageError(f"{out_dir}: holds a run with other settings ({', '.join(previous['settings']['metrics'])});"
                             f" use a new --output folder or pass --no-resume to start over")
    if not resume:
        (out_dir / JSONL).unlink(missing_ok=True)
    _drop_torn_tail(out_dir / JSONL)
    write_text(run_file, json.dumps({"settings": wanted}, indent=2), overwrite=True)


def run_jobs(jobs: Sequence[Job], out_dir: str | os.PathLike, settings: RunSettings, *, workers: int = 1,
             resume: bool = True, mp_context: str = "spawn", evaluate: Callable | None = None,
             progress: Callable[[str, dict], None] | None = None, engine: Engine | None = None) -> dict[str, dict]:
    """Evaluate ``jobs``, appending one line per video to ``per_video.jsonl``; return all records.

    ``workers`` > 1 runs videos in that many processes (``mp_context``: "spawn", "fork" or
    "forkserver"). ``engine`` (:class:`thg.parallel.Engine`) runs them elsewhere, e.g. as Ray tasks;
    it replaces ``workers`` and ``mp_context``. Whatever runs them, this process writes the run
    folder, so the records, arrays and pooled state are the same. ``evaluate`` replaces
    :func:`thg.eval.video.evaluate_video` (it must be picklable).
    """
    engine = engine or Engine("local", workers=workers, mp_context=mp_context)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _check_settings(out_dir, settings, resume)
    records = read_records(out_dir) if resume else {}
    pool = SetPool(out_dir, settings)
    if resume:
        pool.load()
    else:
        pool.reset()
    todo = [j for j in jobs if not (_is_done(records.get(j.name), j) and pool.covers(records[j.name]))]
    if any(j.name in pool.videos for j in todo):  # a pooled video changed: its old state cannot be taken out
        pool.reset()
        todo = list(jobs)
    skipped = len(jobs) - len(todo)
    if progress and skipped:
        progress("resume", {"skipped": skipped})

    with open(out_dir / JSONL, "a", encoding="utf-8") as log:
        def save(rec: dict) -> None:
            log.write(json.dumps(rec) + "\n")
            log.flush()
            os.fsync(log.fileno())
            records[rec["video"]] = rec
            if rec.get("state_file"):
                pool.fold(rec)
            if progress:
                progress("done", rec)

        if engine.name == "local" and ((engine.workers or 1) <= 1 or len(todo) <= 1):
            for job in todo:
                save(evaluate_job(job, settings, str(out_dir), evaluate))
        else:
            # local processes write their own arrays; elsewhere (Ray) the arrays come back to be written here
            local = engine.name == "local"
            fn, items = ((evaluate_job, [(j, settings, str(out_dir), evaluate) for j in todo]) if local
                         else (compute_job, [(j, settings, evaluate) for j in todo]))
            try:
                with contextlib.closing(run_tasks(fn, items, engine, what=lambda item: f"evaluating {item[0].name}")) \
                        as finished:
                    for _, result in finished:
                        save(result if local else persist_job(out_dir, *result))
            except WorkerLost as e:
                raise PipelineError(f"{e}; finished videos are saved in {out_dir / JSONL}; run the same command "
                                    f"again to resume") from None
    return {j.name: records[j.name] for j in jobs if j.name in records}


__all__ = ["Job", "Matching", "RunSettings", "match_inputs", "run_jobs", "evaluate_job", "compute_job",
           "persist_job", "read_records",
           "load_arrays", "load_pooled", "SetPool", "file_sha256", "jsonable", "as_float", "VIDEO_SUFFIXES"]
