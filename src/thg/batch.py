"""``thg batch JOBS.csv``: many `thg generate` runs from one table, here or as Ray tasks, resumable.

One CSV row per output video. Columns (header names; case, spaces and ``_``/``-`` do not matter):

- ``portrait`` (required): the photo;
- ``text`` or ``audio`` (one of them, or ``audio`` with ``motion``): what the face says;
- ``output``: the MP4 to write, relative to ``--output-dir`` (default ``row<N>.mp4``);
- any other option of `thg generate`, named as there without the dashes: ``lang``, ``emotion``,
  ``seed``, ``size``, ``fps``, ``expression-scale``, ``head-motion``, ``blink``, ``face-index``,
  ``motion``, ``fit``, ``save-motion``, ``watermark``, ``no-watermark``, ``max-megapixels``,
  ``max-seconds``. An empty cell is the option's default; flags take 1/0, true/false, yes/no.

Input paths are relative to the CSV's folder. Rows are numbered as a spreadsheet shows them (the
header is row 1). Every row is checked before anything runs, by the same checks as `thg generate`
(its click option types and :func:`thg.generate_cli.plan_generate`), and every problem is one line
naming the row and the column.

Each finished row is appended to ``<stem>.status.jsonl`` in the output folder as it finishes (its
output, a key of its options and input files, frames, seconds, or its error); at the end the
table of every row is written as ``<stem>.status.csv`` and ``<stem>.status.json``. A failing row
does not stop the others; the exit code is 1 if any row failed. Running the same command again
skips rows whose output exists (outputs are written whole or not at all, :mod:`thg.io.output`)
and runs the rest; a row whose options changed since its output was made is an error unless
``--overwrite`` is given.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from thg.errors import InputError, PipelineError, ThgError, UsageError
from thg.io.digest import file_sha256
from thg.parallel import Engine, WorkerLost, check_engine, engine_options, run_tasks

STATUS_SCHEMA = "thg-batch-status/1"
#: generate options that are the batch's own, not a row's
NOT_COLUMNS = {"image", "output", "overwrite", "quiet", "verbose"}
#: columns holding input files (relative to the CSV's folder) -> their generate option
INPUT_COLUMNS = {"portrait": "image", "audio": "audio", "motion": "motion_file"}
#: columns holding outputs (relative to --output-dir)
OUTPUT_COLUMNS = ("output", "save-motion")
#: names people reach for, with the column they mean
ALIASES = {"image": "portrait", "photo": "portrait", "picture": "portrait", "speech": "audio", "video": "output",
           "out": "output", "language": "lang"}


def _generate_command() -> click.Command:
    from thg.generate_cli import generate

    return generate


def _option_columns() -> dict[str, click.Parameter]:
    """Column name -> the `thg generate` option it sets (``portrait`` is ``--image``)."""
    columns: dict[str, click.Parameter] = {}
    for param in _generate_command().params:
        if not isinstance(param, click.Option) or param.name in NOT_COLUMNS or param.name is None:
            continue
        flag = max(param.opts, key=len).lstrip("-")
        columns[flag] = param
    return columns


def known_columns() -> list[str]:
    return ["portrait", "output", *sorted(_option_columns())]


def _column_name(raw: str) -> str:
    return raw.strip().lower().replace("_", "-").replace(" ", "-")


@dataclass
class Row:
    """One row of the table: where it is, what it writes, and its checked job (None: to be skipped)."""

    number: int                      # row as a spreadsheet shows it (header = 1)
    output: Path
    key: str = ""                    # hash of the options and input files
    cells: dict[str, str] = field(default_factory=dict)
    argv: list[str] = field(default_factory=list)
    job: Any = None                  # thg.generate_cli.GenerateJob once planned


def _where(csv_path: Path, number: int, column: str | None = None) -> str:
    return f"{csv_path.name} row {number}" + (f", column {column}" if column else "")


def read_jobs(csv_path: str | os.PathLike, output_dir: str | os.PathLike) -> list[Row]:
    """Read and check the table: names, cells and files; raises one :class:`UsageError` listing the
    first problem (and how many more there are)."""
    csv_path = Path(csv_path)
    output_dir = Path(output_dir)
    if not csv_path.is_file():
        raise InputError(f"{csv_path}: jobs table not found; give a CSV file with one row per output")
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as f:
            lines = list(csv.reader(f))
    except UnicodeDecodeError as e:
        raise InputError(f"{csv_path}: not UTF-8 text ({e.reason} at byte {e.start}); save the table as UTF-8 CSV") \
            from None
    except csv.Error as e:
        raise InputError(f"{csv_path}: not a readable CSV ({e}); check its quoting") from None
    if not lines or not any(c.strip() for c in lines[0]):
        raise UsageError(f"{csv_path}: the table is empty; give a header row (portrait,text,...) and one row per output")
    header = [_column_name(c) for c in lines[0]]
    options = _option_columns()
    known = set(known_columns())
    for i, name in enumerate(header, 1):
        if not name:
            raise UsageError(f"{_where(csv_path, 1)}: column {i} has no name; name it (e.g. portrait, text, seed)")
        if name not in known:
            guess = ALIASES.get(name) or next(iter(difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)), None)
            hint = f"did you mean {guess!r}? " if guess else ""
            raise UsageError(f"{_where(csv_path, 1)}: unknown column {lines[0][i - 1].strip()!r}; {hint}columns are "
                             f"{', '.join(known_columns())}")
        if header.count(name) > 1:
            raise UsageError(f"{_where(csv_path, 1)}: column {name!r} appears twice; keep one")
    if "portrait" not in header:
        raise UsageError(f"{_where(csv_path, 1)}: no portrait column; every row needs the photo to animate")

    problems: list[tuple[int, str]] = []
    rows: list[Row] = []
    outputs: dict[str, int] = {}
    for number, cells in enumerate(lines[1:], 2):
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) > len(header):
            problems.append((number, f"{_where(csv_path, number)}: {len(cells)} cells but the header names "
                                     f"{len(header)} columns; quote cells that hold commas"))
            continue
        row = dict(zip(header, (c.strip() for c in cells)))
        try:
            rows.append(_read_row(csv_path, output_dir, number, row, options, outputs))
        except UsageError as e:
            problems.append((number, str(e)))
    _raise_first(problems)
    if not rows:
        raise UsageError(f"{csv_path}: no job rows under the header; add one row per output")
    return rows


def _raise_first(problems: list[tuple[int, str]]) -> None:
    """One line: the first problem, and the rows of the others."""
    if not problems:
        return
    others = sorted({n for n, _ in problems[1:]})
    more = ""
    if len(problems) > 1:
        shown = ", ".join(map(str, others[:6])) + (", ..." if len(others) > 6 else "")
        more = (f" (and {len(problems) - 1} more problem{'s' * (len(problems) > 2)}: "
                f"row{'s' * (len(others) > 1)} {shown})")
    raise UsageError(problems[0][1] + more)


def _read_row(csv_path: Path, output_dir: Path, number: int, cells: dict[str, str],
              options: dict[str, click.Parameter], outputs: dict[str, int]) -> Row:
    where = lambda column=None: _where(csv_path, number, column)
    if not cells.get("portrait"):
        raise UsageError(f"{where('portrait')}: empty; give the photo to animate")
    if cells.get("text") and cells.get("audio"):
        raise UsageError(f"{where('text')}: the row has both text and audio; give one of them")
    if not cells.get("text") and not cells.get("audio") and not cells.get("motion"):
        raise UsageError(f"{where('text')}: the row has no text, audio or motion; give what the face says")
    base = csv_path.parent
    argv: list[str] = []
    for column, value in cells.items():
        if not value or column in ("portrait", "output"):
            continue
        param = options[column]
        if isinstance(param, click.Option) and param.is_flag:
            try:
                on = click.BOOL.convert(value, param, None)
            except click.BadParameter:
                raise UsageError(f"{where(column)}: {value[:40]!r} is not yes or no; write 1 or 0") from None
            if on:
                argv.append(f"--{column}")
            continue
        if column in INPUT_COLUMNS:
            value = str(base / value)
            if not Path(value).is_file():
                raise UsageError(f"{where(column)}: {cells[column]} not found (looked for {os.path.abspath(value)}); "
                                 f"give a path relative to the CSV's folder, or an absolute one")
        elif column in OUTPUT_COLUMNS:
            value = str(output_dir / value)
        argv += [f"--{column}", value]
    image = base / cells["portrait"]
    if not image.is_file():
        raise UsageError(f"{where('portrait')}: {cells['portrait']} not found (looked for {os.path.abspath(image)}); "
                         f"give a path relative to the CSV's folder, or an absolute one")
    output = Path(os.path.abspath(output_dir / (cells.get("output") or f"row{number}.mp4")))
    if output.suffix.lower() != ".mp4":
        raise UsageError(f"{where('output')}: {output.name} is not an .mp4 name; name it {output.stem}.mp4")
    if str(output) in outputs:
        raise UsageError(f"{where('output')}: {output.name} is also the output of row {outputs[str(output)]}; give "
                         f"each row its own output")
    outputs[str(output)] = number
    argv = ["--image", str(image), "--output", str(output), *argv]
    ctx = _parse(argv, where)
    _plan(csv_path, number, cells, ctx, outputs=False)   # text, language, what drives the face
    return Row(number, output, _job_key(ctx.params), cells, argv)


def _plan(csv_path: Path, number: int, cells: dict[str, str], ctx: click.Context, *, outputs: bool):
    """:func:`thg.generate_cli.plan_generate` with its message put on the row and column."""
    from thg.generate_cli import plan_generate

    try:
        return plan_generate(ctx, outputs=outputs)
    except ThgError as e:  # usage, or an output path that cannot be written
        raise UsageError(f"{_where(csv_path, number, _column_of(str(e), cells))}: {e}") from None


def _parse(argv: list[str], where) -> click.Context:
    """The row's options through `thg generate`'s own option types (ranges, choices)."""
    try:
        return _generate_command().make_context("thg batch", list(argv), resilient_parsing=False)
    except click.BadParameter as e:
        column = max(e.param.opts, key=len).lstrip("-") if e.param is not None else None
        raise UsageError(f"{where({'image': 'portrait'}.get(column or '', column))}: {e.message}") from None
    except click.ClickException as e:
        raise UsageError(f"{where()}: {e.format_message()}") from None


def _job_key(params: dict) -> str:
    """What the output depends on: the options as parsed and the input files' contents."""
    skip = {"output", "save_motion", "overwrite", "quiet"}
    data = {k: v for k, v in sorted(params.items()) if k not in skip}
    for name in ("image", "audio", "motion_file"):
        if data.get(name):
            data[name] = file_sha256(data[name])
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


