"""A scheduled run (the hourly tick, the Monday digest, the month's summary on the 1st), done
once per scheduled time.

Both clocks deliver at least once, not exactly once: EventBridge Scheduler retries a delivery
it could not hand over, a person replays a failed run from the dead-letter queue (the template
sets Lambda's own async retries to 0), and a firing can arrive twice even when nothing failed.
So the scheduled time is the run's id, and the first delivery of a (kind, scheduled time)
claims it in the state store; any other delivery of the same pair finds the claim and does
nothing. The tick is idempotent per local day on its own, but the digest and the month's
summary are not (a second delivery would post a second message), and the claim also keeps a
late delivery honest: it ticks for the scheduled time, not the wall clock, so a retry after
midnight still ticks for the day it was meant for, and the summary posted for the 1st at 09:00
is of the month before that day, however late it runs.

The claim is a meta key per attempt, written with `add_meta_if_absent`, the one atomic write
the store offers:

    scheduled.<kind>.<scheduled time, UTC, to the second>.<attempt>   e.g.
    scheduled.tick.2026-11-02T09:00:00Z.1

Its value is JSON: `running` (with its owner and when its lease ends) while the run is under
way, then `done` or `failed`. A delivery walks the attempts from 1:

- no claim at this attempt -> it claims it (only one writer can) and runs;
- `done` -> a duplicate: nothing to do;
- `running`, lease not over -> a duplicate racing the run: nothing to do;
- `failed`, or `running` past its lease -> that attempt is over; try the next number.

Why attempts instead of overwriting one key: a failed run must be retried, but two retries
arriving together must not both run, and "overwrite if it still says failed" is a
compare-and-set the store does not have. A fresh key per attempt gets the same guarantee
from `add_meta_if_absent` alone, and leaves every attempt readable for whoever investigates.

Why a lease: a process killed mid-run (a Lambda timeout, a crash) never writes `failed`, and
its `running` claim would otherwise block every retry for good. The lease is how long the
claimer can possibly still be running: on Lambda the invocation's remaining time, elsewhere
`DEFAULT_LEASE` (Lambda's longest timeout). A run that outlives its lease may overlap a retry;
for the tick that is harmless (its sends are claimed per customer), for the digest or the
summary it would mean a second post, which is why the lease must not be shorter than the real
time limit.

A run that raises is recorded as `failed` and the exception propagates: on Lambda the
invocation fails and lands in the on-failure queue, whence it can be replayed (or retried, if
the function's async retries are raised); the local scheduler logs it and carries on.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from itertools import count
from typing import Literal, get_args

from engine.guide import Guide
from engine.tick import TickReport, tick

ScheduledKind = Literal["tick", "digest", "summary"]
SCHEDULED_KINDS: tuple[ScheduledKind, ...] = get_args(ScheduledKind)
PostDigest = Callable[[datetime], None]
PostSummary = Callable[[datetime], None]
"""Posts the summary of the month before the scheduled time's (bot.runtime.summary_poster)."""

# Lambda's longest timeout: past this, a claimer that never finished is surely gone.
DEFAULT_LEASE = timedelta(minutes=15)
META_PREFIX = "scheduled"

_log = logging.getLogger("og.scheduled")


class Disposition(StrEnum):
    RAN = "ran"
    ALREADY_RAN = "already ran"
    """A duplicate delivery: an earlier delivery of the same scheduled time finished."""
    IN_PROGRESS = "in progress"
    """A duplicate delivery: another delivery of the same scheduled time is running it now."""


@dataclass(frozen=True)
class ScheduledOutcome:
    kind: ScheduledKind
    scheduled_time: datetime
    disposition: Disposition
    attempt: int
    """The attempt this delivery ran as, or the attempt it found done or running."""
    summary: str
    report: TickReport | None = None
    """The tick's report, when this delivery ran a tick."""

    @property
    def ran(self) -> bool:
        return self.disposition == Disposition.RAN

    @property
    def duplicate(self) -> bool:
        return not self.ran


def claim_key(kind: ScheduledKind, scheduled_time: datetime, attempt: int) -> str:
    return f"{META_PREFIX}.{kind}.{_run_id(scheduled_time)}.{attempt}"


