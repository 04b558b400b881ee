"""Run independent jobs here, in worker processes, or as Ray tasks, and get each result as it finishes.

    for item, result in run_tasks(fn, items, Engine("ray", address="10.0.0.5:6379")):
        save(result)          # persist it before the next one: a crash loses only unfinished jobs

``fn`` is a module-level function (it is pickled by reference) called as ``fn(*item)``. The three
ways to run it:

- ``Engine("local")`` with ``workers`` 1: one after the other in this process;
- ``Engine("local", workers=N)``: N worker processes (``concurrent.futures``), the cores shared
  between them through the thread-count variables of the numeric libraries;
- ``Engine("ray")``: one Ray task (one CPU) per item. Without ``address`` a private Ray is started
  on this machine for the run (``workers`` CPUs, default all) and stopped after it; with one
  (``HOST:PORT`` of a head node, ``auto``, or ``ray://HOST:PORT``) the jobs go to that cluster,
  at most ``workers`` at once (default twice the cluster's CPUs, so that results stream back).
  Ray is imported only here, only then; it stays quiet (no dashboard, no worker logs on this
  console, errors only). Every node must reach the inputs under the same paths (shared storage)
  and have thg installed; results come back to this process, which writes them.

A job that dies with its process (killed, out of memory) is a :class:`WorkerLost` naming the item;
an exception raised by ``fn`` itself is re-raised here as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import click

from thg.errors import BackendMissingError, InputError, PipelineError, UsageError

ENGINES = ("local", "ray")
RAY_INSTALL = 'pip install "thg[ray]"'
#: object store of the Ray that a run starts for itself: only results pass through it (records,
#: per-frame arrays), and Ray spills to disk beyond it
LOCAL_OBJECT_STORE = 256 * 1024**2
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class WorkerLost(PipelineError):
    """A worker process (or Ray worker or node) died while running ``item``. (A dead local process
    breaks its whole pool: ``item`` is then one of the jobs that had not finished.)"""

    def __init__(self, message: str, item: Any = None) -> None:
        super().__init__(message)
        self.item = item


@dataclass(frozen=True)
class Engine:
    name: str = "local"            # "local" or "ray"
    workers: int | None = None     # local: processes (None: 1); ray: jobs at once (None: see the module doc)
    address: str | None = None     # ray: the cluster to use (None: a private Ray on this machine)
    mp_context: str = "spawn"      # local processes: "spawn", "fork" or "forkserver"

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise UsageError(f"--engine {self.name!r}: use one of {', '.join(ENGINES)}")
        if self.address is not None and self.name != "ray":
            raise UsageError("--address applies to --engine ray; add --engine ray or drop --address")

    def describe(self) -> dict:
        """What ran the jobs, for the reproducibility record."""
        info: dict[str, Any] = {"name": self.name, "workers": self.workers}
        if self.name == "ray":
            from importlib import metadata

            try:
                info["ray"] = metadata.version("ray")
            except metadata.PackageNotFoundError:
                info["ray"] = None
            info["address"] = self.address
        return info


def engine_options(f):
    """``--engine``, ``--address`` and ``--workers`` of the commands that run many jobs."""
    f = click.option("--workers", "-j", type=click.IntRange(1, 4096), default=None,
                     help="Jobs at once. local: worker processes (default 1); ray: tasks at once (default: "
                          "every CPU; a local Ray gets this many CPUs).")(f)
    f = click.option("--address", default=None, metavar="ADDR",
                     help="With --engine ray: the Ray cluster to use (HOST:PORT of its head, 'auto', or "
                          "ray://HOST:PORT); default: a Ray started on this machine for the run.")(f)
    f = click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
                     help="Run the jobs in local processes, or as Ray tasks (pip install \"thg[ray]\").")(f)
    return f


def import_ray():
    """The ``ray`` module, or a one-line error that says how to install it."""
    try:
        import ray
    except ImportError as e:
        raise BackendMissingError(f"--engine ray needs Ray, which is not installed ({e}); install it with "
                                  f"{RAY_INSTALL}, or use --engine local") from None
    return ray


def check_engine(engine: Engine) -> None:
    """Before any work: Ray is installed and the cluster at ``--address`` answers."""
    if engine.name == "ray":
        import_ray()
        if engine.address is not None:
            _check_reachable(engine.address)


def run_tasks(fn: Callable, items: Sequence[tuple], engine: Engine, *, what: Callable[[tuple], str] = str,
              keep_going: bool = False) -> Generator[tuple[tuple, Any], None, None]:
    """Yield ``(item, fn(*item))`` for each item, in the order they finish.

    ``what(item)`` names an item in the :class:`WorkerLost` raised when its worker dies; with
    ``keep_going`` a Ray task that died yields that error as its result and the others go on (a
    dead local worker process takes its pool with it, so that still raises). Closing the
    generator early (an exception in the caller's loop, Ctrl-C) drops the jobs not finished.
    """
    items = list(items)
    if not items:
        return
    if engine.name == "ray":
        yield from _ray_tasks(fn, items, engine, what, keep_going)
    elif (engine.workers or 1) <= 1 or len(items) == 1:
        for item in items:
            yield item, fn(*item)
    else:
        yield from _process_tasks(fn, items, engine, what)


@contextlib.contextmanager
def threads_per_worker(n: int):
    """Share the cores between worker processes: numeric libraries read these variables at import.

    Variables the user set are left alone."""
    saved = {k: os.environ.get(k) for k in THREAD_VARS}
    for k in THREAD_VARS:
        if saved[k] is None:
            os.environ[k] = str(n)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)


def _process_tasks(fn, items, engine: Engine, what) -> Iterator[tuple[tuple, Any]]:
    import multiprocessing as mp

    n_workers = min(engine.workers or 1, len(items))
    with threads_per_worker(max(1, (os.cpu_count() or 1) // n_workers)):
        executor = ProcessPoolExecutor(max_workers=n_workers, mp_context=mp.get_context(engine.mp_context))
        try:
            pending = {executor.submit(fn, *item): item for item in items}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    item = pending.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        raise WorkerLost(f"a worker process died while {what(item)}", item) from None
                    yield item, result
        except BaseException:  # Ctrl-C, a dead worker, or the caller stopped: drop the queue
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown(wait=True)


def _check_reachable(address: str) -> None:
    """Fail fast (Ray itself retries a dead address for minutes, logging as it goes)."""
    if address == "auto":
        return
    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise UsageError(f"--address {address!r}: write HOST:PORT of the Ray head node (e.g. 10.0.0.5:6379), "
                         f"ray://HOST:PORT or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as e:
        raise InputError(f"--address {address}: no Ray cluster answers there ({e.strerror or e}); start one "
                         f"with `ray start --head` on that machine, or drop --address to use a local Ray") from None


@contextlib.contextmanager
def ray_session(engine: Engine):
    """Ray connected for the block: the one already initialised in this process, the cluster at
    ``engine.address`` (or ``$RAY_ADDRESS``), or a private local Ray stopped afterwards."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")   # no usage report, no message about it
    address = engine.address or os.environ.get("RAY_ADDRESS") or None
    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR,
             "configure_logging": True}
    if address is not None:
        _check_reachable(address)
    main = threading.current_thread() is threading.main_thread()
    sigterm = signal.getsignal(signal.SIGTERM) if main else None
    try:
        if address is None:
            ray.init(num_cpus=engine.workers, object_store_memory=LOCAL_OBJECT_STORE, **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, ValueError, RuntimeError) as e:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise PipelineError(f"could not start or reach {where} ({str(e).splitlines()[0][:200]}); check the "
                            f"address, or run with --engine local") from None
    finally:
        if main and sigterm is not None:
            signal.signal(signal.SIGTERM, sigterm)  # ray.init replaces it; SIGTERM stops thg as Ctrl-C does
    try:
        yield ray
    finally:
        ray.shutdown()


