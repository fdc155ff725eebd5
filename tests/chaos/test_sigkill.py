"""SIGKILL at random moments of a tick (over SMTP and to the outbox), of a tick finishing
customers, and of people's actions; then the next run. Seeded and bounded (20 trials).

After every trial: no message delivered twice; every message the killed run claimed is either
confirmed or listed as unconfirmed by the next tick (never silently lost, never left open); no
customer due a message is left without it or a listed unconfirmed send; the list file is whole;
and an action cut short is finished in its actor's name, never recorded as an edit by `sheet`.
The kill lands where the work is: when a random number of messages have been delivered, plus
a few milliseconds, so it falls between deliveries, claims, confirmations and writes.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

from smtp_servers import SmtpServer, run_server
from workspace import OG, Workspace, nine_am, row

from engine.actions import mark_done
from engine.guide import Guide
from engine.models import SendStatus
from engine.tick import tick

SEED = 20261207
DAY = "2026-11-02"
CUSTOMERS = 24


@dataclass
class Tally:
    """What the trials of one kind found; every figure but `trials` must stay 0."""

    trials: int = 0
    killed_mid_work: int = 0
    duplicates: int = 0
    silent_losses: int = 0
    open_claims: int = 0
    unlisted_unconfirmed: int = 0
    torn_files: int = 0
    lost_actors: int = 0
    notes: list[str] = field(default_factory=list)


def start_og(ws: Workspace, *args: str, mailer: str | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, **ws.env()}
    if mailer:
        env["OG_MAILER"] = mailer
    return subprocess.Popen(
        [*OG, *args],
        env=env,
        cwd=ws.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when(process: subprocess.Popen[str], ready: Callable[[], bool], jitter: float) -> bool:
    """SIGKILL `process` `jitter` seconds after `ready()` holds; False when it ended first."""
    deadline = time.monotonic() + 60
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.0005)
    time.sleep(jitter)
    alive = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.communicate()
    return alive


def finish_run(ws: Workspace, *args: str, mailer: str | None = None) -> list[dict[str, object]]:
    """The run after the kill, to its end: its --json lines."""
    process = start_og(ws, *args, "--json", mailer=mailer)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return [json.loads(line) for line in out.splitlines()]


def delivered_by_smtp(server: SmtpServer) -> Counter[tuple[str, str, str]]:
    return Counter(
        (
            str(r.message["X-OG-Customer-Id"]),
            str(r.message["X-OG-Step"]),
            str(r.message["X-OG-Kind"]),
        )
        for r in server.handler.received
    )


def delivered_to_outbox(ws: Workspace, tally: Tally) -> Counter[tuple[str, str, str]]:
    found: Counter[tuple[str, str, str]] = Counter()
    for path in sorted(ws.outbox.glob("*.eml")):
        message = BytesParser(policy=default).parsebytes(path.read_bytes())
        body = message.get_body(("plain",))
        if message["X-OG-Customer-Id"] is None or body is None or not body.get_content():
            tally.torn_files += 1
            tally.notes.append(f"torn email {path.name}")
            continue
        found[
            (str(message["X-OG-Customer-Id"]), str(message["X-OG-Step"]), str(message["X-OG-Kind"]))
        ] += 1
    return found


def check_roster(ws: Workspace, ids: list[str], tally: Tally) -> list[dict[str, str]]:
    try:
        with ws.roster_path.open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
    except (OSError, csv.Error, UnicodeDecodeError) as error:
        tally.torn_files += 1
        tally.notes.append(f"roster unreadable: {error}")
        return []
    kept = all(r["notes"] == f"keep me {r['customer_id']}" for r in rows)
    if [r["customer_id"] for r in rows] != ids or not kept:
        tally.torn_files += 1
        tally.notes.append("roster rows changed or lost")
    return rows


def check_sends(
    guide: Guide,
    delivered: Counter[tuple[str, str, str]],
    due: set[tuple[str, str, str]],
    listed: list[dict[str, object]],
    tally: Tally,
) -> None:
    snapshot = guide.store.load()
    records = {
        (s.customer_id, s.step, s.kind.value): s for sends in snapshot.sends.values() for s in sends
    }
    for archived_of in {cid for cid, _, _ in due}:
        for s in guide.store.archived_sends(archived_of):
            records[(s.customer_id, s.step, s.kind.value)] = s
    for key, count in delivered.items():
        if count > 1:
            tally.duplicates += count - 1
            tally.notes.append(f"{key} delivered {count} times")
        record = records.get(key)
        if record is None or record.status not in (SendStatus.SENT, SendStatus.UNCONFIRMED):
            tally.silent_losses += 1  # delivered, yet nothing says so: it would go again
            tally.notes.append(f"{key} delivered but recorded as {record and record.status}")
    for key in due:
        record = records.get(key)
        settled = record is not None and record.status == SendStatus.SENT and delivered[key]
        if not settled and not (record is not None and record.status == SendStatus.UNCONFIRMED):
            tally.silent_losses += 1
            tally.notes.append(f"{key} due, neither delivered nor listed: {record}")
    tally.open_claims += sum(1 for r in records.values() if r.status == SendStatus.CLAIMED)
    in_store = {(s.customer_id, s.step, s.kind.value) for s in snapshot.unconfirmed()}
    in_report = {
        (str(u["customer_id"]), str(u["step"]), str(u["kind"]))
        for line in listed
        if isinstance(u := line.get("unconfirmed_send"), dict)
    }
    if in_store != in_report:
        tally.unlisted_unconfirmed += len(in_store ^ in_report)
        tally.notes.append(f"unconfirmed in store {in_store} but listed {in_report}")


def a_workspace(root: Path) -> tuple[Workspace, list[str]]:
    root.mkdir()
    ids = [f"C{n:02d}" for n in range(CUSTOMERS)]
    return Workspace(root, [row(cid, signup=DAY) for cid in ids]), ids


def assert_clean(tally: Tally) -> None:
    print(f"\n{tally}")
    assert tally.trials > 0
    assert (
        tally.duplicates,
        tally.silent_losses,
        tally.open_claims,
        tally.unlisted_unconfirmed,
        tally.torn_files,
        tally.lost_actors,
    ) == (0, 0, 0, 0, 0, 0), tally.notes


def test_a_tick_killed_mid_smtp_sends_nothing_twice_and_hides_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    tally = Tally()
    for trial in range(6):
        ws, ids = a_workspace(tmp_path / f"t{trial}")
        for server in run_server():
            target = rng.randrange(CUSTOMERS)
            process = start_og(ws, "tick", "--now", DAY, mailer=server.url)
            tally.killed_mid_work += kill_when(
                process,
                lambda got=server.handler.received, n=target: len(got) >= n,
                rng.uniform(0, 0.01),
            )
            listed = finish_run(ws, "tick", "--now", DAY, mailer=server.url)
            due = {(cid, "welcome", "step") for cid in ids}
            check_sends(ws.guide(mailer=server.url), delivered_by_smtp(server), due, listed, tally)
            check_roster(ws, ids, tally)
        tally.trials += 1
    assert_clean(tally)


def test_a_tick_killed_mid_outbox_sends_nothing_twice_and_hides_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    tally = Tally()
    for trial in range(6):
        ws, ids = a_workspace(tmp_path / f"t{trial}")
        target = rng.randrange(CUSTOMERS)
        process = start_og(ws, "tick", "--now", DAY)
        tally.killed_mid_work += kill_when(
            process,
            lambda box=ws.outbox, n=target: box.is_dir() and len(os.listdir(box)) >= n,
            rng.uniform(0, 0.005),
        )
        listed = finish_run(ws, "tick", "--now", DAY)
        due = {(cid, "welcome", "step") for cid in ids}
        check_sends(ws.guide(), delivered_to_outbox(ws, tally), due, listed, tally)
        check_roster(ws, ids, tally)
        tally.trials += 1
    assert_clean(tally)


def test_a_tick_killed_while_finishing_customers_finishes_each_once(tmp_path: Path) -> None:
    rng = random.Random(SEED + 2)
    tally = Tally()
    for trial in range(4):
        ws, ids = a_workspace(tmp_path / f"t{trial}")
        guide = ws.guide()
        tick(guide, nine_am(DAY))
        for cid in ids:
            for step in ("welcome", "setup", "check-in"):
                mark_done(guide, cid, step, nine_am(DAY), actor=cid)
        target = rng.randrange(CUSTOMERS)
        process = start_og(ws, "tick", "--now", "2026-11-03")
        tally.killed_mid_work += kill_when(
            process,
            lambda box=ws.outbox, n=target: len(list(box.glob("*-finish-*.eml"))) >= n,
            rng.choice([0, rng.uniform(0, 0.05)]),
        )
        listed = finish_run(ws, "tick", "--now", "2026-11-03")
        finish_run(ws, "tick", "--now", "2026-11-04")
        due = {(cid, "wrap-up", "finish") for cid in ids}
        delivered = delivered_to_outbox(ws, tally)
        wrap_ups = Counter({k: n for k, n in delivered.items() if k[2] == "finish"})
        check_sends(guide, wrap_ups, due, listed, tally)
        rows = check_roster(ws, ids, tally)
        states = guide.store.load().states
        for r in rows:
            if not (states[r["customer_id"]].finished and r.get("finished") == "TRUE"):
                tally.silent_losses += 1
                tally.notes.append(f"{r['customer_id']} not finished in state and roster")
        tally.trials += 1
    assert_clean(tally)


def test_an_action_killed_at_any_moment_is_done_in_its_actors_name_or_not_at_all(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED + 3)
    tally = Tally()
    for trial in range(4):
        ws, ids = a_workspace(tmp_path / f"t{trial}")
        tick(ws.guide(), nine_am(DAY))
        # The same action on another customer, to its end, says how long one takes here now.
        started = time.monotonic()
        calibration = start_og(ws, "pause", ids[1], "--note", "n", "--by", "sam", "--now", DAY)
        calibration.communicate(timeout=120)
        took = time.monotonic() - started
        action = rng.choice(["pause", "finish"])
        args = ["--note", "moving"] if action == "pause" else []
        written = ws.roster_path.stat().st_mtime_ns
        process = start_og(ws, action, ids[0], *args, "--by", "dana", "--now", DAY)
        if trial % 2:
            # Right after the roster write, before the state's: where the actor was lost.
            tally.killed_mid_work += kill_when(
                process,
                lambda path=ws.roster_path, was=written: path.stat().st_mtime_ns != was,
                rng.uniform(0, 0.002),
            )
        else:
            tally.killed_mid_work += kill_when(process, lambda: True, rng.uniform(0.6, 1) * took)
        finish_run(ws, "tick", "--now", DAY)
        rows = check_roster(ws, ids, tally)
        guide = ws.guide()
        state = guide.store.load().history(ids[0]).state
        trail = guide.store.audit_trail(ids[0])
        column = "paused" if action == "pause" else "finished"
        done = state.paused if action == "pause" else state.finished
        in_roster = bool(rows) and rows[0].get(column) == "TRUE"
        if in_roster != done or state.pending is not None:
            tally.lost_actors += 1
            tally.notes.append(f"{action}: roster says {in_roster}, state says {done}")
        actors = {e.actor for e in trail if e.action in ("paused", "finished")}
        if done and actors != {"dana"}:
            tally.lost_actors += 1
            tally.notes.append(f"{action} recorded as made by {actors}")
        if done and action == "finish":
            finish_run(ws, "tick", "--now", "2026-11-03")
            wrap_ups = [p for p in ws.outbox.glob(f"*-{ids[0]}-wrap-up-finish-*.eml")]
            tally.duplicates += max(0, len(wrap_ups) - 1)
        tally.trials += 1
    assert_clean(tally)
