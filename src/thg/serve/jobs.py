"""Jobs (generations, dubs, reenactments, evaluations) that survive a server restart.

Each accepted job is a folder ``<data>/jobs/<id>/`` holding its inputs and ``job.json`` (options, state,
error). A job folder appears complete or not at all (built under a temporary name, then renamed), and
``job.json`` is rewritten through the one atomic writer, so a killed server leaves every job either
queued, running (rerun on restart), done or failed. One worker thread runs the queue in submission order.

    store = JobStore(Path("data"))          # picks up what a previous server left
    job = store.submit(JobOptions(text="Hello"), files={})
    store.start(run_job)                    # the worker; run_job(job, progress) writes the outputs
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from thg.dub.fit import DEFAULT_FIT, FITS
from thg.errors import InputError, ThgError, UsageError
from thg.io.output import atomic_output

SCHEMA = "thg-serve-job/1"
STATES = ("queued", "running", "done", "failed")
MAX_ATTEMPTS = 3            # a job the server died on this often is failed, not retried forever
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class JobOptions:
    """What the client asked for (plain values only; files are named by the server)."""

    text: str | None = None
    lang: str = "en"
    example: str | None = None      # a bundled portrait, by name (see thg.serve.examples)
    emotion: str = "neutral"
    expression_scale: float = 1.0
    head_motion: float = 1.0
    blink_rate: float = 17.0
    seed: int = 0
    size: int = 512

    def __post_init__(self) -> None:
        from thg.motion.speech import EMOTIONS

        if self.emotion not in EMOTIONS:
            raise InputError(f"emotion {self.emotion!r} is not known; choose one of {', '.join(EMOTIONS)}")
        _check_ranges(self, ("expression_scale", 0, 3), ("head_motion", 0, 3), ("blink_rate", 0, 60))
        _check_size(self.size)
        _check_lang(self.lang)


def _check_ranges(options, *ranges: tuple[str, float, float]) -> None:
    for name, lo, hi in ranges:
        if not lo <= getattr(options, name) <= hi:
            raise InputError(f"{name} {getattr(options, name)} is out of range; use {lo} to {hi}")


def _check_size(size: int) -> None:
    if not 128 <= size <= 1280:
        raise InputError(f"size {size} is out of range; use 128 to 1280 pixels (the long side)")


def _check_lang(lang: str) -> None:
    if not re.fullmatch(r"[a-z]{2,3}([-_][A-Za-z0-9]{1,8})*", lang):
        raise InputError(f"lang {lang!r} is not a language code; use one such as en, de or pt-br")


@dataclass(frozen=True)
class EvalOptions:
    """An evaluation: the metrics to run on an uploaded video (names, or "suite")."""

    metrics: str = "suite"

    def __post_init__(self) -> None:
        from thg.eval.video import resolve_metric_names

        tokens = [t.strip().lower() for t in self.metrics.split(",") if t.strip()]
        if not tokens:
            raise InputError("metrics: none chosen; pick metrics or the suite")
        resolve_metric_names(tokens)     # an unknown name: "did you mean ..."


@dataclass(frozen=True)
class DubOptions:
    """A dub: an uploaded clip's lips following new speech (the text, unless speech is uploaded)."""

    text: str | None = None
    lang: str = "en"
    fit: str = DEFAULT_FIT
    expression_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.fit not in FITS:
            raise InputError(f"fit {self.fit!r} is not known; choose one of {', '.join(FITS)}")
        _check_ranges(self, ("expression_scale", 0, 3))
        _check_lang(self.lang)


@dataclass(frozen=True)
class ReenactOptions:
    """A reenactment: a portrait (uploaded or bundled) performing an uploaded driving video."""

    example: str | None = None
    mode: str = "relative"
    regions: str = "all"            # comma-separated: pose, mouth, eyes, brows (or all)
    size: int = 512

    def __post_init__(self) -> None:
        from thg.reenact.reenact import MODES, parse_regions

        if self.mode not in MODES:
            raise InputError(f"mode {self.mode!r} is not known; choose one of {', '.join(MODES)}")
        try:
            parse_regions(self.regions)
        except UsageError as e:   # its message names the CLI's flag
            raise InputError(str(e).replace("--regions", "regions")) from None
        _check_size(self.size)


#: kind of job -> (its options, what it offers for download: name in the API -> file in the job folder)
KINDS = {
    "generate": (JobOptions, {"video": "video.mp4", "motion": "motion.json", "report": "report.json"}),
    "evaluate": (EvalOptions, {"report": "report.json"}),
    "dub": (DubOptions, {"video": "dubbed.mp4", "motion": "motion.json"}),
    "reenact": (ReenactOptions, {"video": "reenacted.mp4", "motion": "motion.json"}),
}
Options = JobOptions | EvalOptions | DubOptions | ReenactOptions


