"""Outputs appear complete or not at all."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from thg.errors import InputError, OutputExistsError


def check_output_path(path: str | os.PathLike, *, overwrite: bool) -> Path:
    """Validate an output path before any work is done."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path}: output already exists; pass --overwrite to replace it")
    if path.exists() and path.is_dir():
        raise InputError(f"{path}: output is a directory; give a file name such as {path / 'out.mp4'}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{path}: folder {parent} does not exist; create it first")
    return path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    On any error the temporary file is removed and an existing ``path`` is left untouched.
    """
    path = check_output_path(path, overwrite=overwrite)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent or ".")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp's private 0600 is not what a user expects
        if path.exists() and not overwrite:  # appeared while we worked
            raise OutputExistsError(f"{path}: output appeared while rendering; pass --overwrite to replace it")
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def read_json_document(path: str | os.PathLike, *, schema: str, what: str, hint: str) -> dict:
    """Read a JSON file that names its ``schema``; a missing, malformed or foreign file is one
    :class:`InputError` naming the file, what it should have been (``what``) and ``hint``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: {what} not found; {hint}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: {what} is not valid JSON ({e}); {hint}") from None
    if not isinstance(data, dict) or data.get("schema") != schema:
        found = data.get("schema") if isinstance(data, dict) else None
        raise InputError(f"{path}: not a {what} (schema {found!r}); {hint}")
    return data
