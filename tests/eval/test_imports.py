"""The evaluation package's modules import one another in one direction only (no cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

import thg.eval

ROOT = Path(thg.eval.__file__).parent


def _module_name(path: Path) -> str:
    parts = ("thg", "eval", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in ROOT.rglob("*.py"):
        name, deps = _module_name(path), set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):   # imports inside functions too
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("thg.eval"):
                deps |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("thg.eval")}
        graph[name] = deps - {name}
    return {k: {d for d in v if d in graph} for k, v in graph.items()}


def test_no_import_cycles_in_thg_eval():
    graph = _graph()
    assert {"thg.eval.report", "thg.eval.runner", "thg.eval.stats"} <= set(graph)
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(" -> ".join(path[path.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


SHARED = ("thg.eval.report", "thg.eval.runner", "thg.eval.stats", "thg.eval.mos")


def test_results_types_live_in_leaf_modules():
    """The typed results import nothing from thg.eval but the records, which import nothing from it."""
    graph = _graph()
    assert graph["thg.eval.records"] == set()
    assert graph["thg.eval.results"] == {"thg.eval.records"}
    for name in SHARED:   # every reader of results.json shares the one set of types
        closure, todo = set(), [name]
        while todo:
            for dep in graph[todo.pop()] - closure:
                closure.add(dep)
                todo.append(dep)
        assert "thg.eval.results" in closure, name
        others = closure & set(SHARED)   # only the report builds on the others
        assert others == ({"thg.eval.runner", "thg.eval.stats"} if name == "thg.eval.report" else set()), name


def test_modules_import_in_any_order_in_a_fresh_interpreter():
    """Each order of importing report, runner, stats and mos works from a clean start (a cycle would
    break some order with a partly initialised module)."""
    import itertools
    import subprocess
    import sys

    orders = list(itertools.permutations(SHARED))
    procs = [subprocess.Popen([sys.executable, "-c", "import importlib, sys\n"
                               f"for name in {list(order)!r}:\n"
                               "    importlib.import_module(name)\n"
                               "assert 'thg.eval.results' in sys.modules\n"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for order in orders]
    failed = []
    for order, proc in zip(orders, procs):
        out, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            failed.append(f"{' -> '.join(order)}: {out.strip().splitlines()[-1] if out.strip() else proc.returncode}")
    assert len(orders) == 24 and failed == []
