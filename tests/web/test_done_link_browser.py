"""The done link in a real browser at phone size: what a customer sees, and pressing the button.

Screenshots land in the test's tmp dir (`1-asked.png`, `2-thanked.png`, `3-already.png`,
`4-expired.png`) for a person to look at; the test checks they are real, non-blank phone-sized
images, and checks the words Chromium actually rendered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from chromium import PHONE, Page, Screen, headless_chromium, read_png
from done_site import done_path, everything, running_site
from workspace import Workspace, row

# A blank 390x844 PNG compresses to a few kB; a page with text and a button is far larger.
MIN_SCREENSHOT_BYTES = 8_000
MIN_DISTINCT_SCANLINES = 40


def assert_screenshot(page: Page, path: Path, screen: Screen) -> None:
    data = page.screenshot(path)
    png = read_png(data)
    assert (png.width, png.height) == (screen.width, screen.height)
    assert len(data) > MIN_SCREENSHOT_BYTES, f"{path.name} is {len(data)} bytes: blank?"
    distinct = len(set(png.scanlines))
    assert distinct > MIN_DISTINCT_SCANLINES, f"{path.name} has {distinct} distinct rows: blank?"


def assert_fits(page: Page, screen: Screen) -> None:
    """No sideways scrolling, and the whole card (button included) is on the first screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= screen.width
    assert page.evaluate("document.querySelector('main').getBoundingClientRect().bottom") <= (
        screen.height
    )


def test_a_customer_marks_a_step_done_on_a_phone(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    ws = Workspace(tmp_path / "ws", [row("C1", name="Priya Nair", company="Acme Rockets")])
    link = done_path("C1", "welcome")
    before = everything(ws)
    with running_site(ws) as site, headless_chromium(tmp_path / "chromium") as browser:
        page = browser.new_page(PHONE)

        page.open(site.base_url + link)
        asked = page.text()
        assert "ACME ROCKETS ONBOARDING" in asked  # the company line is set in capitals
        assert "Welcome" in asked
        assert "Hi Priya, have you finished this step?" in asked
        assert "Mark as done" in asked
        assert page.evaluate("document.title") == "Welcome: mark as done"
        assert_fits(page, PHONE)
        assert_screenshot(page, tmp_path / "1-asked.png", PHONE)
        assert everything(ws) == before, "opening the link must change nothing"

        page.tap("button")
        thanked = page.text()
        assert "Thanks, Priya!" in thanked
        assert "Welcome is done." in thanked
        assert "Mark as done" not in thanked
        assert_fits(page, PHONE)
        assert_screenshot(page, tmp_path / "2-thanked.png", PHONE)
        state = ws.guide().store.load_one("C1").history("C1").state
        assert set(state.steps_done) == {"welcome"}

        page.open(site.base_url + link)
        again = page.text()
        assert "Already done" in again
        assert "Welcome was already marked as done on" in again
        assert_screenshot(page, tmp_path / "3-already.png", PHONE)

        expired = datetime.now(UTC) - timedelta(days=1)
        page.open(site.base_url + done_path("C1", "setup", expires_at=expired))
        refused = page.text()
        assert "This link has expired" in refused
        assert "Reply to the email" in refused
        assert_screenshot(page, tmp_path / "4-expired.png", PHONE)

    shots = [(tmp_path / name).read_bytes() for name in ("1-asked.png", "2-thanked.png")]
    assert shots[0] != shots[1]
