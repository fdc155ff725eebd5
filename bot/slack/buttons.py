"""What the guide's buttons are called and what they carry: action ids, and the customer and
journey a flag's (or digest's, ping's, Home tab's) button acts on, as compact JSON in its
`value`.

One message or view may hold the same button for several customers (the digest's Resume, the
Home tab's flags), so every id may carry a number (`og_done_3`); the listeners match each id
with or without one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks import BUTTON_VALUE_LIMIT
from bot.slack.text import clip

DONE_ACTION_ID = "og_done"
PAUSE_ACTION_ID = "og_pause"
HAND_OFF_ACTION_ID = "og_hand_off"
HAND_BACK_ACTION_ID = "og_hand_back"
"""The "Resume guide" button (of a hand-off ping, a reply's message, the Home tab): whatever
holds the guide back for the customer is lifted, and the guide takes them back."""
STEP_DONE_ACTION_ID = "og_step_done"
"""A reply's "Done: <step>": the one step its value names marked done."""
LAST_EMAIL_ACTION_ID = "og_last_email"
"""The flag's overflow menu: "Show the last email", and "Draft a personal note", whose value
says so (`ButtonTarget.option`)."""
NOTE_OPTION = "note"
"""`ButtonTarget.option` of the flag menu's "Draft a personal note"."""
RESUME_ACTION_PREFIX = "og_resume"
"""The digest's Resume buttons are `og_resume_<n>`, numbered so each message's ids stay unique."""
RESUME_ACTION = re.compile(rf"^{RESUME_ACTION_PREFIX}_\d+$")
RULES_APPLY_ACTION_ID = "og_rules_apply"
"""An announced edit of the rules doc's Apply (engine.rules_approval)."""
RULES_KEEP_ACTION_ID = "og_rules_keep"
"""Its Keep the old rules."""

# Room for any real name; a button value holds at most 2000 characters.
_SHOWN_LIMIT = 80


def numbered(action_id: str, n: int) -> str:
    """The button `action_id` for the `n`th customer of a message or view."""
    return f"{action_id}_{n}"


def any_numbered(action_id: str) -> re.Pattern[str]:
    """Matches `action_id` and every `numbered` form of it."""
    return re.compile(rf"^{re.escape(action_id)}(?:_\d+)?$")


@dataclass(frozen=True)
class ButtonTarget:
    """What a button acts on, travelling in its `value`: the customer and journey; whom the
    message was for (a flag's owner, the Home tab's viewer), who may act on it for that alone;
    and the name and company the message showed, so a modal opens from the click alone; for a
    button about one step, that step. Slack signs the click and the bot wrote the message, so
    the value is the bot's own."""

    customer_id: str
    journey: int
    owner: str = ""
    name: str = ""
    company: str = ""
    step: str = ""
    option: str = ""
    """Which option of an overflow menu this is, where the menu has more than one."""

    def to_value(self, limit: int = BUTTON_VALUE_LIMIT) -> str:
        """Compact JSON; without the name and company when they would not fit in `limit`
        characters (a button's value by default; an overflow option's value holds fewer)."""
        data: dict[str, str | int] = {"c": self.customer_id, "j": self.journey}
        if self.owner:
            data["o"] = self.owner
        if self.step:
            data["s"] = self.step
        if self.option:
            data["do"] = self.option
        shown = {"n": clip(self.name, _SHOWN_LIMIT), "co": clip(self.company, _SHOWN_LIMIT)}
        full = _dump(data | {key: value for key, value in shown.items() if value})
        return full if len(full) <= limit else _dump(data)

    @classmethod
    def from_value(cls, value: str) -> ButtonTarget:
        """Raises ValueError for anything `to_value` did not produce."""
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a flag button value: {value!r}") from error
        keys = {"c", "j", "o", "n", "co", "s", "do"}
        if not isinstance(data, dict) or not {"c", "j"} <= set(data) <= keys:
            raise ValueError(f"not a flag button value: {value!r}")
        named = ("o", "n", "co", "s", "do")
        journey, texts = data["j"], [data["c"], *(data.get(k, "") for k in named)]
        if type(journey) is not int or not all(isinstance(text, str) for text in texts):
            raise ValueError(f"not a flag button value: {value!r}")
        customer_id, owner, name, company, step, option = texts
        return cls(
            customer_id, journey, owner=owner, name=name, company=company, step=step, option=option
        )


def chosen_option(body: Mapping[str, Any]) -> str:
    """The `ButtonTarget.option` of the overflow option a `block_actions` body chose ("" for
    a button, and for an option that names none)."""
    action = (body.get("actions") or [{}])[0]
    value = (action.get("selected_option") or {}).get("value")
    try:
        return ButtonTarget.from_value(value).option if isinstance(value, str) else ""
    except ValueError:
        return ""


def _dump(data: dict[str, str | int]) -> str:
    # Not ASCII-escaped: Slack counts characters, and `\u00e9` would be six of them.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def rules_change_value(change_id: int) -> str:
    """What an announced rules edit's buttons carry: which announcement they are on."""
    return _dump({"r": change_id})


def rules_change_of(value: str) -> int:
    """The announcement a rules edit's button names; ValueError for anything else."""
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise ValueError(f"not a rules change button value: {value!r}") from error
    if not isinstance(data, dict) or set(data) != {"r"} or type(data["r"]) is not int:
        raise ValueError(f"not a rules change button value: {value!r}")
    return int(data["r"])
