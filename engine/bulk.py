"""Helpers for reading and deciding over the whole list at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Creating 100k customers and their sends sets off full collections again and again,
    which cost ~40% of a big tick's time as measured; nothing the guide makes forms a cycle,
    so reference counting frees it all the same. Nests: only the outermost re-enables."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
