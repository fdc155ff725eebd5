"""Carrying out a tick's moves a batch at a time: claim the batch, send each of its messages side
by side, make them durable at once, then record how each ended.

1. **Claim** the batch in one `claim_many` (one transaction on SQLite): a move another tick
   made first is found taken here, and never sent.
2. **Send** the claimed ones, `send_concurrency` at a time: an email is handed to the mailer
   (the outbox writes its file), a flag to the notifier. No send starts with less than
   `TIME_TO_FINISH_A_MOVE` left of the run: it is released instead, for the next tick.
3. **Flush** the mailer: the outbox syncs the batch's files once, not once per file.
4. **Finish** the claims in one `finish_claims`: sent, rejected (refused for good), unconfirmed
   (no answer, or a flush that failed: never resent) or released (not sent, tried again).

At most once holds wherever the run dies: a claim is confirmed only once its message is
durable, and a claim its run left open is turned unconfirmed by the next run (engine.tick),
never sent again. A kill after the flush and before the confirmation leaves the whole batch
unconfirmed, each listed and announced once, none resent.

Batches start small and grow (to four times the last, up to `MAX_BATCH`) while a batch takes
under `BATCH_SECONDS`: at the outbox's thousands of messages a second they reach thousands,
and a sync is spread over as many; through a mail service sending a dozen a second they stay
at `FIRST_BATCH`, so what a crash can leave unconfirmed stays one batch of a few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from engine.models import ClaimEnd, ClaimOutcome, SendRecord, SendStatus
from engine.outcomes import MoveKind
from engine.ports import OutcomeUnknownError, RejectedError
from engine.tick_run import TIME_TO_FINISH_A_MOVE, CustomerResult, TickRun, Work

FIRST_BATCH = 16
MAX_BATCH = 2000
BATCH_SECONDS = 1.0
"""A batch grows while it takes less than this."""

NOT_STARTED = "not started: the run's time ran out"
TAKEN = "another tick already made this move"

Progress = Callable[[int, int], None]


@dataclass
class _Send:
    """One claimed move of a batch and how it ended."""

    index: int
    work: Work
    record: SendRecord
    end: ClaimEnd = ClaimEnd.RELEASED
    reference: str = ""
    error: Exception | None = None
    why: str = ""
    """Why it may or may not have gone out, for an unconfirmed one."""
    not_started: bool = False

    @property
    def email(self) -> bool:
        return self.work.move.kind != MoveKind.FLAG


def apply_moves(
    run: TickRun,
    results: list[CustomerResult],
    to_apply: list[tuple[int, Work]],
    progress: Progress | None,
) -> None:
    """Carry out every move of `to_apply` (indexes into `results`, updated in place)."""
    total = len(results) + len(to_apply)
    done = len(results)
    size = FIRST_BATCH
    queue = to_apply
    with ThreadPoolExecutor(max_workers=run.guide.config.send_concurrency) as pool:
        while queue:
            left = run.time_left()
            if left is not None and left < TIME_TO_FINISH_A_MOVE:
                for index, work in queue:
                    results[index] = _not_started(run, results[index], work)
                break
            batch, queue = queue[:size], queue[size:]
            started = time.monotonic()
            _apply_batch(run, pool, batch, results, left)
            took = time.monotonic() - started
            if took < BATCH_SECONDS:
                size = min(MAX_BATCH, 4 * len(batch))
            done += len(batch)
            if progress:
                progress(done, total)


def _apply_batch(
    run: TickRun,
    pool: ThreadPoolExecutor,
    batch: list[tuple[int, Work]],
    results: list[CustomerResult],
    left: float | None,
) -> None:
    deadline = run.deadline(left)
    claims: list[_Send] = []
    for index, work in batch:
        try:
            prepared = run.prepare(results[index], work, deadline)
        except Exception as error:  # one customer's failure must not stop the others
            results[index] = _failed(run, results[index], work, error)
            continue
        if isinstance(prepared, CustomerResult):
            results[index] = prepared
        else:
            claims.append(_Send(index, work, prepared))
    try:
        taken = run.guide.store.claim_many([send.record for send in claims])
    except Exception as error:
        for send in claims:
            results[send.index] = _failed(run, results[send.index], send.work, error)
        return
    claimed = []
    for send, won in zip(claims, taken, strict=True):
        if won:
            claimed.append(send)
        else:
            results[send.index] = _as(results[send.index], move="on_track", reason=TAKEN)
    list(pool.map(lambda send: _deliver(run, send), claimed))
    _flush(run, claimed)
    _finish(run, pool, claimed, results)


def _deliver(run: TickRun, send: _Send) -> None:
    """Runs in a worker thread: send one claimed move, unless the run's time is short."""
    left = run.time_left()
    if left is not None and left < TIME_TO_FINISH_A_MOVE:
        send.not_started = True  # released: the next tick makes the move
        return
    try:
        send.reference = run.deliver(send.work)
    except RejectedError as error:
        # Refused for good: kept as rejected (og status shows why), never retried.
        send.end, send.error = ClaimEnd.REJECTED, error
    except OutcomeUnknownError as error:
        # It may have been delivered: kept as unconfirmed, as a crash mid-send leaves it,
        # and never sent again by a tick.
        send.end, send.error = ClaimEnd.UNCONFIRMED, error
        send.why = f"no answer came back ({error})"
    except Exception as error:  # not sent: released, and the next tick tries again
        send.end, send.error = ClaimEnd.RELEASED, error
    else:
        send.end = ClaimEnd.SENT


