"""An email's words from the rules doc's message, as text and as HTML (engine.email_body,
engine.email_html): paragraphs reflowed, sign-offs kept, bullets, emphasis, the done link on a
line of its own and as a button; and nothing from the sheet ever read as markup."""

from __future__ import annotations

import re
import textwrap
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.adapters.email_message import build_message
from engine.email_body import (
    TEXT_WIDTH,
    Bullets,
    DoneButton,
    Paragraph,
    Run,
    as_text,
    blocks_of,
)
from engine.email_html import as_html
from engine.models import SendKind
from engine.outcomes import OutgoingEmail

LINK = "https://guide.example.test/done/" + "x" * 100
VALUES = {"first_name": "Ada", "company": "Acme", "done_link": LINK, "owner_name": "Dana Reyes"}
MESSAGE = """Hi {first_name},

Today's step takes about *ten minutes*: add your logo, pick your time zone, and set your
working hours under Settings. That's all it takes for {company}
to feel at home.

- Saved views, so the team opens
  straight to what matters
- Weekly digests

Done? Let me know with one click: {done_link}

Cheers,
{owner_name}
"""


def test_paragraphs_reflow_sign_offs_keep_their_lines_and_the_link_stands_alone() -> None:
    blocks = blocks_of(MESSAGE, VALUES, done_label="Mark setup as done")
    assert blocks[0] == Paragraph(((Run("Hi Ada,"),),))
    assert isinstance(blocks[1], Paragraph) and len(blocks[1].lines) == 1
    assert Run("ten minutes", emphasis=True) in blocks[1].lines[0]
    assert blocks[2] == Bullets(
        (
            (Run("Saved views, so the team opens straight to what matters"),),
            (Run("Weekly digests"),),
        )
    )
    assert blocks[3] == Paragraph(((Run("Done? Let me know with one click:"),),))
    assert blocks[4] == DoneButton(url=LINK, label="Mark setup as done")
    assert blocks[5] == Paragraph(((Run("Cheers,"),), (Run("Dana Reyes"),)))
    text = as_text(blocks)
    assert "for Acme to feel at home." in " ".join(text.split())
    assert "for Acme\nto feel" not in text  # the rep's hard break inside a sentence is gone
    assert f"\n\n{LINK}\n\n" in text  # on a line of its own, never wrapped
    assert "Cheers,\nDana Reyes\n" in text
    assert "- Saved views, so the team opens straight to what matters\n- Weekly" in text
    assert "*ten minutes*" in text
    assert all(len(line) <= TEXT_WIDTH for line in text.splitlines() if line != LINK)


def test_markup_is_read_from_the_reps_text_only_never_from_the_sheet() -> None:
    hostile = {
        **VALUES,
        "first_name": "*Ada* {done_link}\n- not a bullet",
        "company": '</a><script>alert(1)</script><a href="javascript:x">',
    }
    blocks = blocks_of(MESSAGE, hostile, done_label="Mark setup as done")
    assert sum(isinstance(b, DoneButton) for b in blocks) == 1
    assert blocks[0] == Paragraph(((Run("Hi *Ada* {done_link}\n- not a bullet,"),),))
    page = as_html(blocks, subject="Hi <b>", footer=hostile["company"])
    assert "<script>" not in page and 'href="javascript' not in page
    assert "&lt;/a&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<title>Hi &lt;b&gt;</title>" in page


class _Shown(HTMLParser):
    """The words a reader of the HTML part sees in its card, and the tags it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("style", "title") or ("class", "button") in attrs:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "a") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.words += data.split()


text_values = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@settings(max_examples=150, deadline=None)
@given(first_name=text_values, company=text_values)
def test_both_parts_say_the_same_words_whatever_the_sheet_holds(
    first_name: str, company: str
) -> None:
    values = {**VALUES, "first_name": first_name, "company": company}
    blocks = blocks_of(MESSAGE, values, done_label="Mark setup as done")
    shown = _Shown()
    shown.feed(as_html(blocks, subject="s"))
    assert "script" not in shown.tags
    text = as_text(blocks).replace(LINK, "")
    # The message's own bullets: a value can start a wrapped line with "- " too.
    text_words = re.sub(r"(?m)^- (?=Saved|Weekly)", "", text).replace("*", " ").split()
    html_words = " ".join(shown.words).replace("*", " ").split()
    assert html_words == text_words


def test_the_message_goes_out_as_text_and_html_alternatives() -> None:
    blocks = blocks_of(MESSAGE, VALUES, done_label="Mark setup as done")
    email = OutgoingEmail(
        to_email="ada@example.test",
        to_name="Ada\r\nBcc: everyone@example.test",
        subject="Let's get Acme set up",
        body=as_text(blocks),
        html=as_html(blocks, subject="Let's get Acme set up"),
        customer_id="C1",
        journey=1,
        step="setup",
        kind=SendKind.STEP,
    )
    raw = build_message(email, "Guide <guide@example.test>", "example.test").as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    text_part, html_part = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text_part is not None and html_part is not None
    assert text_part.get_content().replace("\r\n", "\n") == email.body
    assert html_part.get_content().replace("\r\n", "\n") == email.html
    assert parsed["Bcc"] is None and "Bcc" in parsed["To"]  # a name stays one header
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))


def test_one_click_unsubscribe_headers_per_rfc_8058() -> None:
    url = "https://guide.example.test/unsubscribe/eyJhIjoxfQ.c2ln"
    blocks = blocks_of(MESSAGE, VALUES, done_label="Mark setup as done")
    email = OutgoingEmail(
        to_email="ada@example.test",
        subject="s",
        body=as_text(blocks),
        html=as_html(blocks, subject="s", unsubscribe_url=url),
        unsubscribe_url=url,
        customer_id="C1",
        journey=1,
        step="setup",
        kind=SendKind.STEP,
    )
    raw = build_message(email, "Guide <guide@example.test>", "example.test").as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html_part = parsed.get_body(("html",))
    assert html_part is not None and f'href="{url}"' in html_part.get_content()
    for forged in (url + ">, <https://evil.example>", url + "\r\nBcc: x@y.z", "javascript:x"):
        bad = email.model_copy(update={"unsubscribe_url": forged})
        with pytest.raises(ValueError, match="not a plain URL"):
            build_message(bad, "Guide <guide@example.test>", "example.test")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bb", "word", "é", "-", "end.", "x" * 80, LINK]), max_size=60),
    st.sampled_from([("", ""), ("- ", "  ")]),
)
def test_the_text_part_wraps_as_textwrap_would_never_breaking_a_word(
    words: list[str], indents: tuple[str, str]
) -> None:
    from engine.email_body import _wrap

    text = " ".join(words)
    first, rest = indents
    expected = textwrap.fill(
        text,
        width=TEXT_WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    assert _wrap(text, first, rest) == expected