def _ray_tasks(fn, items, engine: Engine, what, keep_going: bool) -> Iterator[tuple[tuple, Any]]:
    with ray_session(engine) as ray:
        from ray.exceptions import RayError, RayTaskError

        remote = ray.remote(num_cpus=1)(fn)
        if engine.workers is not None:
            limit = engine.workers
        else:
            limit = max(1, 2 * int(ray.cluster_resources().get("CPU", 1)))
        queue: Iterable[tuple] = iter(items)
        pending: dict = {}

        def top_up() -> None:
            for item in queue:
                pending[remote.remote(*item)] = item
                if len(pending) >= limit:
                    return

        # an error or Ctrl-C leaves ray_session, whose shutdown ends this driver's tasks (cancelling
        # them one by one races with their completion inside Ray)
        top_up()
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                item = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except RayTaskError as e:  # fn raised: the same exception as a local run
                    cause = e.cause if isinstance(e.cause, BaseException) else None
                    if cause is None:
                        raise PipelineError(f"a Ray task failed while {what(item)} "
                                            f"({str(e).splitlines()[0][:200]})") from None
                    raise cause from None
                except RayError as e:  # the worker or its node died
                    lost = WorkerLost(f"a Ray worker died while {what(item)} ({type(e).__name__})", item)
                    if not keep_going:
                        raise lost from None
                    result = lost
                top_up()
                yield item, result


__all__ = ["ENGINES", "Engine", "WorkerLost", "check_engine", "engine_options", "import_ray", "ray_session", "run_tasks",
           "threads_per_worker"]
