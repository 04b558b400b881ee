"""Outputs appear complete or not at all, and never at the cost of an input or a non-file.

Every file thg writes goes through :func:`atomic_output`: the data is written to a temporary file
beside the target and renamed onto it only when the block succeeds, so an error, Ctrl-C, SIGTERM
or a full disk leaves the old file (or nothing) behind. :func:`check_output_path` does the checks
up front, before any work: only regular files are ever replaced (and only with ``overwrite``), an
output may not be one of the inputs, and its suffix must match what is written there.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from thg.errors import InputError, OutputError, OutputExistsError, UsageError
from thg.io.formats import WRITE

PathLike = str | os.PathLike
#: write errors that are the disk's or the folder's, not a bug: reported as one line
_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def _check_suffix(path: Path, kind: str) -> None:
    suffixes, what = WRITE[kind]
    if path.suffix.lower() not in suffixes:
        found = f"'{path.suffix}'" if path.suffix else "no suffix"
        raise UsageError(f"{path}: thg writes {what} here, but the name has {found}; "
                         f"name it {path.stem or 'out'}{suffixes[0]}")


def _same_file(a: PathLike, b: PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def check_output_path(path: PathLike, *, overwrite: bool, inputs: Iterable[PathLike | None] = (),
                      kind: str | None = None) -> Path:
    """Validate an output path before any work is done; ``inputs`` are files it must not be and
    ``kind`` (a key of :data:`thg.io.formats.WRITE`) the format its suffix must name."""
    raw = os.fspath(path)
    if raw == "-":
        raise UsageError("-o -: this command writes a file, not standard output; give a file name")
    if raw.endswith(("/", os.sep)) or (os.altsep and raw.endswith(os.altsep)):
        raise UsageError(f"{raw}: names a folder; give a file name inside it")
    path = Path(raw)
    for source in inputs:
        if source is not None and os.fspath(source) != "-" and _same_file(path, source):
            raise UsageError(f"{path}: this output is the input {source}; writing it would destroy the input, "
                             f"choose another output name")
    if kind is not None:
        _check_suffix(path, kind)
    if path.is_dir():
        raise InputError(f"{path}: output is a directory; give a file name such as {path / 'out.mp4'}")
    if os.path.lexists(path):
        if not overwrite:
            raise OutputExistsError(f"{path}: output already exists; pass --overwrite to replace it")
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG  # a dangling link: the link itself is replaced
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: not a regular file (a device, pipe or socket); thg replaces only "
                             f"regular files, choose another output name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{path}: folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: folder {parent} is not writable; choose another folder")
    return path


def check_outputs(outputs: dict[str, PathLike | None], *, overwrite: bool,
                  inputs: Iterable[PathLike | None] = (), kinds: dict[str, str] | None = None) -> None:
    """:func:`check_output_path` for each named output (option -> path), and no two of them the same file."""
    inputs = [p for p in inputs if p is not None]
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        check_output_path(path, overwrite=overwrite, inputs=inputs, kind=(kinds or {}).get(option))
        real = os.path.realpath(path)
        if real in seen:
            raise UsageError(f"{option} {path} is also {seen[real]}; give the two outputs different names")
        seen[real] = f"{option} {path}"


def disk_error(path: PathLike, e: OSError) -> OutputError:
    """A write failure of the disk or folder (full, read-only, no permission) as one line."""
    reason = e.strerror or str(e)
    return OutputError(f"{path}: cannot write the output ({reason}); free some space or choose another folder")


@contextlib.contextmanager
def atomic_output(path: PathLike, *, overwrite: bool = False, inputs: Iterable[PathLike | None] = (),
                  kind: str | None = None, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    On any error (and on Ctrl-C or a signal the CLI turns into one) the temporary file is removed
    and an existing ``path`` is left untouched. A disk that is full or read-only is an
    :class:`~thg.errors.OutputError`. ``inputs`` and ``kind`` are checked as in :func:`check_output_path`.
    The file gets the permissions a new file would (0666 less the umask), or ``mode`` (0o600 for a
    private key: the temporary file is private from the start).
    """
    path = check_output_path(path, overwrite=overwrite, inputs=inputs, kind=kind)
    tmp_path: Path | None = None
    try:
        # the name is known before the file exists, so that a stop signal landing the moment it is
        # created (before the next line runs) still finds it to remove; a random name nobody else uses
        for _ in range(100):
            tmp_path = path.parent / f".{path.stem}.{secrets.token_hex(6)}.part{path.suffix}"
            try:
                os.close(os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                break
            except FileExistsError:
                tmp_path = None
            except OSError as e:
                tmp_path = None
                raise disk_error(path, e) from None
        else:
            raise OutputError(f"{path.parent}: cannot create a temporary file there; check the folder")
        yield tmp_path
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # the private 0600 it was made with is not what a user expects
        os.chmod(tmp_path, mode)
        if os.path.lexists(path) and not overwrite:  # appeared while we worked
            raise OutputExistsError(f"{path}: output appeared while rendering; pass --overwrite to replace it")
        os.replace(tmp_path, path)
    except OSError as e:
        if e.errno in _DISK_ERRORS:
            raise disk_error(path, e) from None
        raise
    finally:
        if tmp_path is not None:
            with contextlib.suppress(OSError):
                tmp_path.unlink()


def write_text(path: PathLike, text: str, *, overwrite: bool = False, inputs: Iterable[PathLike | None] = (),
               kind: str | None = None) -> None:
    """Write a text file (UTF-8) through :func:`atomic_output`."""
    with atomic_output(path, overwrite=overwrite, inputs=inputs, kind=kind) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read_json_document(path: PathLike, *, schema: str, what: str, hint: str) -> dict:
    """Read a JSON file that names its ``schema``; a missing, malformed or foreign file is one
    :class:`InputError` naming the file, what it should have been (``what``) and ``hint``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: {what} not found; {hint}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InputError(f"{path}: {what} is not valid JSON ({str(e)[:200]}); {hint}") from None
    if not isinstance(data, dict) or data.get("schema") != schema:
        found = data.get("schema") if isinstance(data, dict) else None
        raise InputError(f"{path}: not a {what} (schema {found!r}); {hint}")
    return data
