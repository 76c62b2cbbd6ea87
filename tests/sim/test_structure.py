"""The shape issue 12 asks of netsim/sim: no import circle, no class over 300 lines, no scenario.

Imports are read from the source (module level, inside functions and under
``TYPE_CHECKING`` alike): a circle hidden behind ``TYPE_CHECKING`` is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import netsim.sim

SIM = Path(netsim.sim.__file__).parent
MAX_CLASS_LINES = 300


def _modules() -> dict[str, ast.Module]:
    return {
        f"netsim.sim.{path.stem}": ast.parse(path.read_text(), str(path))
        for path in sorted(SIM.glob("*.py"))
        if path.stem != "__init__"
    }


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _sim_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(tree) & modules.keys() for name, tree in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` as a path, or None (depth-first, colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


def test_cycle_finder_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_sim_has_no_import_circle() -> None:
    assert _cycle(_sim_graph()) is None


def test_sim_never_imports_the_scenario_layer() -> None:
    offenders = {
        name: sorted(i for i in _imports(tree) if i.startswith("netsim.scenario"))
        for name, tree in _modules().items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_class_over_300_lines() -> None:
    long = {
        f"{name}.{node.name}": (node.end_lineno or node.lineno) - node.lineno + 1
        for name, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    assert {k: v for k, v in long.items() if v > MAX_CLASS_LINES} == {}


def test_the_network_asks_the_policy_hook_through_its_protocol_only() -> None:
    """No ``getattr`` probing of the hook for attributes the protocol does not declare."""
    for name, tree in _modules().items():
        calls = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and any(word in ast.unparse(node.args[0]) for word in ("engine", "hook"))
        ]
        assert not calls, name
