"""thg.parallel: the engines that run many jobs, and the errors a user sees before any work starts."""

from __future__ import annotations

import os
import socket
import sys

import pytest
from click.testing import CliRunner

from thg.cli import main
from thg.errors import BackendMissingError, UsageError
from thg.parallel import Engine, WorkerLost, run_tasks


def square(x):
    return x * x


def die_on(x, bad):
    if x == bad:
        os._exit(3)  # the worker process dies
    return x


def test_local_engines_run_every_item():
    items = [(i,) for i in range(5)]
    assert sorted(r for _, r in run_tasks(square, items, Engine())) == [0, 1, 4, 9, 16]
    assert sorted(r for _, r in run_tasks(square, items, Engine(workers=2, mp_context="fork"))) == [0, 1, 4, 9, 16]


def test_a_dead_worker_names_a_job_it_took_with_it():
    """A dead process breaks the whole pool: the error names one of the jobs not finished."""
    with pytest.raises(WorkerLost, match="a worker process died while job [0-3]") as err:
        list(run_tasks(die_on, [(i, 2) for i in range(4)], Engine(workers=2, mp_context="fork"),
                       what=lambda item: f"job {item[0]}"))
    assert f"job {err.value.item[0]}" in str(err.value)


def test_engine_options_are_checked():
    with pytest.raises(UsageError, match="--address applies to --engine ray"):
        Engine("local", address="10.0.0.5:6379")
    with pytest.raises(UsageError, match="use one of local, ray"):
        Engine("dask")


def _eval(tmp_path, *extra):
    (tmp_path / "pred").mkdir(exist_ok=True)
    return CliRunner().invoke(main, ["eval", "--pred", str(tmp_path / "pred"), "--metrics", "psnr", "--output",
                                     str(tmp_path / "out"), *extra])


def test_without_ray_installed_the_error_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)   # `import ray` raises ImportError
    from thg.parallel import import_ray

    with pytest.raises(BackendMissingError, match=r'pip install "thg\[ray\]"'):
        import_ray()
    res = _eval(tmp_path, "--engine", "ray")
    assert res.exit_code == 1
    assert res.stderr.count("\n") == 1 and 'install it with pip install "thg[ray]"' in res.stderr
    assert not (tmp_path / "out").exists()   # refused before any work


def test_address_needs_engine_ray_and_a_live_cluster(tmp_path):
    res = _eval(tmp_path, "--address", "127.0.0.1:6379")
    assert res.exit_code == 2 and "--address applies to --engine ray" in res.stderr
    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = _eval(tmp_path, "--engine", "ray", "--address", f"127.0.0.1:{port}")
    assert res.exit_code == 1, res.output
    assert res.stderr.count("\n") == 1 and f"--address 127.0.0.1:{port}: no Ray cluster answers there" in res.stderr
    assert not (tmp_path / "out").exists()
    res = _eval(tmp_path, "--engine", "ray", "--address", "nonsense")
    assert res.exit_code == 2 and "write HOST:PORT of the Ray head node" in res.stderr
