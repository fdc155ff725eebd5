"""Marks of runs for tests: a process of this machine that is gone, or one still going."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from engine.runs import this_process


def _of(pid: int) -> str:
    machine_and_boot = this_process().rsplit("/", 2)[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return f"{machine_and_boot}/{pid}/{fields[19]}"


def a_gone_process() -> str:
    """The mark of a process of this machine that was killed (and reaped)."""
    child = subprocess.Popen(["sleep", "60"])
    mark = _of(child.pid)
    child.kill()
    child.wait()
    return mark


@contextmanager
def a_live_process() -> Iterator[str]:
    """The mark of a process of this machine that is still running (as a tick beside us)."""
    child = subprocess.Popen(["sleep", "60"])
    try:
        yield _of(child.pid)
    finally:
        child.kill()
        child.wait()
