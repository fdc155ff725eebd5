"""Text from the sheet and the rules doc, made safe for Slack: the one escape and the one clip.

Names, companies, steps and notes come from a sheet anyone on the team can edit, so they must
never ping (`<!channel>`), mention (`<@U…>`), link or format. Slack asks that `&`, `<` and `>`
be written as entities in every text object, plain or mrkdwn; `plain` does that, on one line,
clipped. Where the text is mrkdwn, `escape_mrkdwn` also swaps the formatting characters for
look-alikes. Look-alikes rather than zero-width joiners: zero-width characters are the usual
trick to *force* bold mid-word, so Slack's parser evidently counts them as word boundaries and
they cannot be relied on to stop formatting, while a look-alike leaves nothing for the parser
to act on. The price: a name like `O_Neil` reads `OˍNeil` in mrkdwn, and stays exact in plain
text.
"""

from __future__ import annotations

import re

from slack_sdk.models.blocks import PlainTextObject

from engine.adapters.email_message import one_line
from engine.plans import Person

_OWNER_NAME_LIMIT = 100
_SLACK_ID = re.compile(r"[A-Za-z0-9]{1,32}")
USER_ID = r"[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{2,31}"
"""A Slack user id, strictly: U or W and capitals with at least one digit, so a name typed as
"Sam" or "UMA" is never taken for one."""
_USER_ID = re.compile(USER_ID)
_MRKDWN_REPLACEMENTS = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "*": "\u2217",  # ∗ asterisk operator
        "_": "\u02cd",  # ˍ modifier letter low macron
        "~": "\u223c",  # ∼ tilde operator
        "`": "\u02cb",  # ˋ modifier letter grave accent
    }
)


_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def clip(text: str, limit: int, *, lines: bool = False) -> str:
    """`text` on one line (or, with `lines`, its own lines kept), cut with an ellipsis so that
    escaped it is at most `limit` characters: Slack counts `&amp;` as five, and a cut never
    falls inside an entity. The one clip for text from the sheet, plain or mrkdwn."""
    flat = "\n".join(map(one_line, text.split("\n"))) if lines else one_line(text)
    if len(flat.translate(_ENTITIES)) <= limit:
        return flat
    kept: list[str] = []
    length = 0
    for char in flat:
        width = len(char.translate(_ENTITIES))
        if length + width + 1 > limit:
            break
        kept.append(char)
        length += width
    return "".join(kept) + "…"


def plain(text: str, limit: int, *, lines: bool = False) -> str:
    """`text` for a plain_text object: clipped as `clip` does, `&`, `<` and `>` as entities
    (Slack asks for them in every text object, and shows them as the characters)."""
    return clip(text, limit, lines=lines).translate(_ENTITIES)


def plain_text(text: str, limit: int = 2000) -> PlainTextObject:
    """A plain_text object of `text` (see `plain`), its lines kept, emoji codes as typed
    (`:rocket:` in a company name stays text); "-" for nothing, as Slack wants some text."""
    return PlainTextObject(text=plain(text, limit, lines=True) or "-", emoji=False)


def escape_mrkdwn(text: str) -> str:
    """`text` safe inside Slack mrkdwn: shown as written (near enough), never a mention, link,
    date token or formatting. Control characters and line breaks collapse to one space, so a
    value cannot start a line of its own (`&gt;` there would be a quote)."""
    return one_line(text).translate(_MRKDWN_REPLACEMENTS)


def escape_code(text: str) -> str:
    """`text` safe inside a mrkdwn code block (```), its lines and spacing kept: `&`, `<` and
    `>` as entities, so nothing in it pings or links; backticks as look-alikes, so nothing in
    it ends the block; other control characters as spaces."""
    kept = _CONTROLS.sub(" ", text.replace("\r\n", "\n"))
    return kept.translate(_ENTITIES).replace("`", "\u02cb")


def mention(person: Person) -> str:
    """`<@ID>` for a well-formed Slack id; otherwise the escaped name, which pings nobody."""
    if _SLACK_ID.fullmatch(person.slack_id):
        return person.mention()
    return escape_mrkdwn(clip(person.name or person.slack_id, _OWNER_NAME_LIMIT))


def is_user_id(text: str) -> bool:
    return _USER_ID.fullmatch(text) is not None


def person(who: str) -> str:
    """Someone recorded by the guide (an actor, an owner): a mention when it is a Slack user id,
    so Slack shows their name; otherwise the name as written, escaped."""
    if is_user_id(who):
        return f"<@{who}>"
    return escape_mrkdwn(clip(who, _OWNER_NAME_LIMIT))
