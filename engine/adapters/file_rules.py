"""The rules doc as a local file (the embedded default)."""

from __future__ import annotations

from pathlib import Path

from engine.ports import RulesSourceError


class FileRulesSource:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return str(self.path)

    def fetch(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise RulesSourceError(error.strerror or str(error)) from error
        except UnicodeDecodeError as error:
            raise RulesSourceError(f"not UTF-8 text ({error.reason})") from error
