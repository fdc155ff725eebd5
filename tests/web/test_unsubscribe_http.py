"""The unsubscribe link over real HTTP: `bot.serve` (the one route table) on 127.0.0.1 against
an on-disk workspace. A GET only asks; a POST (the page's button, or a mail client's one-click
unsubscribe, RFC 8058) unsubscribes once; a bad link is refused and touches nothing."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from done_site import Reply, Site, done_path, everything, running_site, unsubscribe_path
from workspace import Workspace, row

from bot.wsgi import redacted

ONE_CLICK = b"List-Unsubscribe=One-Click"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1", name="Priya Nair", company="Acme Rockets"), row("C2")])


@pytest.fixture
def site(ws: Workspace) -> Iterator[Site]:
    with running_site(ws) as running:
        yield running


def page_text(reply: Reply) -> str:
    main = re.search(r"<main>(.*)</main>", reply.text, re.DOTALL)
    assert main, reply.text
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main.group(1))).split())


def untouched(ws: Workspace) -> tuple[object, ...]:
    """All a visit could change: the store, the roster file, the audit trail, the notices."""
    trails = [ws.guide().store.audit_trail(cid) for cid in ("C1", "C2")]
    return everything(ws), trails, ws.flags.getvalue()


def assert_is_a_page(reply: Reply) -> None:
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert reply.text.startswith("<!doctype html>")


def unsubscribed(ws: Workspace, customer_id: str = "C1") -> bool:
    return ws.guide().store.load_one(customer_id).history(customer_id).state.unsubscribed


def test_get_asks_with_a_button_and_changes_nothing(ws: Workspace, site: Site) -> None:
    before = untouched(ws)

    reply = site.get(unsubscribe_path("C1"))

    assert reply.status == 200
    assert_is_a_page(reply)
    assert "Acme Rockets onboarding Stop these emails? Hi Priya" in page_text(reply)
    assert re.search(
        r'<form method="post">\s*<button type="submit">Stop these emails</button>', reply.text
    )
    assert untouched(ws) == before


def test_post_unsubscribes_once_tells_the_owner_and_a_second_post_changes_nothing(
    ws: Workspace, site: Site
) -> None:
    path = unsubscribe_path("C1")

    first = site.post(path)

    assert first.status == 200
    assert_is_a_page(first)
    assert "You're unsubscribed Done, Priya. We won't send you any" in page_text(first)
    assert "<button" not in first.text
    guide = ws.guide()
    state = guide.store.load_one("C1").history("C1").state
    today = datetime.now(UTC).date()
    assert (state.unsubscribed, state.unsubscribed_on, state.updated_by) == (
        True,
        today,
        "customer",
    )
    (audit,) = guide.store.audit_trail("C1")
    assert (audit.action, audit.actor, audit.after.row["unsubscribed"]) == (
        "unsubscribed",
        "customer",
        today.isoformat(),
    )
    assert ws.read_rows()[0]["unsubscribed"] == today.isoformat()
    told = ws.flags.getvalue()
    assert told.count("UNSUBSCRIBED for <@U0DANA> (Dana Reyes): Priya Nair (C1)") == 1
    assert not unsubscribed(ws, "C2")

    before = untouched(ws)
    again = site.post(path)
    later = site.get(path)

    for reply in (again, later):
        assert reply.status == 200
        assert "Already unsubscribed" in page_text(reply)
        assert f"You unsubscribed on {today.day} {today:%B %Y}" in page_text(reply)
        assert "<button" not in reply.text
    assert untouched(ws) == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (ONE_CLICK, "application/x-www-form-urlencoded"),
        (
            b'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            b"One-Click\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
    ],
    ids=["urlencoded", "multipart"],
)
def test_a_mail_clients_one_click_post_unsubscribes(
    ws: Workspace, site: Site, body: bytes, content_type: str
) -> None:
    reply = site.request("POST", unsubscribe_path("C1"), body=body, content_type=content_type)

    assert reply.status == 200
    assert "You're unsubscribed" in page_text(reply)
    assert unsubscribed(ws)
    assert [e.actor for e in ws.guide().store.audit_trail("C1")] == ["customer"]


def tampered(path: str) -> str:
    middle = len("/unsubscribe/") + 10
    flipped = "A" if path[middle] != "A" else "B"
    return path[:middle] + flipped + path[middle + 1 :]


@pytest.mark.parametrize(
    ("make_path", "status", "says"),
    [
        (lambda: tampered(unsubscribe_path("C1")), 403, "This link isn't valid"),
        (lambda: unsubscribe_path("C1", secret="someone-else"), 403, "This link isn't valid"),
        # A done link's token, moved to the unsubscribe address: signed for something else.
        (lambda: "/unsubscribe/" + done_path("C1", "welcome")[6:], 403, "This link isn't valid"),
        (lambda: "/unsubscribe/not-a-token", 400, "This link doesn't look right"),
        (
            lambda: unsubscribe_path("C1", expires_at=datetime.now(UTC) - timedelta(seconds=1)),
            410,
            "This link has expired",
        ),
        (lambda: unsubscribe_path("NOBODY"), 404, "We couldn't find your onboarding"),
    ],
    ids=["tampered", "other-secret", "done-token", "malformed", "expired", "unknown-customer"],
)
def test_a_link_that_cannot_unsubscribe_is_refused_and_touches_nothing(
    ws: Workspace, site: Site, make_path: object, status: int, says: str
) -> None:
    assert callable(make_path)
    path = make_path()
    before = untouched(ws)

    for reply in (site.get(path), site.post(path), site.post(path, ONE_CLICK)):
        assert reply.status == status, reply.text
        assert_is_a_page(reply)
        assert says in page_text(reply)
        assert "<button" not in reply.text

    assert untouched(ws) == before
    assert not unsubscribed(ws)


def test_an_unsubscribe_token_is_no_done_link(ws: Workspace, site: Site) -> None:
    before = untouched(ws)

    reply = site.post("/done/" + unsubscribe_path("C1").removeprefix("/unsubscribe/"))

    assert reply.status == 403
    assert untouched(ws) == before


def test_other_methods_get_405_and_an_oversized_body_413(ws: Workspace, site: Site) -> None:
    before = untouched(ws)
    path = unsubscribe_path("C1")
    for method in ("PUT", "DELETE"):
        reply = site.request(method, path, body=b"x")
        assert (reply.status, reply.headers["allow"]) == (405, "GET, POST")
    assert site.request("HEAD", path).status == 405
    assert site.request("POST", path, body=b"x" * (64 * 1024 + 1)).status == 413
    for other in ("/unsubscribe/", f"{path}/extra"):
        assert site.post(other).status == 404
    assert untouched(ws) == before


def test_a_link_from_an_earlier_journey_still_unsubscribes(ws: Workspace, site: Site) -> None:
    reply = site.post(unsubscribe_path("C1", journey=0))

    assert reply.status == 200
    (audit,) = ws.guide().store.audit_trail("C1")
    assert audit.note == "with the link in an email of journey 0"


def test_names_from_the_sheet_are_escaped(tmp_path: Path) -> None:
    script = "<script>alert(1)</script>"
    ws = Workspace(tmp_path, [row("C1", name=f"{script} Evil", company=f'"Co" & {script}')])
    with running_site(ws) as site:
        path = unsubscribe_path("C1")
        pages = [site.get(path), site.post(path), site.get(path)]
    for reply in pages:
        assert reply.status == 200
        assert "<script" not in reply.text
    assert "&quot;Co&quot; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in pages[0].text
    assert "Hi &lt;script&gt;alert(1)&lt;/script&gt;, press" in pages[0].text
    assert "Done, &lt;script&gt;alert(1)&lt;/script&gt;." in pages[1].text


def test_the_access_log_keeps_only_the_start_of_the_token() -> None:
    path = unsubscribe_path("C1")
    token = path.removeprefix("/unsubscribe/")

    assert redacted(f"{path}?x=1") == f"/unsubscribe/{token[:8]}...?x=1"
