"""The done link over real HTTP: `bot.serve` on 127.0.0.1 against an on-disk workspace."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from done_site import Reply, Site, done_path, everything, running_site
from workspace import Workspace, row

from engine.actions import finish, reenroll


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(
        tmp_path,
        [
            row("C1", name="Priya Nair", company="Acme Rockets"),
            row("C2", plan="Pro"),
            row("C9", name="Fin Ished", finished="TRUE", finished_date="2026-11-20"),
        ],
    )


@pytest.fixture
def site(ws: Workspace) -> Iterator[Site]:
    with running_site(ws) as running:
        yield running


def steps_done(ws: Workspace, customer_id: str) -> set[str]:
    state = ws.guide().store.load_one(customer_id).history(customer_id).state
    return set(state.steps_done)


def page_text(reply: Reply) -> str:
    """The words of the page's card, tags dropped and spaces squeezed, as a reader sees them."""
    main = re.search(r"<main>(.*)</main>", reply.text, re.DOTALL)
    assert main, reply.text
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main.group(1))).split())


def assert_is_a_page(reply: Reply) -> None:
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.text.startswith("<!doctype html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in reply.text


def test_get_asks_with_a_button_and_changes_nothing(ws: Workspace, site: Site) -> None:
    before = everything(ws)
    reply = site.get(done_path("C1", "welcome"))
    assert reply.status == 200
    assert_is_a_page(reply)
    text = page_text(reply)
    assert "Welcome" in text
    assert "Hi Priya" in text
    assert "Acme Rockets" in text
    assert re.search(
        r'<form method="post">\s*<button type="submit">Mark as done</button>', reply.text
    )
    assert everything(ws) == before


def test_post_marks_the_step_done_once(ws: Workspace, site: Site) -> None:
    path = done_path("C1", "welcome")
    first = site.post(path)
    assert first.status == 200
    assert_is_a_page(first)
    assert "Thanks, Priya! Welcome is done." in page_text(first)
    assert steps_done(ws, "C1") == {"welcome"}
    store = ws.guide().store
    assert store.load_one("C1").history("C1").state.updated_by == "customer"
    assert [(e.action, e.actor) for e in store.audit_trail("C1")] == [("marked_done", "customer")]

    again = site.post(path)
    assert again.status == 200
    assert "Already done" in page_text(again)
    assert "Welcome was already marked as done on" in page_text(again)
    assert "Mark as done" not in again.text

    later = site.get(path)
    assert later.status == 200
    assert "Already done" in page_text(later)
    assert "<button" not in later.text
    assert steps_done(ws, "C1") == {"welcome"}
    assert len(store.audit_trail("C1")) == 1


def test_a_step_of_another_plan_is_marked_by_its_own_link(ws: Workspace, site: Site) -> None:
    reply = site.post(done_path("C2", "connect-data"))
    assert reply.status == 200
    assert "Connect data is done" in page_text(reply)
    assert steps_done(ws, "C2") == {"connect-data"}
    assert steps_done(ws, "C1") == set()


def tampered(path: str) -> str:
    # Flip one character in the middle of the payload: still base64url, no longer signed.
    middle = len("/done/") + 10
    flipped = "A" if path[middle] != "A" else "B"
    return path[:middle] + flipped + path[middle + 1 :]


@pytest.mark.parametrize(
    ("make_path", "status", "says"),
    [
        (lambda: tampered(done_path("C1", "welcome")), 403, "This link isn't valid"),
        (lambda: done_path("C1", "welcome", secret="someone-else"), 403, "This link isn't valid"),
        (lambda: "/done/not-a-token", 400, "This link doesn't look right"),
        (lambda: "/done/abc.def.ghi", 400, "This link doesn't look right"),
        (
            lambda: done_path("C1", "welcome", expires_at=datetime.now(UTC) - timedelta(days=1)),
            410,
            "This link has expired",
        ),
        (lambda: done_path("NOBODY", "welcome"), 404, "We couldn't find your onboarding"),
        (lambda: done_path("C1", "no-such-step"), 410, "This step is no longer in your plan"),
        (lambda: done_path("C9", "welcome"), 410, "Your onboarding has ended"),
        (lambda: done_path("C1", "welcome", journey=0), 410, "has ended or restarted"),
    ],
    ids=[
        "tampered",
        "other-secret",
        "malformed",
        "three-parts",
        "expired",
        "unknown-customer",
        "step-not-in-plan",
        "finished",
        "old-journey",
    ],
)
def test_a_link_that_cannot_mark_gets_a_friendly_page_and_changes_nothing(
    ws: Workspace, site: Site, make_path: object, status: int, says: str
) -> None:
    assert callable(make_path)
    path = make_path()
    before = everything(ws)
    for reply in (site.get(path), site.post(path)):
        assert reply.status == status, reply.text
        assert_is_a_page(reply)
        assert says in page_text(reply)
        assert "<button" not in reply.text
        assert "Traceback" not in reply.text
    assert everything(ws) == before


def test_a_link_from_before_a_reenrollment_is_gone(ws: Workspace, site: Site) -> None:
    guide, now = ws.guide(), datetime.now(UTC)
    old_link = done_path("C1", "welcome", journey=1)
    assert finish(guide, "C1", actor="test", now=now).ok
    ended = site.get(old_link)
    assert ended.status == 410
    assert "Your onboarding has ended" in page_text(ended)

    assert reenroll(guide, "C1", "Starter", actor="test", now=now).ok
    before = everything(ws)
    for reply in (site.get(old_link), site.post(old_link)):
        assert reply.status == 410
        assert "This onboarding has ended or restarted" in page_text(reply)
    assert everything(ws) == before
    assert site.post(done_path("C1", "welcome", journey=2)).status == 200
    assert steps_done(ws, "C1") == {"welcome"}


def test_other_methods_get_405_with_allow(ws: Workspace, site: Site) -> None:
    before = everything(ws)
    path = done_path("C1", "welcome")
    for method in ("PUT", "DELETE", "PATCH"):
        reply = site.request(method, path, body=b"x")
        assert reply.status == 405
        assert reply.headers["allow"] == "GET, POST"
        assert_is_a_page(reply)
    head = site.request("HEAD", path)
    assert head.status == 405
    assert head.text == ""
    assert everything(ws) == before


def test_other_paths_are_404(ws: Workspace, site: Site) -> None:
    before = everything(ws)
    for path in ("/nope", "/", "/done/", "/done", f"{done_path('C1', 'welcome')}/extra"):
        for method in ("GET", "POST"):
            reply = site.request(method, path)
            assert reply.status == 404, path
            assert_is_a_page(reply)
            assert "Page not found" in page_text(reply)
    assert everything(ws) == before


def test_a_query_string_and_a_trailing_slash_do_not_matter(ws: Workspace, site: Site) -> None:
    path = done_path("C1", "welcome")
    assert "Mark as done" in site.get(f"{path}?utm_source=mail").text
    assert site.post(f"{path}/").status == 200
    assert steps_done(ws, "C1") == {"welcome"}


def test_an_oversized_body_is_refused_unread(ws: Workspace, site: Site) -> None:
    before = everything(ws)
    reply = site.request("POST", done_path("C1", "welcome"), body=b"x" * (64 * 1024 + 1))
    assert reply.status == 413
    assert_is_a_page(reply)
    assert everything(ws) == before


def test_names_from_the_sheet_are_escaped(tmp_path: Path) -> None:
    script = "<script>alert(1)</script>"
    ws = Workspace(tmp_path, [row("C1", name=f"{script} Evil", company=f'"Co" & {script}')])
    with running_site(ws) as site:
        path = done_path("C1", "welcome")
        pages = [site.get(path), site.post(path), site.get(path)]
    for reply in pages:
        assert reply.status == 200
        assert "<script" not in reply.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.text
    assert "&quot;Co&quot; &amp; &lt;script&gt;" in pages[0].text
    assert "Thanks, &lt;script&gt;alert(1)&lt;/script&gt;!" in pages[1].text


def test_pages_load_nothing_from_elsewhere(ws: Workspace, site: Site) -> None:
    path = done_path("C1", "welcome")
    pages = [site.get(path), site.post(path), site.get(path), site.get("/nope")]
    pages.append(site.get(tampered(path)))
    for reply in pages:
        assert not re.search(r"https?://", reply.text), reply.text
        assert "<link" not in reply.text
        assert "<script" not in reply.text
        assert "<img" not in reply.text
        assert "@import" not in reply.text
        assert "url(" not in reply.text
        assert "default-src 'none'" in reply.headers["content-security-policy"]
