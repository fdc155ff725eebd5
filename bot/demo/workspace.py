"""`og demo`: an example workspace on the embedded default, and 14 simulated days of ticks.

The customers behave differently so every move shows up: some mark steps done the day after
each email, some only after a nudge, some never (and get flagged to their owner).

The workspace is laid out as `og serve`'s defaults expect (roster.csv, rules.md, og.db, outbox/
in the folder it runs in), and its done links are signed with the secret the embedded default
keeps in og.db, so `og serve` started in the workspace accepts them.
"""

from __future__ import annotations

import csv
import email
import email.policy
import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

from bot.wiring import build_guide
from engine.actions import mark_done
from engine.adapters.console_notifier import ConsoleNotifier
from engine.calendar import zone
from engine.guide import Guide
from engine.links import DoneLink, InvalidToken, verify_token
from engine.models import SendKind
from engine.settings import Settings
from engine.tick import tick

MARKER = ".og-demo"
TEAM_TIMEZONE = "America/New_York"
# Where `og serve` listens by default (port 8080), so the links work as they are written.
BASE_URL = "http://localhost:8080"
# A Monday, so the run shows a weekend and a US holiday (Veterans Day, Nov 11) being held.
START = date(2026, 11, 2)

HEADER = [
    "customer_id",
    "name",
    "company",
    "email",
    "plan",
    "signup_date",
    "plan_override",
    "timezone",
    "paused",
    "paused_note",
    "account_manager",
]
# (id, name, company, plan, signup offset in days, override, zone, paused, note, behaviour)
CUSTOMERS = [
    ("C-001", "Priya Nair", "Lumen Labs", "Starter", 0, "", "", "", "", "prompt"),
    ("C-002", "Marcus Bell", "Ferro & Co", "Starter", 0, "", "", "", "", "silent"),
    ("C-003", "Ana Souza", "Quilt", "Pro", 0, "", "", "", "", "after-nudge"),
    ("C-004", "Kenji Watanabe", "Hoshi KK", "Pro", -1, "", "Asia/Tokyo", "", "", "prompt"),
    ("C-005", "Olivia Grant", "Grant Legal", "Starter", 1, "Pro", "", "", "", "after-nudge"),
    ("C-006", "Sam Okafor", "Brightside", "Starter", -2, "", "", "yes", "migrating, back Q1", ""),
    ("C-007", "Lena Fischer", "Nordwerk", "Pro", 2, "", "Europe/Berlin", "", "", "silent"),
    ("C-008", "Diego Ramos", "Tierra", "Starter", 3, "", "", "", "", "prompt"),
    ("C-009", "Hannah Lee", "", "Starter", -3, "", "", "", "", "after-nudge"),
    ("C-010", "Tom Becker", "Becker GmbH", "Pro", 4, "", "", "", "", "silent"),
    ("C-011", "Aisha Khan", "Crescent", "Starter", 5, "", "", "", "", "prompt"),
]
BAD_ROW = ["C-012", "Nora Quinn", "Quinn Ltd", "nora.quinn@", "Starter", "2026-11-04"]


