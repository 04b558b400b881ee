"""The digest thg records of an input file (an evaluation's inputs, a batch row's portrait and speech),
so that a rerun can tell whether a file changed since its result was made."""

from __future__ import annotations

import hashlib
import os


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of the file's bytes, read in chunks (flat memory for any size), as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


__all__ = ["file_sha256"]