def _flush(run: TickRun, claimed: list[_Send]) -> None:
    """Make the batch's emails durable; when that cannot be made sure of, each may or may not
    have gone out: unconfirmed, never resent."""
    try:
        run.guide.mailer.flush()
    except Exception as error:
        for send in claimed:
            if send.email and send.end == ClaimEnd.SENT:
                send.end, send.error = ClaimEnd.UNCONFIRMED, error
                send.why = f"its batch could not be made durable ({error})"


def _finish(
    run: TickRun,
    pool: ThreadPoolExecutor,
    claimed: list[_Send],
    results: list[CustomerResult],
) -> None:
    at = run.guide.wall_clock()
    outcomes = [
        ClaimOutcome(
            key=send.record.key,
            end=send.end,
            message_id=send.reference,
            at=at,
            reason=str(send.error) if send.end == ClaimEnd.REJECTED else "",
        )
        for send in claimed
    ]
    try:
        turned = set(run.guide.store.finish_claims(outcomes))
    except Exception as error:
        # The claims stay open with this run's mark: the next run turns them unconfirmed.
        for send in claimed:
            results[send.index] = _failed(run, results[send.index], send.work, error)
        return
    for send in claimed:
        index, work = send.index, send.work
        if send.not_started:
            results[index] = _not_started(run, results[index], work)
        elif send.error is not None:
            if send.record.key in turned:
                unconfirmed = send.record.model_copy(update={"status": SendStatus.UNCONFIRMED})
                run.unconfirmed.append(unconfirmed)
                run.announce_unconfirmed(unconfirmed, send.why)
            results[index] = _failed(run, results[index], work, send.error)
    sent = [send for send in claimed if send.end == ClaimEnd.SENT]
    list(pool.map(lambda send: _confirmed(run, send, results), sent))


def _confirmed(run: TickRun, send: _Send, results: list[CustomerResult]) -> None:
    try:
        run.confirmed(send.work, send.record)
    except Exception as error:
        results[send.index] = _failed(run, results[send.index], send.work, error)


def _failed(run: TickRun, result: CustomerResult, work: Work, error: Exception) -> CustomerResult:
    run.failures.append(f"{work.customer.customer_id}: {work.move.kind.value} failed: {error}")
    return _as(result, error=f"{type(error).__name__}: {error}")


def _not_started(run: TickRun, result: CustomerResult, work: Work) -> CustomerResult:
    # Killed mid-send, a claim would stay open and be reported, never sent; a move not
    # started is simply made by the next tick.
    run.failures.append(f"{work.customer.customer_id}: {work.move.kind.value} {NOT_STARTED}")
    return _as(result, error=NOT_STARTED)


def _as(result: CustomerResult, **changes: Any) -> CustomerResult:
    return replace(result, **changes)
