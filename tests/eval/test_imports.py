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
