"""Whether the run that left a claim or an intent has ended: known at once, never guessed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runs import a_gone_process, a_live_process

from engine.runs import UNKNOWN_RUN_AGE, has_ended, new_run, running

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ANOTHER_MACHINE = "other-host/0badb007/4242/123"


def test_a_run_whose_process_is_gone_has_ended_at_once() -> None:
    assert has_ended("tick-1", a_gone_process(), None, NOW, NOW)


def test_a_run_whose_process_still_runs_has_not_ended_however_old() -> None:
    with a_live_process() as process:
        assert not has_ended("tick-1", process, None, NOW - timedelta(days=3), NOW)


def test_a_reused_pid_is_not_taken_for_the_run_that_had_it() -> None:
    with a_live_process() as process:
        machine_boot_pid, _, started = process.rpartition("/")
        older = f"{machine_boot_pid}/{int(started) - 1}"
        assert has_ended("tick-1", older, None, NOW, NOW)


def test_a_run_of_this_process_has_ended_once_it_is_no_longer_running() -> None:
    # og serve runs ticks in one long process: the process alive says nothing.
    run = new_run("tick")
    with running(run):
        assert not has_ended(run.id, run.process, None, NOW, NOW)
    assert has_ended(run.id, run.process, None, NOW, NOW)


def test_a_passed_deadline_ends_a_run_anywhere() -> None:
    deadline = NOW + timedelta(minutes=5)
    assert not has_ended("tick-1", ANOTHER_MACHINE, deadline, NOW, NOW + timedelta(minutes=4))
    assert has_ended("tick-1", ANOTHER_MACHINE, deadline, NOW, deadline)


def test_a_run_of_another_machine_with_no_deadline_ends_by_age_only() -> None:
    assert not has_ended("tick-1", ANOTHER_MACHINE, None, NOW, NOW + UNKNOWN_RUN_AGE / 2)
    assert has_ended("tick-1", ANOTHER_MACHINE, None, NOW, NOW + UNKNOWN_RUN_AGE)
    # A claim from before runs were recorded is treated the same way.
    assert not has_ended("", "", None, NOW, NOW + timedelta(minutes=1))
    assert has_ended("", "", None, NOW, NOW + UNKNOWN_RUN_AGE)


def test_a_run_of_an_earlier_boot_of_this_machine_has_ended() -> None:
    machine, _, rest = new_run("tick").process.partition("/")
    _, _, pid_and_start = rest.partition("/")
    assert has_ended("tick-1", f"{machine}/00000000/{pid_and_start}", None, NOW, NOW)
