"""Stop signals (Ctrl-C, SIGTERM, SIGHUP): who handles them while a block of code runs."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

#: signals that end a run like Ctrl-C does
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def stop_signals_to(handler: Callable[[int, object], None]) -> Iterator[None]:
    """The stop signals go to ``handler`` while the block runs, then back to whom they went to (in
    the main thread; Python handles signals nowhere else, and elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Stop signals that arrive in the block are handled when it ends, by whatever handles them
    then. (One handled inside ``subprocess.Popen``, after its fork, leaves the child running with
    nothing that refers to it.)"""
    caught: list[int] = []
    with stop_signals_to(lambda signum, frame: caught.append(signum)):
        yield
    for signum in caught:
        signal.raise_signal(signum)
