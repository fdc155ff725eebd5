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
