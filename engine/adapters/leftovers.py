"""Temporary files a killed write left behind, found and removed at the next start.

Files are written whole under a temporary name and renamed into place, so a kill mid-write
leaves the real file as it was and a temporary one beside it: a whole copy of customer data
or an email nobody will send. Nothing else removes it, so the adapter that writes them sweeps
its own pattern when it starts. A temporary file older than `LEFTOVER_AGE` belongs to no live
write (a write takes milliseconds; an 8 MB roster well under a second).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path

LEFTOVER_AGE = 5 * 60
"""Seconds after which a temporary file can only be a leftover."""

_log = logging.getLogger("og.leftovers")


def find_leftovers(
    directory: Path, pattern: str, *, older_than: float = LEFTOVER_AGE
) -> list[Path]:
    """The files in `directory` matching the glob `pattern` last written more than
    `older_than` seconds ago. A folder that is not there, or cannot be read, has none."""
    cutoff = time.time() - older_than
    found: list[Path] = []
    with contextlib.suppress(OSError):
        for path in directory.glob(pattern):
            with contextlib.suppress(OSError):
                if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                    found.append(path)
    return found


def remove_leftovers(paths: Sequence[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    if paths:
        _log.info("removed %d temporary files that killed writes left: %s", len(paths), paths[0])