#: option names in `thg generate`'s messages -> the column that holds them
_OPTION_COLUMN = {"--image": "portrait", "--motion": "motion", "--save-motion": "save-motion", "--output": "output"}


def _column_of(message: str, cells: dict[str, str]) -> str | None:
    """The column a `thg generate` message is about (its first --option that the row fills)."""
    import re

    for option in re.findall(r"--[a-z][a-z-]*", message):
        column = _OPTION_COLUMN.get(option, option[2:])
        if column in cells or column == "portrait":
            return column
    return None


def plan_rows(csv_path: Path, rows: list[Row], *, overwrite: bool,
              previous: dict[str, dict]) -> tuple[list[Row], dict[int, dict]]:
    """Which rows run; the records of those that do not (skipped, or in conflict with their output)."""
    todo: list[Row] = []
    settled: dict[int, dict] = {}
    problems: list[tuple[int, str]] = []
    for row in rows:
        before = previous.get(str(row.output))
        if row.output.exists() and not overwrite:
            if before and before.get("status") == "ok" and before.get("key") != row.key:
                settled[row.number] = _record(row, "error", error=f"{row.output} was made with other options or "
                                              f"inputs than row {row.number} has now; pass --overwrite to make it "
                                              f"again, or name another output", error_type="OutputExistsError")
            else:
                settled[row.number] = _record(row, "skipped", **{k: before[k] for k in ("frames", "duration", "fps")
                                                                 if before and k in before})
            continue
        row.output.parent.mkdir(parents=True, exist_ok=True)
        argv = row.argv + (["--overwrite"] if overwrite else [])
        ctx = _parse(argv, lambda column=None, n=row.number: _where(csv_path, n, column))
        try:
            row.job = _plan(csv_path, row.number, row.cells, ctx, outputs=True)
        except UsageError as e:
            problems.append((row.number, str(e)))
            continue
        todo.append(row)
    _raise_first(problems)
    return todo, settled


