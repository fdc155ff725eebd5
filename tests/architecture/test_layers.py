"""The layers the product card draws: the engine knows nothing of Slack, and the listeners
translate without leaning on one another."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_engine_imports_neither_slack_nor_the_bot() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imports(path)
            if name.split(".")[0] in ("slack_sdk", "slack_bolt", "bot", "listeners", "modals")
        )
        for path in (ROOT / "engine").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_engine_reads_no_slack_setting() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "engine").rglob("*.py")
        if "SLACK_" in path.read_text(encoding="utf-8").replace("SLACK_BOT_TOKEN is set", "")
    ]
    assert readers == []


def test_listeners_never_import_each_other() -> None:
    for path in (ROOT / "listeners").glob("*.py"):
        if path.name == "__init__.py":
            continue
        assert not [name for name in imports(path) if name.startswith("listeners")], path.name


def test_no_module_imports_itself_round_a_circle() -> None:
    """Module-level imports among the product's packages form no cycle (an import inside a
    function or under TYPE_CHECKING does not run at import time, and does not count)."""
    packages = ("bot", "engine", "listeners", "modals")
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in tree.body:  # module level only
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = {target for target in found if target in modules and target != name}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
