"""The Home tab: a person's open flags, oldest first, with the flag's Done / Pause / Hand off;
their customers who wrote back, with Resume guide, and those the guide cannot mail, with why;
the customers handed off to them, with Resume guide; and the team's paused customers with
their notes and Resume. Built from the engine's plain `Home` (engine/home.py) and published with
`views.publish` when the person opens the tab and after every action they take (through the
notifier).

A Home tab holds 100 blocks. Each section gets an equal share of them, what one does not need
going to the others, and says how many it leaves out. Each button's id is numbered (`og_done_3`)
so every id in the view is its own; the listeners take the numbered ids as the plain ones.
The team's paused customers are shown only to those who may act on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.access import may_act_in_slack
from bot.slack.blocks import BUTTON_VALUE_LIMIT, MAX_VIEW_BLOCKS, check_message
from bot.slack.buttons import (
    DONE_ACTION_ID,
    HAND_BACK_ACTION_ID,
    HAND_OFF_ACTION_ID,
    PAUSE_ACTION_ID,
    RESUME_ACTION_PREFIX,
    ButtonTarget,
    numbered,
)
from bot.slack.context import SlackContext
from bot.slack.people import SlackPeople
from bot.slack.text import clip, escape_mrkdwn, plain_text
from engine.home import (
    Home,
    HomeCustomer,
    HomeFlag,
    HomeHandedOff,
    HomePaused,
    HomeReplied,
    HomeUndeliverable,
    has_viewed,
    home_for,
    remember_viewer,
)
from engine.ports import RosterError

_NAME_LIMIT = 80
_NOTE_LIMIT = 300
_PROBLEM_LIMIT = 1000
# The header, the opening line and a line on the rules doc; a divider, a title and an "… and
# N more" (or "nobody") line for each of the five sections.
_FRAME = 3 + 5 * 3
_REASON_LIMIT = 300
_TOO_LONG = "The customer id is too long for buttons; act with the og command."

_Shown = TypeVar("_Shown", bound=HomeCustomer)


class HomeTab:
    """Publishes a person's Home tab: when they open it (`opened`), and after an action they
    took (`refresh`, the Slack notifier's `home`) when they ever opened it."""

    def __init__(self, context: SlackContext, client: WebClient) -> None:
        self._context = context
        self._client = client

    def opened(self, user: str) -> None:
        remember_viewer(self._context.guide, user)
        self.publish(user)

    def refresh(self, user: str) -> None:
        """The whole state is read to build a tab, so only a tab someone has opened is."""
        if has_viewed(self._context.guide, user):
            self.publish(user)

    def publish(self, user: str) -> None:
        try:
            people = SlackPeople(self._client, self._context.guide.store)
            home = home_for(self._context.guide, user, identify=people.identified)
        except RosterError as error:
            home = Home(user=user, problems=[f"the onboarding list cannot be read: {error}"])
        team = may_act_in_slack(self._context, user, self._client)
        self._client.views_publish(user_id=user, view=home_view(home, team=team))


def home_view(home: Home, *, team: bool) -> View:
    """The Home tab of `home.user`; `team`: whether they see the team's paused customers."""
    blocks: list[Block] = [
        HeaderBlock(text=plain_text("Onboarding guide")),
        _context(
            "Your open flags, oldest first, your customers who wrote back or whose email "
            "bounces, the customers handed off to you"
            + (", and the team's paused customers." if team else ".")
            + " It changes with every action you take."
        ),
    ]
    if home.problems:
        text = escape_mrkdwn(clip("; ".join(home.problems), _PROBLEM_LIMIT))
        blocks.append(_section(f"⚠️ The guide cannot show everything: {text}"))
    paused = home.paused if team else []
    wants = [
        2 * len(home.flags),
        len(home.replied),
        len(home.undeliverable),
        len(home.handed_off),
        len(paused),
    ]
    shares = _shares(MAX_VIEW_BLOCKS - _FRAME, wants)
    replied = home.replied[: shares[1]]
    blocks += _part(
        "Your open flags",
        home.flags[: shares[0] // 2],
        len(home.flags),
        lambda n, flag: _flag(n, flag, home.user),
        "Nothing waits for you.",
    )
    blocks += _part(
        "Wrote back, waiting for you",
        replied,
        len(home.replied),
        _replied,
        "Nobody wrote back.",
    )
    blocks += _part(
        "Their email cannot be delivered",
        home.undeliverable[: shares[2]],
        len(home.undeliverable),
        lambda n, customer: _undeliverable(customer),
        "Every address takes mail.",
    )
    # Resume guide on both: numbered on from the replies', so every id stays its own.
    blocks += _part(
        "Handed off to you",
        home.handed_off[: shares[3]],
        len(home.handed_off),
        lambda n, customer: _handed_off(len(replied) + n, customer),
        "Nobody is handed off to you.",
    )
    if team:
        blocks += _part(
            "Paused, the whole team",
            paused[: shares[4]],
            len(paused),
            _paused,
            "Nobody is paused.",
        )
    check_message(blocks, limit=MAX_VIEW_BLOCKS)
    return View(type="home", blocks=blocks)


def _part(
    title: str,
    shown: Sequence[_Shown],
    total: int,
    build: Callable[[int, _Shown], list[Block]],
    nobody: str,
) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), _section(f"*{title}* ({total})")]
    for n, customer in enumerate(shown):
        blocks += build(n, customer)
    if not total:
        blocks.append(_context(nobody))
    elif len(shown) < total:
        blocks.append(
            _context(f"… and {total - len(shown)} more: `/og status CUSTOMER`, or the digest.")
        )
    return blocks


