"""BLAS on one thread while frames are made, its own setting back after (in a fresh process: the
setting is the process's, and other tests' streams share it)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_CHECK = """
import json, threading
import numpy, scipy.linalg   # numpy's BLAS and scipy's own
from threadpoolctl import threadpool_info
from thg.blas import one_blas_thread

def blas():
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

seen = {"before": blas()}
inside = []

def other_run():   # a block opened and closed on another thread while this one's is open
    with one_blas_thread():
        inside.append(blas())

with one_blas_thread():
    other = threading.Thread(target=other_run)
    other.start()
    other.join()
    seen["other"] = inside[0]
    seen["other closed"] = blas()
seen["after"] = blas()
print(json.dumps(seen))
"""


def test_one_thread_inside_and_the_setting_back_when_the_last_block_closes():
    run = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, check=True)
    seen = json.loads(run.stdout)
    assert len(seen["before"]) >= 2, seen          # numpy's BLAS and scipy's
    if max(seen["before"]) == 1:
        pytest.skip("BLAS runs on one thread here anyway (one core)")
    assert set(seen["other"]) == set(seen["other closed"]) == {1}
    assert seen["after"] == seen["before"]