def _record(row: Row, status: str, **info) -> dict:
    return {"row": row.number, "output": str(row.output), "key": row.key, "status": status, **info}


def run_row(number: int, job) -> dict:
    """Render one row (in any process); its outcome, never an exception (but Ctrl-C)."""
    from thg.generate_cli import run_generate

    start = time.perf_counter()
    seconds = lambda: round(time.perf_counter() - start, 3)
    try:
        result = run_generate(job, quiet=True)
    except ThgError as e:
        return {"status": "error", "error": str(e), "error_type": type(e).__name__, "seconds": seconds()}
    except Exception as e:  # a bug must not cost the other rows
        return {"status": "error", "error_type": type(e).__name__, "seconds": seconds(),
                "error": f"unexpected internal error ({type(e).__name__}: {str(e)[:200]}); this is a bug in thg: "
                         f"run the row alone with `thg generate --verbose` and report the traceback"}
    return {"status": "ok", "frames": result.n_frames, "duration": round(result.duration, 6), "fps": result.fps,
            "seconds": seconds()}


def read_status(path: Path) -> dict[str, dict]:
    """The records of earlier runs by output path (last one wins; a line cut by a crash is ignored)."""
    records: dict[str, dict] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                rec = json.loads(line)
                if isinstance(rec, dict) and "output" in rec:
                    records[rec["output"]] = rec
    return records


