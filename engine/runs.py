"""Which run made a claim or started an action, and whether that run has ended.

A tick claims a send before it sends it and confirms it after; a person's action writes its
intent before it changes the roster. If the run dies in between, what it left is open, and
the next run must know at once whether the run that left it is still going (a tick running
beside it, whose send is on its way) or gone (a kill, a crash, a Lambda timeout), instead of
waiting a fixed age. So each run records:

- its **id**, and whether it is still running in this process (`running`), for the runs of a
  long-lived process (`og serve`, a warm Lambda) that end without the process ending;
- its **process**: the machine's name and boot, the pid and the pid's start time, so a run on
  this machine is known gone the moment its process is, and a reused pid is not mistaken for
  it;
- its **deadline**, where it has one (a Lambda invocation's time limit): past it, the run
  has ended wherever it ran.

A run on another machine with no deadline is taken as ended `UNKNOWN_RUN_AGE` after it left
its mark: there is nothing else to go by.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

UNKNOWN_RUN_AGE = timedelta(minutes=15)
"""How long a mark from a run on another machine, with no deadline, counts as its own."""

_active: set[str] = set()
_active_lock = threading.Lock()


@dataclass(frozen=True)
class Run:
    id: str
    process: str
    deadline: datetime | None = None


def new_run(kind: str, deadline: datetime | None = None) -> Run:
    return Run(id=f"{kind}-{uuid.uuid4().hex[:12]}", process=this_process(), deadline=deadline)


@contextmanager
def running(run: Run) -> Iterator[Run]:
    """Mark `run` as going on in this process while the block runs."""
    with _active_lock:
        _active.add(run.id)
    try:
        yield run
    finally:
        with _active_lock:
            _active.discard(run.id)


def has_ended(
    run_id: str, process: str, deadline: datetime | None, since: datetime, now: datetime
) -> bool:
    """Whether the run that left a mark at `since` is surely over at `now`."""
    if deadline is not None and now >= deadline:
        return True
    machine, _, rest = process.partition("/")
    boot, _, pid_and_start = rest.partition("/")
    mine_machine, _, mine_rest = this_process().partition("/")
    mine_boot, _, mine_pid_and_start = mine_rest.partition("/")
    if process and machine == mine_machine:
        if boot != mine_boot:
            return True  # this machine restarted since: every process of that boot is gone
        if pid_and_start == mine_pid_and_start:
            with _active_lock:
                return run_id not in _active
        pid, _, started = pid_and_start.partition("/")
        return not _process_alive(int(pid) if pid.isdigit() else 0, started)
    return deadline is None and now - since >= UNKNOWN_RUN_AGE


def this_process() -> str:
    """`machine/boot/pid/start`: who this process is, across machines, reboots and pid reuse."""
    return f"{_machine()}/{_boot_id()}/{os.getpid()}/{_start_time(os.getpid())}"


@cache
def _machine() -> str:
    return socket.gethostname().replace("/", "_")


@cache
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return "-"


def _start_time(pid: int) -> str:
    """When the process started, in clock ticks since boot (Linux); "" where /proc is not."""
    return _stat(pid)[1]


def _stat(pid: int) -> tuple[str, str]:
    """(state, start time) of a process from /proc; ("", "") where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", ""
    # The command name (field 2) may hold spaces and parentheses: count from the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], (fields[19] if len(fields) > 19 else "")


def _process_alive(pid: int, started: str) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    state, start = _stat(pid)
    if state in ("Z", "X"):
        return False  # killed, and not yet reaped by its parent
    return not started or start in (started, "")