def _flag(n: int, flag: HomeFlag, viewer: str) -> list[Block]:
    step = escape_mrkdwn(clip(flag.step_name.strip() or flag.step, _NAME_LIMIT))
    said = _section(f"{_who(flag)} is stuck on *{step}*, flagged {_day(flag.flagged_on)}")
    # The viewer is the flag's owner: their own flags are theirs to act on.
    value = _target(flag, owner=viewer)
    if value is None:
        return [said, _context(_TOO_LONG)]
    return [
        said,
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=plain_text("Done"),
                    action_id=numbered(DONE_ACTION_ID, n),
                    value=value,
                    style="primary",
                ),
                ButtonElement(
                    text=plain_text("Pause"), action_id=numbered(PAUSE_ACTION_ID, n), value=value
                ),
                ButtonElement(
                    text=plain_text("Hand off"),
                    action_id=numbered(HAND_OFF_ACTION_ID, n),
                    value=value,
                ),
            ]
        ),
    ]


def _handed_off(n: int, customer: HomeHandedOff) -> list[Block]:
    since = f", since {_day(customer.since)}" if customer.since else ""
    button = _button("Resume guide", numbered(HAND_BACK_ACTION_ID, n), customer)
    return [_section(f"{_who(customer)} is yours{since}", accessory=button)]


def _replied(n: int, customer: HomeReplied) -> list[Block]:
    button = _button("Resume guide", numbered(HAND_BACK_ACTION_ID, n), customer)
    said = f"{_who(customer)} wrote back on {_day(customer.since)}; the guide waits for you"
    return [_section(said, accessory=button)]


def _undeliverable(customer: HomeUndeliverable) -> list[Block]:
    reason = escape_mrkdwn(clip(customer.reason, _REASON_LIMIT))
    email = escape_mrkdwn(clip(customer.email, _NAME_LIMIT))
    said = f"{_who(customer)}: mail to {email} cannot be delivered ({reason})"
    return [_section(f"{said}. Correct the email in the onboarding list.")]


def _paused(n: int, customer: HomePaused) -> list[Block]:
    since = f" since {_day(customer.since)}" if customer.since else ""
    note = escape_mrkdwn(clip(customer.note, _NOTE_LIMIT))
    said = f": “{note}”" if note else ""
    button = _button("Resume", numbered(RESUME_ACTION_PREFIX, n), customer)
    return [_section(f"{_who(customer)} is paused{since}{said}", accessory=button)]


def _button(label: str, action_id: str, customer: HomeCustomer) -> ButtonElement | None:
    value = _target(customer)
    if value is None:
        return None
    return ButtonElement(text=plain_text(label), action_id=action_id, value=value)


def _shares(room: int, wants: list[int]) -> list[int]:
    """Blocks for each section: an equal share of `room` each, what one does not need going to
    the others."""
    given = [0] * len(wants)
    wanting = [i for i, want in enumerate(wants) if want]
    left = room
    while wanting and left > 0:
        each = max(left // len(wanting), 1)
        for i in list(wanting):
            more = min(each, wants[i] - given[i], left)
            given[i] += more
            left -= more
            if given[i] == wants[i]:
                wanting.remove(i)
    return given


def _target(customer: HomeCustomer, owner: str = "") -> str | None:
    """The button's value; None when even the customer id is too long for one."""
    value = ButtonTarget(
        customer.customer_id,
        customer.journey,
        owner=owner,
        name=customer.name,
        company=customer.company,
    ).to_value()
    return value if len(value) <= BUTTON_VALUE_LIMIT else None


def _who(customer: HomeCustomer) -> str:
    """`*Name* (C-1) at Company`, escaped."""
    customer_id = escape_mrkdwn(clip(customer.customer_id, _NAME_LIMIT))
    name = escape_mrkdwn(clip(customer.name, _NAME_LIMIT))
    company = escape_mrkdwn(clip(customer.company, _NAME_LIMIT))
    who = f"*{name}* ({customer_id})" if name else f"*{customer_id}*"
    return who + (f" at {company}" if company else "")


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _section(text: str, accessory: ButtonElement | None = None) -> SectionBlock:
    # verbatim: no auto-linking of bare URLs or #channel names in names from the sheet.
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=True), accessory=accessory)


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text, verbatim=True)])