def _status_paths(csv_path: Path, output_dir: Path) -> dict[str, Path]:
    return {k: output_dir / f"{csv_path.stem}.status.{k}" for k in ("jsonl", "csv", "json")}


STATUS_COLUMNS = ["row", "output", "status", "frames", "duration", "seconds", "error"]


def write_status(paths: dict[str, Path], table: list[dict], csv_path: Path) -> None:
    from thg.io.output import atomic_output, write_text

    with atomic_output(paths["csv"], overwrite=True) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, STATUS_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for rec in table:
            w.writerow({k: ("" if rec.get(k) is None else rec[k]) for k in STATUS_COLUMNS})
    counts = {s: sum(r["status"] == s for r in table) for s in ("ok", "skipped", "error", "not run")}
    write_text(paths["json"], json.dumps({"schema": STATUS_SCHEMA, "jobs": str(csv_path), "counts": counts,
                                          "rows": table}, indent=2), overwrite=True)


def _summary(table: list[dict], output_dir: Path) -> None:
    """One line per row that ran or failed (every row when there are few), to stdout."""
    shown = [r for r in table if r["status"] != "skipped" or len(table) <= 50]
    rows = []
    for r in shown:
        out = os.path.relpath(r["output"], output_dir) if r.get("output") else ""
        if r["status"] == "ok":
            detail = f"{r['frames']} frames, {r['duration']:.2f} s, made in {r['seconds']:.1f} s"
        elif r["status"] == "skipped":
            detail = "output exists"
        else:
            detail = r.get("error") or ""
        rows.append((str(r["row"]), out, {"ok": "done"}.get(r["status"], r["status"]), detail))
    if rows:
        widths = [max(len(h), *(len(x[i]) for x in rows)) for i, h in enumerate(("row", "output", "status"))]
        click.echo(f"{'row':>{widths[0]}}  {'output':<{widths[1]}}  {'status':<{widths[2]}}  detail")
        for line in rows:
            click.echo(f"{line[0]:>{widths[0]}}  {line[1]:<{widths[1]}}  {line[2]:<{widths[2]}}  {line[3]}")


