"""Stop signals held over a block reach their handler when it ends, not inside it."""

from __future__ import annotations

import os
import signal

from thg.stop import stop_signals_held, stop_signals_to


def test_a_signal_in_a_held_block_is_handled_after_it():
    seen: list[str] = []
    before = signal.getsignal(signal.SIGTERM)
    with stop_signals_to(lambda signum, frame: seen.append(f"handled {signum}")):
        with stop_signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            seen.append("block done")
        seen.append("after")
    assert seen == ["block done", f"handled {int(signal.SIGTERM)}", "after"]
    assert signal.getsignal(signal.SIGTERM) is before
