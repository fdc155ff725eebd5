"""The Home tab reads only the customers it may list (engine.home): whatever the state and the
list say, it shows what reading every row and every customer's state would show."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from pathlib import Path

from workspace import Workspace, nine_am, row

from engine.actions import hand_off, mark_done, pause
from engine.heard import hear
from engine.home import home_for, home_from
from engine.inbound import Bounce, Inbound, InboundKind
from engine.models import StoreSnapshot
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules
from engine.tick import tick

PEOPLE = ("U0DANA", "U0SAM", "U0NOBODY")


def test_the_home_tab_of_a_few_rows_is_the_home_tab_of_all_of_them(tmp_path: Path) -> None:
    # Those who signed up last are on track, as most customers are on any day.
    signups = ["2026-11-02"] * 15 + ["2026-11-12"] * 45
    plans = ("Starter", "Pro")
    ws = Workspace(tmp_path, [row(f"C{n:02d}", plans[n % 2], day) for n, day in enumerate(signups)])
    guide = ws.guide()
    start = nine_am("2026-11-02")
    for day in range(12):  # the silent customers are nudged, then flagged
        tick(guide, start + timedelta(days=day))
    now = start + timedelta(days=12)
    assert pause(guide, "C03", "on holiday", "U0DANA", now).changed
    assert hand_off(guide, "C04", "<@U0SAM>", "", "U0DANA", now).changed
    assert hand_off(guide, "C05", "Sam Ortiz", "", "U0SAM", now).changed
    assert mark_done(guide, "C06", "welcome", now, actor="customer").changed
    # Two on track, but for what came back: a reply, and an address given up.
    reply = Inbound(kind=InboundKind.REPLY, sender="c20@example.test", subject="Re: hi")
    assert hear(guide, "C20", reply, now).changed
    bounce = Bounce("c21@example.test", "5.1.1", permanent=True)
    assert hear(guide, "C21", Inbound(kind=InboundKind.BOUNCE, bounces=(bounce,)), now).changed
    # People edit the list by hand; no tick has read it since.
    rows = ws.read_rows()
    edits = {
        "C07": {"paused": "TRUE", "paused_note": "typed in the sheet"},
        "C08": {"paused": "FALSE"},
        "C09": {"handed_off_to": "<@U0DANA>"},
        "C10": {"handed_off_to": "Sam Ortiz"},
        "C11": {"plan": "Platinum"},  # a row that no longer validates
        "C12": {"finished": "TRUE"},
    }
    for values in rows:
        values.update(edits.get(values["customer_id"], {}))
    rows.append({**rows[50], "paused": "TRUE"})  # C50 twice: validation refuses both rows
    ws.write_rows(rows)

    read: list[Collection[str]] = []
    load_many = guide.store.load_many

    def counted(customer_ids: Collection[str]) -> StoreSnapshot:
        read.append(list(customer_ids))
        return load_many(customer_ids)

    guide.store.load_many = counted  # type: ignore[method-assign]
    rules = load_rules(guide.rules_source, guide.store, remember=False).rules
    assert rules is not None
    everyone, _ = validate_rows(guide.roster.read(), rules.plans.keys(), "UTC")
    for person in PEOPLE:
        assert home_for(guide, person) == home_from(person, rules, everyone, guide.store.load())
    dana, sam = home_for(guide, "U0DANA"), home_for(guide, "U0SAM")
    assert dana.flags and {c.customer_id for c in dana.handed_off} == {"C09"}
    assert {c.customer_id for c in sam.handed_off} == {"C04", "C05", "C10"}
    assert {c.customer_id for c in dana.paused} >= {"C03", "C07"}
    assert "C08" not in {c.customer_id for c in dana.paused}
    assert [c.customer_id for c in dana.replied] == ["C20"] and not sam.replied
    assert [(c.customer_id, c.reason) for c in dana.undeliverable] == [
        ("C21", "bounced for good (5.1.1)")
    ]
    # Only those customers' state was read, not everyone's.
    assert read and all(0 < len(ids) < len(everyone) / 2 for ids in read)
    assert {"C07", "C09", "C10", "C20", "C21"} <= set(read[0]) and "C51" not in read[0]