def run_scheduled(
    guide: Guide,
    kind: ScheduledKind,
    scheduled_time: datetime,
    post_digest: PostDigest | None,
    *,
    post_summary: PostSummary | None = None,
    lease: timedelta = DEFAULT_LEASE,
    seconds_left: Callable[[], float] | None = None,
) -> ScheduledOutcome:
    """Run `kind` for `scheduled_time` unless another delivery of it ran or is running.

    The tick runs with `now=scheduled_time`; the digest is `post_digest(scheduled_time)`, the
    month's summary `post_summary(scheduled_time)`. Raises what the run raised (after
    recording the attempt as failed, so a retry runs), and ValueError for an unknown kind, a
    naive time, or a digest (summary) with no `post_digest` (`post_summary`)."""
    if kind not in SCHEDULED_KINDS:
        raise ValueError(f"unknown scheduled run {kind!r} (expected tick, digest or summary)")
    if scheduled_time.tzinfo is None or scheduled_time.utcoffset() is None:
        raise ValueError(f"scheduled time {scheduled_time.isoformat()} has no time zone")
    posts = {"digest": post_digest, "summary": post_summary}
    post = posts.get(kind)
    if kind in posts and post is None:
        raise ValueError(f"a {kind} run needs post_{kind}, and none is wired")
    label = f"scheduled {kind} at {scheduled_time.isoformat(timespec='minutes')}"
    owner = uuid.uuid4().hex
    for attempt in count(1):
        key = claim_key(kind, scheduled_time, attempt)
        started = guide.wall_clock()
        mine = _encode(state="running", owner=owner, started=started, expires=started + lease)
        stored = guide.store.add_meta_if_absent(key, mine)
        if stored == mine:
            run = partial(tick, guide, seconds_left=seconds_left)
            return _run(run, guide, kind, scheduled_time, post, key, attempt, owner, label)
        claim = json.loads(stored)
        state = claim["state"]
        if state == "done":
            return _duplicate(kind, scheduled_time, Disposition.ALREADY_RAN, attempt, claim, label)
        if state == "running" and datetime.fromisoformat(claim["expires"]) > started:
            return _duplicate(kind, scheduled_time, Disposition.IN_PROGRESS, attempt, claim, label)
        if state == "running":
            _log.warning(
                "%s: attempt %d, started %s, never finished; trying again",
                label,
                attempt,
                claim["started"],
            )
        elif state == "failed":
            _log.info("%s: attempt %d failed (%s); trying again", label, attempt, claim["error"])
        else:
            raise ValueError(f"{key} holds an unknown claim: {stored!r}")
    raise AssertionError("unreachable: count() never ends")


def _run(
    tick: Callable[[datetime], TickReport],
    guide: Guide,
    kind: ScheduledKind,
    scheduled_time: datetime,
    post: Callable[[datetime], None] | None,
    key: str,
    attempt: int,
    owner: str,
    label: str,
) -> ScheduledOutcome:
    started = guide.wall_clock()
    report: TickReport | None = None
    try:
        if kind == "tick":
            report = tick(scheduled_time)
            summary = describe_report(report)
        else:
            assert post is not None  # checked before claiming
            post(scheduled_time)
            summary = f"{kind} posted"
    except Exception as error:
        _log.exception("%s (attempt %d) failed", label, attempt)
        guide.store.put_meta(
            key,
            _encode(
                state="failed",
                owner=owner,
                started=started,
                finished=guide.wall_clock(),
                error=f"{type(error).__name__}: {error}",
            ),
        )
        raise
    guide.store.put_meta(
        key,
        _encode(
            state="done", owner=owner, started=started, finished=guide.wall_clock(), summary=summary
        ),
    )
    _log.info("%s (attempt %d): %s", label, attempt, summary)
    return ScheduledOutcome(kind, scheduled_time, Disposition.RAN, attempt, summary, report)


def _duplicate(
    kind: ScheduledKind,
    scheduled_time: datetime,
    disposition: Disposition,
    attempt: int,
    claim: dict[str, str],
    label: str,
) -> ScheduledOutcome:
    if disposition == Disposition.ALREADY_RAN:
        summary = (
            f"duplicate delivery, nothing done: attempt {attempt} already ran "
            f"(finished {claim['finished']}: {claim['summary']})"
        )
    else:
        summary = (
            f"duplicate delivery, nothing done: attempt {attempt} is running "
            f"(started {claim['started']})"
        )
    _log.info("%s: %s", label, summary)
    return ScheduledOutcome(kind, scheduled_time, disposition, attempt, summary)


def describe_report(report: TickReport) -> str:
    """What a tick did, in one line: counts per move (and how many wait for their hours),
    skipped rows, failures, and the sends that may or may not have gone out (every one, new
    or not, until a person settles it)."""
    counts = ", ".join(f"{move} {n}" for move, n in sorted(report.counts().items()))
    did_not_run = "" if report.ran else " (did not run: no usable rules doc)"
    unconfirmed = ""
    if report.unconfirmed:
        listed = ", ".join(
            f"{send.customer_id} {send.step} {send.kind.value}" for send in report.unconfirmed
        )
        unconfirmed = (
            f", {len(report.unconfirmed)} unconfirmed sends ({report.newly_unconfirmed} new: "
            f"og unconfirmed to settle them): {listed}"
        )
    waiting = len(report.held_for_hours)
    held = f" ({waiting} held for their hours)" if waiting else ""
    return (
        f"{counts or 'no customers'}{held}; {len(report.skipped)} skipped rows, "
        f"{len(report.failures)} failures{unconfirmed}{did_not_run}"
    )


def _run_id(scheduled_time: datetime) -> str:
    # One spelling per instant, whichever zone the clock reported it in.
    return scheduled_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _encode(**fields: str | datetime) -> str:
    return json.dumps(
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()},
        sort_keys=True,
    )
