"""The `og` command line, run as a user runs it: real processes, env vars, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workspace import HEADER, OG, RULES, Workspace, og, row


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(
        tmp_path, [row("C1"), row("C2", plan="Pro"), row("C3", email="nope", signup="x")]
    )


def test_tick_json_prints_one_object_per_roster_row(ws: Workspace) -> None:
    result = og(ws, "tick", "--now", "2026-11-02", "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["customer_id"] for r in rows] == ["C1", "C2", "C3"]
    assert rows[0] == {
        "customer_id": "C1",
        "move": "step",
        "step": "welcome",
        "reason": "welcome is due on day 0 of the Starter plan",
        "held": False,
    }
    assert rows[2]["move"] == "skipped"
    assert "row 4" in rows[2]["error"] and "email" in rows[2]["error"]


def test_tick_summary_without_a_terminal_is_plain(ws: Workspace) -> None:
    result = og(ws, "tick", "--now", "2026-11-02T09:00:00+00:00")
    assert result.returncode == 0, result.stderr
    assert "  step: 2\n" in result.stdout
    assert "  on_track: 0\n" in result.stdout
    assert "  skipped rows: 1\n" in result.stdout
    assert "─" not in result.stdout and "\x1b[" not in result.stdout
    assert "skipped row 4" in result.stderr


def test_dry_run_and_then_the_real_tick(ws: Workspace) -> None:
    dry = og(ws, "tick", "--now", "2026-11-02", "--dry-run", "--json")
    assert dry.returncode == 0 and '"move": "step"' in dry.stdout
    assert not ws.outbox.exists()
    assert og(ws, "tick", "--now", "2026-11-02").returncode == 0
    assert len(ws.emails()) == 2


def test_no_usable_rules_exits_1_and_says_why(ws: Workspace) -> None:
    ws.rules_path.write_text("Starter plan: welcome on day zero.\n")
    result = og(ws, "tick", "--now", "2026-11-02")
    assert result.returncode == 1
    assert "no earlier doc ever parsed" in result.stderr
    assert f"{ws.rules_path}:1:" in result.stderr
    assert result.stdout == ""


def test_a_missing_rules_doc_is_named_once_and_nothing_runs(ws: Workspace) -> None:
    ws.rules_path.unlink()
    result = og(ws, "tick", "--now", "2026-11-02")
    assert result.returncode == 1 and result.stdout == ""
    assert f"{ws.rules_path}: could not read the rules doc: No such file or directory" in (
        result.stderr
    )


def test_a_broken_doc_after_a_good_one_warns_loudly_and_runs(ws: Workspace) -> None:
    assert og(ws, "tick", "--now", "2026-11-02").returncode == 0
    ws.rules_path.write_text(RULES.replace("on day 6", "on day -6"))
    result = og(ws, "tick", "--now", "2026-11-03")
    assert result.returncode == 0
    assert "WARNING: the rules doc is broken or unreadable" in result.stderr


def test_usage_errors_exit_2(ws: Workspace) -> None:
    assert og(ws, "tick", "--now", "yesterday").returncode == 2
    assert og(ws, "frobnicate").returncode == 2
    assert og(ws, "tick", "--timezone", "Mars/Olympus").returncode == 2


def test_a_zone_folder_in_the_settings_is_a_usage_error_not_a_crash(ws: Workspace) -> None:
    for name in ("US", "Europe", "x" * 300):
        result = og(ws, "tick", "--timezone", name)
        assert result.returncode == 2, result.stderr
        assert "unknown time zone" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_zone_in_one_row_costs_that_row_only(tmp_path: Path) -> None:
    # `US` and `America` are folders of zones; a long name is no file at all. Both once
    # crashed every tick.
    rows = [
        row("C1", timezone="US"),
        row("C2", timezone="America"),
        row("C3", timezone="Asia/" + "x" * 300),
        row("C4", timezone="asia/tokyo"),
    ]
    ws = Workspace(tmp_path, rows)
    # 09:00 in Tokyo, where C4 is.
    result = og(ws, "tick", "--now", "2026-11-02T00:00:00+00:00", "--json")
    assert result.returncode == 0, result.stderr
    moves = {r["customer_id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert [moves[c]["move"] for c in ("C1", "C2", "C3")] == ["skipped"] * 3
    assert "row 2, column timezone ('US'): unknown time zone" in moves["C1"]["error"]
    assert "characters)" in moves["C3"]["error"]
    assert moves["C4"]["move"] == "step"
    assert ws.sent() == [("C4", "welcome", "step")]


def test_a_damaged_windows_list_costs_each_bad_row_only(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [])
    lines = [
        ",".join(HEADER),
        "C1,José Ruiz,Co C1,c1@example.test,Starter,2026-11-02,",
        'C2,"Bob,Co C2,c2@example.test,Starter,2026-11-02,',  # a stray quote
        "C3,Name C3,Co C3,c3@example.test,Starter,2026-11-02,",
        "C4,Name C4,Co C4,c4@example.test,Starter,2026-11-02," + "x" * 140_000,
        "C5,Name C5,Co C5,c5@example.test,Pro,2026-11-02,",
    ]
    ws.roster_path.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")

    result = og(ws, "tick", "--now", "2026-11-02", "--json")

    assert result.returncode == 0, result.stderr
    assert "WARNING: roster.csv is not UTF-8: read as Windows-1252 (cp1252)" in result.stderr
    moves = {r["customer_id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert {c: m["move"] for c, m in moves.items()} == {
        "C1": "step",
        "C2": "skipped",
        "C3": "step",
        "C4": "skipped",
        "C5": "step",
    }
    assert moves["C2"]["error"].startswith("row 3, column name (")
    assert "so rows 4–6 (C3, C4, C5) would have been read into it" in moves["C2"]["error"]
    assert moves["C4"]["error"].startswith("row 5, column notes (")
    assert "140,000 characters, more than the 131,072 a cell may hold" in moves["C4"]["error"]
    assert ws.sent() == [
        ("C1", "welcome", "step"),
        ("C3", "welcome", "step"),
        ("C5", "welcome", "step"),
    ]
    greeting = next(m for m in ws.emails() if m["X-OG-Customer-Id"] == "C1")
    assert "Hi José, welcome" in greeting.get_body().get_content()


def test_missing_roster_exits_1(ws: Workspace) -> None:
    result = og(ws, "tick", "--roster", str(ws.root / "missing.csv"))
    assert result.returncode == 1
    assert "missing.csv" in result.stderr


def test_done_status_and_why(ws: Workspace) -> None:
    og(ws, "tick", "--now", "2026-11-02")
    done = og(ws, "done", "C1", "Welcome", "--now", "2026-11-02")
    assert done.returncode == 0 and "welcome marked done for C1" in done.stdout
    assert og(ws, "done", "C1", "launch").returncode == 1
    status = og(ws, "status", "C1", "--now", "2026-11-04")
    assert status.returncode == 0
    assert "2026-11-02  step welcome (sent)" in status.stdout
    assert "2026-11-02  done welcome" in status.stdout
    why = og(ws, "why", "C1", "--now", "2026-11-04")
    assert why.returncode == 0
    assert "C1: step setup" in why.stdout
    assert "because setup is due on day 2 of the Starter plan" in why.stdout
    assert f"{ws.rules_path}:" in why.stdout and "Starter plan: welcome on day 0" in why.stdout
    assert og(ws, "why", "C9").returncode == 1
    for step in ("setup", "check-in"):
        assert og(ws, "done", "C1", step, "--now", "2026-11-04").returncode == 0
    assert og(ws, "tick", "--now", "2026-11-05").returncode == 0
    finished = og(ws, "status", "C1", "--now", "2026-11-06").stdout
    assert finished.count("2026-11-02  step welcome (sent)") == 1
    assert finished.count("2026-11-02  done welcome") == 1
    assert "2026-11-05  finish wrap-up (sent)" in finished
    assert "(finished)" in finished


def test_preview_shows_the_coming_days_and_writes_nothing(ws: Workspace) -> None:
    result = og(ws, "preview", "--days", "4", "--now", "2026-11-02")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # From 09:00, every hour for a day: C2's next step waits for 09:00 on Tuesday.
    assert lines[0] == "Mon 2026-11-02: 2 moves, 1 held"
    assert "  C2: step connect-data at Tue 09:00 UTC" in lines
    assert "  C1: nudge welcome at Wed 09:00 UTC" in lines
    assert not ws.outbox.exists()
    status = og(ws, "status", "C1", "--now", "2026-11-02")
    assert "(sent)" not in status.stdout and "today: step welcome" in status.stdout


def test_rules_check_prints_the_plans_or_every_error(ws: Workspace) -> None:
    good = og(ws, "rules", "check", str(ws.rules_path))
    assert good.returncode == 0
    assert "plan=Pro  step=connect data  day=1  window=nudge +2, flag +3" in good.stdout
    broken = ws.root / "broken.md"
    broken.write_text(
        "Starter plan: welcome on day 3, setup on day 1.\n"
        "Nudge after 0 days, flag after 1 more day.\n"
    )
    bad = og(ws, "rules", "check", str(broken))
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert all(line.startswith(f"{broken}:") for line in lines)
    assert any(line.startswith(f"{broken}:1:") for line in lines)
    assert any(line.startswith(f"{broken}:2:") for line in lines)


@pytest.mark.slow
def test_two_ticks_started_together_send_each_message_once(tmp_path: Path) -> None:
    ws = Workspace(
        tmp_path, [row(f"C{i:03d}", plan="Pro" if i % 2 else "Starter") for i in range(300)]
    )
    env = {**os.environ, **ws.env()}
    for day in ("2026-11-02", "2026-11-03", "2026-11-04"):
        procs = [
            subprocess.Popen(
                [*OG, "tick", "--now", day, "--json"],
                env=env,
                cwd=ws.root,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), outputs
    sent = ws.sent()
    assert len(sent) == len(set(sent))
    # Day 0: 300 welcomes. Day 1: 150 Pro connect-data. Day 2: every welcome is nudged (the
    # nudge outranks Starter's setup step, due the same day).
    by_kind = {
        (step, kind): sum(1 for s in sent if s[1:] == (step, kind)) for _, step, kind in sent
    }
    assert by_kind == {
        ("welcome", "step"): 300,
        ("connect-data", "step"): 150,
        ("welcome", "nudge"): 300,
    }


def test_og_console_script_is_installed() -> None:
    assert shutil.which("og", path=str(Path(sys.executable).parent)) is not None
