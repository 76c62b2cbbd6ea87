"""The layering rule of ARCHITECTURE.md: no module imports from a layer below it."""

from __future__ import annotations

import ast
from pathlib import Path

import netsim

LAYERS = [
    {"netsim.addr", "netsim.errors", "netsim.fileio", "netsim"},
    {"netsim.match"},
    {"netsim.model"},
    {"netsim.policy"},
    {"netsim.sim", "netsim.dataplane"},
    {"netsim.scenario", "netsim.bench", "netsim.insight", "netsim.graph"},
    {"netsim.shell"},
    {"netsim.lab"},
    {"netsim.cli", "netsim.__main__"},
]
PACKAGE_ROOT = Path(netsim.__file__).parent


def layer_of(module: str) -> int:
    """Index of the layer a dotted module name belongs to (its longest matching prefix)."""
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):
        prefix = ".".join(parts[:depth])
        for index, layer in enumerate(LAYERS):
            if prefix in layer:
                return index
    raise AssertionError(f"module {module} belongs to no layer")


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_netsim_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("netsim")]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.startswith("netsim")
        ):
            found.append(node.module)
    return found


def test_no_upward_imports() -> None:
    violations = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        name = module_name(path)
        own = layer_of(name)
        for imported in imported_netsim_modules(path):
            if layer_of(imported) > own:
                violations.append(f"{name} imports {imported}")
    assert not violations, "upward imports:\n" + "\n".join(violations)


def test_scapy_only_in_packet_module() -> None:
    users = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "import scapy" in text or "from scapy" in text:
            users.append(module_name(path))
    assert set(users) <= {"netsim.sim.packet"}, users
