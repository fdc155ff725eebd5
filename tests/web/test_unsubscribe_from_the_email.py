"""The whole way a customer stops the mail: the tick's email carries List-Unsubscribe and
List-Unsubscribe-Post (RFC 8058); the mail client's one-click POST to that very address, over
real HTTP to the guide's routes, unsubscribes; the next ticks send that customer nothing while
the others go on, and the owner is told why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from done_site import Site, running_site
from workspace import Workspace, nine_am, row, text_part

from engine.tick import tick

ONE_CLICK = b"List-Unsubscribe=One-Click"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path, [row("C1", name="Priya Nair"), row("C2")])


@pytest.fixture
def site(ws: Workspace) -> Iterator[Site]:
    with running_site(ws) as running:
        yield running


def test_the_emails_own_one_click_link_stops_the_mail_and_the_owner_hears_why(
    ws: Workspace, site: Site
) -> None:
    tick(ws.guide(), nine_am("2026-11-02"))
    c1 = next(m for m in ws.emails() if m["X-OG-Customer-Id"] == "C1")
    assert c1["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(c1["List-Unsubscribe"]).strip()  # folded onto its own line: it is long
    assert header.startswith("<") and header.endswith(">")
    url = header[1:-1]
    assert url in text_part(c1)  # and the text part ends with it
    html = c1.get_body(("html",))
    assert html is not None and f'href="{url}"' in html.get_content()

    # A mail client's one-click unsubscribe: a POST to the header's address, that body.
    path = urlsplit(url).path
    reply = site.request(
        "POST", path, body=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    assert reply.status == 200

    before = {m["Message-ID"] for m in ws.emails()}
    report = tick(ws.guide(), nine_am("2026-11-04"))  # both are due a nudge of welcome
    new = [m for m in ws.emails() if m["Message-ID"] not in before]
    assert [(m["X-OG-Customer-Id"], m["X-OG-Kind"]) for m in new] == [("C2", "nudge")]
    c1_result = next(r for r in report.results if r.customer_id == "C1")
    assert c1_result.move == "on_track" and "unsubscribed on" in c1_result.reason
    assert "unsubscribed" in ws.flags.getvalue().lower()
