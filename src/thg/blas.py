"""BLAS on one thread while frames are made.

The stages' matrix products are small (motion rows, audio pieces, a few hundred mesh points), and
OpenBLAS's own worker thread spins between them: about 2 s of CPU per 27 s of speech on two cores,
taken from the renderer and the encoder (a 1280 px run took 5-10 % longer with it). While any
:func:`one_blas_thread` block is open, BLAS libraries use one thread; when the last closes, each
gets back the number it had before the first opened.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_open = 0
_own: dict[str, int] = {}   # each BLAS library's own number of threads (by its prefix), while blocks are open


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS libraries on one thread in this block (nested and concurrent blocks share the limit;
    each block sets it again, for a BLAS library loaded since the first)."""
    global _open
    from threadpoolctl import threadpool_info, threadpool_limits

    with _lock:
        for lib in threadpool_info():
            if lib["user_api"] == "blas":
                _own.setdefault(lib["prefix"], lib["num_threads"])
        threadpool_limits(limits=1, user_api="blas")
        _open += 1
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if _open == 0:
                # (OpenBLAS keeps a number set from the main thread over one set later from another:
                # where the last block closes on another thread, BLAS stays on one thread)
                threadpool_limits(limits=dict(_own))
                _own.clear()
