"""Every email's HTML part in a real browser: headless Chromium at phone and desktop widths, in
light and dark (`prefers-color-scheme`). Screenshots land in the test's tmp dir
(`welcome-phone-light.png`, …) for a person to look at; the test checks they are real images,
that the page fits a phone without sideways scrolling, that its words are the text part's,
that the done link is a button a finger can hit, and that text and button stay readable in
both schemes (WCAG contrast)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from builders import customer
from chromium import DESKTOP, PHONE, Page, Screen, headless_chromium, read_png

from engine.compose import step_email
from engine.outcomes import OutgoingEmail
from engine.plans import Rules
from engine.rules import parse_rules

ROOT = Path(__file__).resolve().parents[2]
LINK = "https://guide.example.test/done/eyJhIjoxfQ.c2lnbmF0dXJl"
STOP = "https://guide.example.test/unsubscribe/eyJiIjoyfQ.c2lnbmF0dXJl"
MIN_SCREENSHOT_BYTES = 8_000


def demo_rules() -> Rules:
    rules = parse_rules((ROOT / "bot" / "demo" / "rules.md").read_text(encoding="utf-8"))
    assert isinstance(rules, Rules), rules
    return rules


def an_email(step_id: str) -> OutgoingEmail:
    rules = demo_rules()
    plan = rules.plans["pro"]
    step = plan.step(step_id)
    assert step is not None
    who = customer(name="Ada Lovelace", company="Analytical Engines", plan="pro")
    return step_email(rules, who, plan, step, 1, LINK, unsubscribe_url=STOP)


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def style(page: Page, selector: str, prop: str) -> str:
    return str(page.evaluate(f"getComputedStyle(document.querySelector({selector!r})).{prop}"))


def visible_words(text: str) -> list[str]:
    """The words, without the text part's emphasis stars and bullet dashes."""
    return re.sub(r"(?m)^- ", "", text).replace("*", " ").split()


@pytest.mark.parametrize("step_id", ["welcome", "feature-tour"])
def test_the_html_part_reads_well_on_a_phone_and_a_desktop_in_light_and_dark(
    tmp_path: Path, step_id: str
) -> None:
    email = an_email(step_id)
    page_file = tmp_path / f"{step_id}.html"
    page_file.write_text(email.html, encoding="utf-8")
    screens: list[tuple[str, Screen]] = [("phone", PHONE), ("desktop", DESKTOP)]
    with headless_chromium(tmp_path / "browser") as browser:
        for name, screen in screens:
            for scheme in ("light", "dark"):
                page = browser.new_page(screen)
                page.prefer_colours(scheme)
                page.open(page_file.as_uri())
                shot = tmp_path / f"{step_id}-{name}-{scheme}.png"
                data = page.screenshot(shot)
                png = read_png(data)
                assert (png.width, png.height) == (screen.width, screen.height)
                assert len(data) > MIN_SCREENSHOT_BYTES, f"{shot.name}: blank?"
                assert page.evaluate("document.documentElement.scrollWidth") <= screen.width
                # The words a reader sees are the text part's, the link aside.
                shown = visible_words(page.evaluate("document.querySelector('.card').innerText"))
                written = visible_words(email.body.replace(LINK, "").split("\n--\n")[0])
                label = visible_words(f"Mark {step_id.replace('-', ' ')} as done")
                assert [w for w in shown if w.lower() not in {x.lower() for x in label}] == [
                    w for w in written if w.lower() not in {x.lower() for x in label}
                ]
                # The done link is a real button, big enough for a thumb, that says what it does.
                button = page.evaluate(
                    "(() => { const a = document.querySelector('a.button');"
                    " const r = a.getBoundingClientRect();"
                    " return [a.href, a.innerText, r.width, r.height]; })()"
                )
                assert button[0] == LINK and button[1].startswith("Mark ")
                assert button[2] >= 120 and button[3] >= 40, button
                text_contrast = contrast(
                    style(page, ".card", "color"), style(page, ".card", "backgroundColor")
                )
                button_contrast = contrast(
                    style(page, "a.button", "color"), style(page, "a.button", "backgroundColor")
                )
                assert text_contrast >= 7, (scheme, text_contrast)
                assert button_contrast >= 4.5, (scheme, button_contrast)
                # The way to stop the emails is in the footer, readable too.
                stop = page.evaluate(f"document.querySelector('a[href=\"{STOP}\"]').innerText")
                assert stop == "Stop these onboarding emails"
                link = f'a[href="{STOP}"]'
                footer = contrast(
                    style(page, link, "color"), style(page, ".page", "backgroundColor")
                )
                assert footer >= 4.5, (scheme, footer)
                dark_card = _luminance(style(page, ".card", "backgroundColor")) < 0.1
                assert dark_card == (scheme == "dark")