def write_workspace(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()) and not (directory / MARKER).exists():
        raise FileExistsError(f"{directory} exists and is not an og demo workspace")
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / MARKER).write_text("made by og demo; safe to delete\n")
    rules = resources.files("bot.demo").joinpath("rules.md").read_text(encoding="utf-8")
    (directory / "rules.md").write_text(rules, encoding="utf-8")
    with (directory / "roster.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for cid, name, company, plan, offset, override, tz, paused, note, _ in CUSTOMERS:
            email = f"{name.split()[0].lower()}@{(company or 'example').split()[0].lower()}.test"
            signup = (START + timedelta(days=offset)).isoformat()
            row = [cid, name, company, email, plan, signup, override, tz, paused, note]
            writer.writerow([*row, "Jordan"])
        writer.writerow([*BAD_ROW[:3], BAD_ROW[3], BAD_ROW[4], BAD_ROW[5], "", "", "", "", ""])


def _demo_settings(directory: Path) -> Settings:
    # No link secret of its own: like `og serve` in the workspace, the demo signs with
    # OG_LINK_SECRET when set, else with the one the embedded default generates in og.db.
    return Settings(
        roster=str(directory / "roster.csv"),
        rules=str(directory / "rules.md"),
        state=f"sqlite:///{directory / 'og.db'}",
        mailer=f"outbox:{directory / 'outbox'}",
        timezone=TEAM_TIMEZONE,
        base_url=BASE_URL,
        mail_from="Onboarding Guide <guide@example.test>",
    )


def customers_act(guide: Guide, now: datetime, behaviour: Mapping[str, str]) -> list[str]:
    """Customers click their done links before the morning tick: `prompt` ones the day after
    each step email, `after-nudge` ones the day after a nudge, anyone else never."""
    snapshot = guide.store.load()
    clicked = []
    # In id order: claims are made side by side, so the store's order varies from run to run.
    for customer_id, sends in sorted(snapshot.sends.items()):
        trigger = {"prompt": SendKind.STEP, "after-nudge": SendKind.NUDGE}.get(
            behaviour.get(customer_id, "")
        )
        done = snapshot.history(customer_id).state.steps_done
        for send in sends:
            if send.kind == trigger and send.step not in done and send.local_date < now.date():
                mark_done(guide, customer_id, send.step, now, actor="customer")
                clicked.append(f"{customer_id} marked {send.step} done")
    return clicked


def _zone_of(customer_id: str) -> str:
    zones = {c[0]: c[6] for c in CUSTOMERS}
    return zones.get(customer_id) or TEAM_TIMEZONE


def run_demo(directory: Path, days: int = 14) -> int:
    write_workspace(directory)
    guide = build_guide(_demo_settings(directory))
    behaviour = {c[0]: c[-1] for c in CUSTOMERS}
    # The story's clock for what it records (audit rows, as the month's summary reads them);
    # the real one again at the end, for the done link a person clicks now.
    real_clock = guide.wall_clock
    story_time = [datetime.combine(START, time(0), zone(TEAM_TIMEZONE))]
    guide.wall_clock = lambda: story_time[0]
    with (directory / "flags.log").open("a", encoding="utf-8") as flags:
        guide.notifier = ConsoleNotifier(stream=flags)
        print(f"Workspace: {directory} (rules.md, roster.csv, og.db, outbox/, flags.log)")
        print(
            f"Team time zone {TEAM_TIMEZONE}; a tick every hour from {START:%a %d %b %Y}; "
            "each email goes in its customer's own hours\n"
        )
        for offset in range(days):
            midnight = datetime.combine(
                START + timedelta(days=offset), time(0), zone(TEAM_TIMEZONE)
            )
            story_time[0] = midnight
            clicks = customers_act(guide, midnight, behaviour)
            moves, held = [], 0
            for hour in range(24):
                story_time[0] = midnight + timedelta(hours=hour)
                report = tick(guide, story_time[0])
                moves += [
                    (report.now, r) for r in report.results if r.move not in ("on_track", "skipped")
                ]
                held = report.held
                if offset == 0 and hour == 0:
                    skipped = report.skipped
            plural = "" if len(moves) == 1 else "s"
            print(f"Day {offset:2d}  {midnight:%a %d %b}: {len(moves)} move{plural}, {held} held")
            for click in clicks:
                print(f"    {click}")
            for at, result in moves:
                what = f"{result.customer_id}: {result.move} {result.step or ''}".rstrip()
                # On the clock of whoever it reaches: the customer's, or the team's for a flag.
                where = TEAM_TIMEZONE if result.move == "flag" else _zone_of(result.customer_id)
                print(f"    {what} at {at.astimezone(zone(where)):%H:%M %Z}")
            if offset == 0:
                for row in skipped:
                    print(f"    skipped {row.render()}")
    guide.wall_clock = real_clock
    emails = sorted((directory / "outbox").glob("*.eml"))
    print(f"\n{len(emails)} emails in {directory / 'outbox'}; flags in {directory / 'flags.log'}")
    link = open_done_link(guide, emails)
    if link is not None:
        url, done = link
        name = {c[0]: c[1] for c in CUSTOMERS}[done.customer_id]
        print(f"\nTry a done link. {name} ({done.customer_id}) has not marked {done.step} done;")
        print(f"the link in that email,\n    {url}")
        print("opens once the workspace is served (Ctrl-C stops it):")
        print(f"    {serve_command(directory)}")
    return 0


def done_links(message_file: Path, base_url: str = BASE_URL) -> list[str]:
    """The done links in an email of the outbox, in the order its text parts have them."""
    message = email.message_from_bytes(message_file.read_bytes(), policy=email.policy.default)
    pattern = re.compile(re.escape(base_url.rstrip("/")) + r"/done/[A-Za-z0-9_.%-]+")
    links: list[str] = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            links += [url for url in pattern.findall(part.get_content()) if url not in links]
    return links


def open_done_link(guide: Guide, emails: list[Path]) -> tuple[str, DoneLink] | None:
    """A done link from the outbox that a click can still act on: the latest one of the first
    customer (by id) with a step still open in the current journey."""
    snapshot = guide.store.load()
    now = guide.wall_clock()
    found: dict[str, tuple[str, DoneLink]] = {}
    for message_file in emails:  # sent in this order: a later email's link replaces an earlier
        for url in done_links(message_file, guide.config.base_url):
            token = url.rsplit("/", 1)[1]
            try:
                done = verify_token(guide.config.link_secret, token, now)
            except InvalidToken:
                continue
            state = snapshot.history(done.customer_id).state
            if (
                state.journey == done.journey
                and done.step not in state.steps_done
                and not (state.finished or state.paused or state.handed_off_to)
            ):
                found[done.customer_id] = (url, done)
    return found[min(found)] if found else None


def serve_command(directory: Path) -> str:
    """The command that serves the workspace's done links: `og serve` run in it (its defaults
    are the workspace's files) on the demo's team clock."""
    return f"cd {shlex.quote(str(directory))} && {_og(directory)} serve --timezone {TEAM_TIMEZONE}"


def _og(directory: Path) -> str:
    """`og` as a shell in `directory` finds it: by name when it is on PATH, else this
    environment's script by the shorter of its relative and absolute paths."""
    script = Path(sys.executable).with_name("og")
    if not script.is_file():
        return f"{shlex.quote(sys.executable)} -m bot.cli"
    on_path = shutil.which("og")
    if on_path is not None and Path(on_path).samefile(script):
        return "og"
    absolute = str(script.absolute())
    relative = os.path.relpath(absolute, directory.absolute())
    return shlex.quote(min(relative, absolute, key=len))