def run_batch(csv_path: str | os.PathLike, output_dir: str | os.PathLike | None = None, *,
              engine: Engine | None = None, overwrite: bool = False,
              progress=None) -> list[dict]:
    """Run every row of the jobs table; return each row's record (row order). The Python twin of
    `thg batch`, without the printing and the exit code."""
    csv_path = Path(csv_path)
    out_dir = Path(output_dir) if output_dir is not None else csv_path.parent
    engine = engine or Engine()
    check_engine(engine)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--output-dir {out_dir}: is a file; give a folder")
    rows = read_jobs(csv_path, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = _status_paths(csv_path, out_dir)
    todo, settled = plan_rows(csv_path, rows, overwrite=overwrite, previous=read_status(paths["jsonl"]))
    if progress and any(r["status"] == "skipped" for r in settled.values()):
        progress("resume", {"skipped": sum(r["status"] == "skipped" for r in settled.values())})
    by_number = {r.number: r for r in rows}
    try:
        with open(paths["jsonl"], "a", encoding="utf-8") as log:
            def save(rec: dict) -> None:
                log.write(json.dumps(rec) + "\n")
                log.flush()
                os.fsync(log.fileno())
                settled[rec["row"]] = rec
                if progress:
                    progress("done", rec)

            items = [(row.number, row.job) for row in todo]
            finished = run_tasks(run_row, items, engine, what=lambda item: f"generating row {item[0]}",
                                 keep_going=True)
            try:
                with contextlib.closing(finished):
                    for (number, _), outcome in finished:
                        if isinstance(outcome, WorkerLost):
                            outcome = {"status": "error", "error": f"{outcome}; run the same command again to retry",
                                       "error_type": "WorkerLost"}
                        save(_record(by_number[number], **outcome))
            except WorkerLost as e:   # a local worker process died: the pool is gone
                number = e.item[0] if e.item else None
                if number is not None:
                    save(_record(by_number[number], "error", error=f"{e}; run the same command again to retry",
                                 error_type="WorkerLost"))
    finally:
        table = [settled.get(r.number) or _record(r, "not run") for r in rows]
        write_status(paths, table, csv_path)
    return table


@click.command()
@click.argument("jobs", type=click.Path(path_type=Path))
@click.option("--output-dir", "-o", type=click.Path(path_type=Path), default=None,
              help="Folder for the videos and the status table (default: the CSV's folder).")
@click.option("--overwrite", is_flag=True, help="Make again the rows whose output exists.")
@engine_options
def batch(jobs, output_dir, overwrite, engine, address, workers) -> None:
    """Make one talking-head video per row of the JOBS table (CSV: portrait, text or audio, options).

    Columns: portrait (the photo), text or audio, output (default row<N>.mp4), and any option of
    `thg generate` without its dashes (lang, emotion, seed, size, fps, ...). Input paths are relative
    to the CSV's folder. Rows that fail are listed with their error in <JOBS>.status.csv and the
    others go on; the same command again skips the rows already made.
    """
    out_dir = output_dir if output_dir is not None else jobs.parent

    def progress(event: str, info: dict) -> None:
        if event == "resume":
            n = info["skipped"]
            click.echo(f"resuming: {n} row{'s' * (n != 1)} already done", err=True)
        elif info.get("status") == "ok":
            click.echo(f"  row {info['row']}: done in {info['seconds']:.1f} s", err=True)
        else:
            click.echo(f"  row {info['row']}: failed: {info.get('error')}", err=True)

    run_engine = Engine(engine, workers=workers, address=address)
    try:
        table = run_batch(jobs, out_dir, engine=run_engine, overwrite=overwrite, progress=progress)
    except KeyboardInterrupt:
        raise _Interrupted(f"interrupted; finished rows are kept and listed in "
                           f"{_status_paths(jobs, out_dir)['csv']}; run the same command again to resume") from None
    _summary(table, out_dir)
    paths = _status_paths(jobs, out_dir)
    counts = {s: sum(r["status"] == s for r in table) for s in ("ok", "skipped", "error", "not run")}
    click.echo(f"{counts['ok']} made, {counts['skipped']} already done, {counts['error']} failed"
               + (f", {counts['not run']} not run" if counts["not run"] else "") + f"; status: {paths['csv']}")
    failed = [r for r in table if r["status"] in ("error", "not run")]
    if failed:
        rows = ", ".join(str(r["row"]) for r in failed[:8]) + (", ..." if len(failed) > 8 else "")
        raise PipelineError(f"{len(failed)} of {len(table)} rows failed or did not run "
                            f"(row{'s' * (len(failed) > 1)} {rows}); see "
                            f"{paths['csv']}; fix them and run the same command again to finish")


class _Interrupted(PipelineError):
    exit_code = 130


__all__ = ["batch", "run_batch", "read_jobs", "known_columns", "run_row"]
