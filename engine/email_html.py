"""The HTML part of an email: its blocks (engine.email_body) in a small, accessible page that
reads in any mail client (system fonts, no images, a real button for the done link, light and
dark). Rendered by Jinja2 with autoescaping on: every word from the rules doc or the sheet is
text in the page, never markup."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from engine.email_body import Block, Bullets, DoneButton, Paragraph


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("engine", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a name the template misspells fails the tests, not a send
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    return environment.get_template("email.html")


def as_html(
    blocks: list[Block],
    *,
    subject: str,
    footer: str = "",
    unsubscribe_url: str = "",
    lang: str = "en",
) -> str:
    return _template().render(
        blocks=[_shape(block) for block in blocks],
        subject=subject,
        footer=footer,
        unsubscribe_url=unsubscribe_url,
        lang=lang,
    )


def _shape(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "lines": block.lines}
    if isinstance(block, Bullets):
        return {"kind": "bullets", "entries": block.items}
    if isinstance(block, DoneButton):
        return {"kind": "button", "url": block.url, "label": block.label}
    raise TypeError(f"not a block: {block!r}")
