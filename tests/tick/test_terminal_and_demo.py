"""What a person sees: `og tick` in a real terminal (a pty), and `og demo`, whose done links
`og serve` run in its workspace accepts."""

from __future__ import annotations

import email
import email.policy
import os
import pty
import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from done_site import Site
from serve_process import wait_until_listening
from smtp_servers import free_port
from workspace import OG, Workspace, row

from engine.adapters.sqlite_store import SqliteStore


def _run_in_terminal(args: list[str], env: dict[str, str], cwd: Path) -> str:
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        args,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**env, "COLUMNS": "120", "TERM": "xterm-256color"},
        cwd=cwd,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the pty closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(controller)
    assert process.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_big_tick_in_a_terminal_shows_progress_and_a_table(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, [row(f"C{i:05d}") for i in range(1500)])
    screen = _run_in_terminal(
        [*OG, "tick", "--now", "2026-11-02"], {**os.environ, **ws.env()}, ws.root
    )
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    assert "customers" in plain and "%" in plain, "no progress bar"
    assert "┏" in plain or "┃" in plain, "no rich table"
    assert re.search(r"│ step\s+│ 1500\s+│", plain), plain[-2000:]


def test_demo_writes_a_workspace_and_runs_fourteen_days(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    result = subprocess.run(
        [*OG, "demo", str(directory)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    days = re.findall(r"^Day\s+(\d+)\s", result.stdout, flags=re.M)
    assert days == [str(d) for d in range(14)]
    emails = list((directory / "outbox").glob("*.eml"))
    assert f"\n{len(emails)} emails in {directory / 'outbox'}" in result.stdout
    assert len(emails) > 20
    assert "skipped row 13, column email ('nora.quinn@')" in result.stdout
    assert re.search(r"C-\d+: flag ", result.stdout)
    assert re.search(r"C-\d+: finish", result.stdout)
    # Veterans Day in New York: no mail to the customers there; the customer in Tokyo, whose
    # 12 November it is by then, and a flag to the team, which works that day.
    assert "Wed 11 Nov: 2 moves, 5 held" in result.stdout
    assert "C-004: finish at 09:00 JST" in result.stdout
    assert "C-007: flag connect-data at 09:00 EST" in result.stdout
    # Every email in its customer's hours: 09:00 on each one's own clock, the first tick there.
    sent_at = re.findall(r"C-\d+: (?:step|nudge|finish)\b.* at (\d\d:\d\d) ", result.stdout)
    assert set(sent_at[1:]) == {"09:00"}  # the first: C-004 at 14:00 JST, the demo's first tick
    assert "FLAG for <@U0" in (directory / "flags.log").read_text()
    roster = (directory / "roster.csv").read_text()
    assert "TRUE" in roster and "account_manager" in roster
    # It ends with a done link to try and the command that serves it.
    assert re.search(
        r"^Try a done link\. .+ \(C-\d+\) has not marked \S+ done;\n"
        r"the link in that email,\n    http://localhost:8080/done/\S+\n",
        result.stdout,
        flags=re.M,
    )
    # What it records is dated in its story (the month's summary reads the audit by date).
    audit = subprocess.run(
        [*OG, "audit", "C-001", "--state", f"sqlite:///{directory / 'og.db'}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=directory,
    )
    assert re.findall(r"when=(\d{4}-\d\d)", audit.stdout) == ["2026-11"] * 4, audit.stdout
    last = result.stdout.splitlines()[-1]
    assert last.startswith(f"    cd {directory} && ")
    assert last.endswith(" serve --timezone America/New_York")
    again = subprocess.run(
        [*OG, "demo", str(directory)], capture_output=True, text=True, timeout=300
    )
    # The same run, but for the link's token: signed with the new workspace's own secret, and
    # its expiry counted from now.
    token = re.compile(r"/done/\S+")
    assert again.returncode == 0
    assert token.sub("/done/TOKEN", again.stdout) == token.sub("/done/TOKEN", result.stdout)


def test_demo_refuses_to_overwrite_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep")
    result = subprocess.run(
        [*OG, "demo", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "is not an og demo workspace; name an empty or new folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep"


def _steps_done(directory: Path, customer_id: str) -> set[str]:
    store = SqliteStore.from_url(f"sqlite:///{directory / 'og.db'}")
    try:
        return set(store.load_one(customer_id).history(customer_id).state.steps_done)
    finally:
        store.close()


def _text_of(message_file: Path) -> tuple[email.message.EmailMessage, str]:
    message = email.message_from_bytes(message_file.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    parts = [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return message, "\n".join(parts)


@pytest.mark.slow
def test_a_done_link_from_the_demo_works_with_og_serve_in_its_workspace(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    # Nothing set in the environment: the workspace alone, as after `make demo`.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OG_", "SLACK_"))}
    made = subprocess.run(
        [*OG, "demo", str(directory)], capture_output=True, text=True, timeout=300, env=env
    )
    assert made.returncode == 0, made.stderr
    named = re.search(r"\((C-\d+)\) has not marked (\S+) done;", made.stdout)
    url = re.search(r"^    (http://\S+/done/\S+)$", made.stdout, flags=re.M)
    assert named and url, made.stdout
    customer_id, step, url_text = named[1], named[2], url[1]
    # A link of an email in the outbox, for that customer's step.
    (message, _), *others = [
        found
        for message_file in sorted((directory / "outbox").glob("*.eml"))
        if url_text in (found := _text_of(message_file))[1]
    ]
    assert not others
    assert (message["X-OG-Customer-Id"], message["X-OG-Step"]) == (customer_id, step)
    # On the host and port `og serve` listens on by default; here it gets a free port instead.
    link = urlsplit(url_text)
    assert (link.scheme, link.netloc) == ("http", "localhost:8080")
    assert step not in _steps_done(directory, customer_id)

    # The command the demo ends with, but on a free port.
    cd, workspace, then, *command = shlex.split(made.stdout.splitlines()[-1])
    assert (cd, Path(workspace), then) == ("cd", directory, "&&")
    serve = command.index("serve")
    og = command[0] if serve == 1 else ""  # one word: the og script, by name or by path
    assert shutil.which(str(directory / og) if "/" in og else og), command
    port = free_port()
    process = subprocess.Popen(
        [*OG, *command[serve:], "--port", str(port)],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_listening(port, process)
        site = Site(host="127.0.0.1", port=port)
        page = site.get(link.path)
        assert page.status == 200, page.text
        assert "isn't valid" not in page.text
        assert '<form method="post">' in page.text  # the confirm page: a button to press
        assert step not in _steps_done(directory, customer_id)  # a GET marks nothing
        done = site.post(link.path)
        assert done.status == 200, done.text
        assert step in _steps_done(directory, customer_id)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        log, _ = process.communicate(timeout=20)
    assert process.returncode == 0, log
    assert f'"POST /done/{link.path.removeprefix("/done/")[:8]}..." 200' in log