@dataclass
class Job:
    id: str
    folder: Path
    options: Options
    inputs: dict[str, str]                 # role ("portrait", "audio", "pred", ...) -> file name in the folder
    state: str = "queued"
    created: float = field(default_factory=time.time)
    attempts: int = 0
    error: str | None = None
    result: dict = field(default_factory=dict)
    progress: float = 0.0                  # 0..1, kept in memory only (a rerun starts again)
    stage: str = ""

    @property
    def kind(self) -> str:
        return next(k for k, (cls, _) in KINDS.items() if isinstance(self.options, cls))

    @property
    def outputs(self) -> dict[str, str]:
        return KINDS[self.kind][1]

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "id": self.id, "kind": self.kind, "options": asdict(self.options), "inputs": self.inputs,
                "state": self.state, "created": self.created, "attempts": self.attempts, "error": self.error,
                "result": self.result}

    @classmethod
    def from_json(cls, folder: Path, d: dict) -> Job:
        options_cls = KINDS[d.get("kind", "generate")][0]
        known = {f.name for f in fields(options_cls)}
        options = options_cls(**{k: v for k, v in d["options"].items() if k in known})
        return cls(d["id"], folder, options, dict(d["inputs"]), d["state"],
                   float(d["created"]), int(d["attempts"]), d.get("error"), dict(d.get("result") or {}))

    def input_path(self, role: str) -> Path | None:
        name = self.inputs.get(role)
        return self.folder / name if name else None

    def required_input(self, role: str) -> Path:
        """The path of an input that the job's kind needs (the server accepts no job without it)."""
        path = self.input_path(role)
        if path is None:
            raise InputError(f"job {self.id}: no {role} file was given; submit the job again with it")
        return path

    def output_path(self, what: str) -> Path:
        return self.folder / self.outputs[what]

    def status(self) -> dict:
        """What the API reports about the job."""
        done = self.state == "done"
        return {"id": self.id, "kind": self.kind, "state": self.state, "stage": self.stage if self.state == "running" else self.state,
                "progress": 1.0 if done else round(self.progress, 3), "error": self.error, "attempts": self.attempts,
                "created": self.created, "result": self.result,
                "downloads": {k: f"/api/jobs/{self.id}/{k}" for k in self.outputs} if done else {}}


Runner = Callable[[Job, Callable[[str, float], None]], dict]


class JobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.jobs_dir = self.root / "jobs"
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._recover()

    # --- the record on disk ----------------------------------------------------------------------
    def _save(self, job: Job) -> None:
        with atomic_output(job.folder / "job.json", overwrite=True) as tmp:
            tmp.write_text(json.dumps(job.to_json(), indent=1))

    def _recover(self) -> None:
        """Load every job a previous server accepted; queue the unfinished ones again, oldest first."""
        for tmp in self.jobs_dir.glob(".new-*"):      # a submit that never completed was never accepted
            shutil.rmtree(tmp, ignore_errors=True)
        jobs = []
        for folder in self.jobs_dir.iterdir():
            try:
                jobs.append(Job.from_json(folder, json.loads((folder / "job.json").read_text())))
            except (OSError, ValueError, KeyError, TypeError, ThgError) as e:
                print(f"thg serve: skipping unreadable job folder {folder.name} ({e})", file=sys.stderr)
        for job in sorted(jobs, key=lambda j: j.created):
            self._jobs[job.id] = job
            if job.state == "running" and job.attempts >= MAX_ATTEMPTS:
                job.state, job.error = "failed", (f"the server stopped {job.attempts} times while making this "
                                                   f"video; submit it again with a shorter text or a smaller size")
                self._save(job)
            elif job.state in ("queued", "running"):
                job.state = "queued"
                self._queue.put(job.id)

    # --- the API's side --------------------------------------------------------------------------
    def submit(self, options: Options, files: dict[str, tuple[bytes, str]]) -> Job:
        """Accept a job: ``files`` maps a role to (content, suffix) already checked by content.
        When this returns, the job is on disk and will be finished or reported, restart or not."""
        job_id = uuid.uuid4().hex
        tmp = self.jobs_dir / f".new-{job_id}"
        tmp.mkdir()
        inputs = {}
        for role, (data, suffix) in files.items():
            inputs[role] = f"{role}{suffix}"
            (tmp / inputs[role]).write_bytes(data)
        job = Job(job_id, self.jobs_dir / job_id, options, inputs)
        (tmp / "job.json").write_text(json.dumps(job.to_json(), indent=1))
        os.replace(tmp, job.folder)
        with self._lock:
            self._jobs[job_id] = job
        self._queue.put(job_id)
        return job

    def get(self, job_id: str) -> Job | None:
        if not _ID.match(job_id):
            return None
        with self._lock:
            return self._jobs.get(job_id)

    def queued_ahead(self, job: Job) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.state in ("queued", "running") and j.created < job.created)

    # --- the worker ------------------------------------------------------------------------------
    def start(self, runner: Runner) -> None:
        self._thread = threading.Thread(target=self._work, args=(runner,), name="thg-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self, runner: Runner) -> None:
        while (job_id := self._queue.get()) is not None:
            self.run(self._jobs[job_id], runner)

    def run(self, job: Job, runner: Runner) -> None:
        for stale in job.folder.glob(".*.part*"):       # what a killed run left half-written
            stale.unlink()
        job.state, job.attempts, job.progress, job.error = "running", job.attempts + 1, 0.0, None
        self._save(job)

        def progress(stage: str, fraction: float) -> None:
            job.stage, job.progress = stage, max(0.0, min(1.0, fraction))

        try:
            job.result = runner(job, progress)
            job.state = "done"
        except ThgError as e:   # the message names inputs by their names in the job, not by server paths
            job.state, job.error = "failed", str(e).replace(f"{job.folder}{os.sep}", "")
        except Exception as e:  # not the input's fault: say so in one line, keep serving
            print(f"thg serve: job {job.id} failed: {type(e).__name__}: {e}", file=sys.stderr)
            job.state, job.error = "failed", f"internal error ({type(e).__name__}); the server log has details"
        self._save(job)
