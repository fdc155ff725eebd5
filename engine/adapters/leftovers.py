"""Temporary files a killed write left behind, removed at the next start.

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
from pathlib import Path

LEFTOVER_AGE = 5 * 60
"""Seconds after which a temporary file can only be a leftover."""

_log = logging.getLogger("og.leftovers")


def remove_leftovers(directory: Path, pattern: str, *, older_than: float = LEFTOVER_AGE) -> int:
    """Remove the files in `directory` matching `pattern` last written more than `older_than`
    seconds ago; returns how many. A folder that is not there has none."""
    cutoff = time.time() - older_than
    removed = 0
    with contextlib.suppress(OSError):
        for path in directory.glob(pattern):
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
    if removed:
        _log.info(
            "removed %d leftover %s in %s from a write that was killed", removed, pattern, directory
        )
    return removed
