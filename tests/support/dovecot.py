"""A real IMAP server for a test: Debian's Dovecot (`make imap` installs it) on loopback.

Each server has its own throwaway folder: the configuration, one user in a passwd-file, a
self-signed certificate, the Maildir and Dovecot's sockets, logs and state, so two servers (two
tests, two xdist workers) never share anything but the binary. It listens on two free ports of
127.0.0.1: plain IMAP (`ssl = no` there, plaintext login allowed) and IMAPS (the certificate is
for localhost and 127.0.0.1; `client_context()` trusts it).

Run as root (as CI does), Dovecot's login processes run as `dovenull`, its internal ones as
`dovecot`, and the mail is read and written as `dovecot`: the folder is made traversable and the
Maildir is given to that user. As anyone else, every process would run as that user (only
the root set-up has been tried).
"""

from __future__ import annotations

import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from processes import stop
from smtp_servers import free_port, make_self_signed_cert

STARTUP_SECONDS = 20
STOP_SECONDS = 5
USER = "guide"
PASSWORD = "inbox-password"  # a throwaway server's only login
# Debian puts dovecot in /usr/sbin, which an ordinary user's PATH may not name.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])


def dovecot_binary() -> str:
    found = shutil.which("dovecot", path=SEARCH_PATH)
    if found is None:
        # The project runs no skipped tests: a machine without the server fails, saying how.
        pytest.fail(
            "dovecot is not installed, so the inbox cannot be read from a real IMAP server: "
            "run `make imap` (apt-get install dovecot-imapd)",
            pytrace=False,
        )
    return found


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    """Plain IMAP."""
    tls_port: int
    """IMAPS, with the certificate `client_context()` trusts."""
    user: str
    password: str
    cert: Path
    log: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    @property
    def url(self) -> str:
        """An inbox setting that reaches this server's INBOX over IMAPS (the password apart)."""
        return f"imaps://{self.user}@{self.host}:{self.tls_port}/INBOX"

    @contextmanager
    def connect(self) -> Iterator[imaplib.IMAP4]:
        """A logged-in plain IMAP session, logged out on exit."""
        client = imaplib.IMAP4(self.host, self.port, timeout=STARTUP_SECONDS)
        try:
            client.login(self.user, self.password)
            yield client
        finally:
            with suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """Delivers a message as a mail server would (IMAP APPEND); returns the UID it got."""
        with self.connect() as client:
            status, data = client.append(folder, None, None, raw)
        assert status == "OK", f"APPEND to {folder} failed: {data!r}"
        found = re.search(rb"\[APPENDUID \d+ (\d+)\]", data[0] if data and data[0] else b"")
        assert found, f"no APPENDUID in {data!r}"
        return int(found.group(1))


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Starts a Dovecot of its own, yields it once it greets, then stops it and removes it all."""
    binary = dovecot_binary()
    root = Path(tempfile.mkdtemp(prefix="og-dovecot-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        server, config = _write_config(root)
        with server.log.open("ab") as log_file:
            process = subprocess.Popen(
                [binary, "-F", "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: its children are stopped too
            )
        _wait_until_it_greets(server, process)
        yield server
    finally:
        if process is not None:
            _stop_all(process)
        shutil.rmtree(root, ignore_errors=True)


def _write_config(root: Path) -> tuple[Dovecot, Path]:
    if os.geteuid() == 0:
        login_user, internal_user, mail_user = "dovenull", "dovecot", "dovecot"
    else:
        login_user = internal_user = mail_user = pwd.getpwuid(os.geteuid()).pw_name
    mail_owner = pwd.getpwnam(mail_user)
    # mkdtemp's folder is private; the unprivileged processes must pass through it.
    root.chmod(0o711)
    tls = make_self_signed_cert(root)
    passwd = root / "passwd"
    passwd.write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    passwd.chmod(0o644)  # read by the auth process, which runs as the internal user
    home = root / "home"
    home.mkdir()
    os.chown(home, mail_owner.pw_uid, mail_owner.pw_gid)
    server = Dovecot(
        host="127.0.0.1",
        port=free_port(),
        tls_port=free_port(),
        user=USER,
        password=PASSWORD,
        cert=tls.cert,
        log=root / "dovecot.log",
    )
    config = root / "dovecot.conf"
    config.write_text(
        f"""\
# A throwaway Dovecot for one test ({root}).
base_dir = {root}/run
state_dir = {root}/state
instance_name = og-test-{server.port}
log_path = {server.log}
protocols = imap
listen = {server.host}
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
first_valid_gid = 1

ssl = yes
ssl_cert = <{tls.cert}
ssl_key = <{tls.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password is refused at once.
auth_failure_delay = 0

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_owner.pw_gid} home={home}/%u
}}
mail_location = maildir:~/Maildir

service imap-login {{
  inet_listener imap {{
    address = {server.host}
    port = {server.port}
    ssl = no
  }}
  inet_listener imaps {{
    address = {server.host}
    port = {server.tls_port}
    ssl = yes
  }}
}}
"""
    )
    return server, config


def _wait_until_it_greets(server: Dovecot, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"dovecot exited with code {process.returncode} on start:\n{_tail(server.log)}"
            )
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as connection:
                if connection.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"dovecot did not greet on {server.host}:{server.port} within "
                f"{STARTUP_SECONDS} s:\n{_tail(server.log)}"
            )
        time.sleep(0.05)


def _stop_all(process: subprocess.Popen[bytes]) -> None:
    """Every process of its group at once (the master alone takes seconds to stop its
    children), then whatever still runs after a few seconds is killed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    stop(process)
    deadline = time.monotonic() + STOP_SECONDS
    while running_in_group(process.pid):
        if time.monotonic() > deadline:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            return
        time.sleep(0.05)


def running_in_group(group: int) -> bool:
    """Whether a process of the group still runs (a zombie left for init to reap does not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
            state, _parent, process_group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(process_group) == group and state != "Z":
            return True
    return False


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
