"""What the guide's buttons are called and what they carry: action ids, and the customer and
journey a flag's (or digest's, or ping's) button acts on, as compact JSON in its `value`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

DONE_ACTION_ID = "og_done"
PAUSE_ACTION_ID = "og_pause"
HAND_OFF_ACTION_ID = "og_hand_off"
HAND_BACK_ACTION_ID = "og_hand_back"
"""The hand-off ping's "Resume guide" button: the guide takes the customer back."""
RESUME_ACTION_PREFIX = "og_resume"
"""The digest's Resume buttons are `og_resume_<n>`, numbered so each message's ids stay unique."""
RESUME_ACTION = re.compile(rf"^{RESUME_ACTION_PREFIX}_\d+$")


@dataclass(frozen=True)
class ButtonTarget:
    """What a button acts on, travelling in its `value`: the customer and journey, and whom
    the message was for (a flag's owner), who may act on it for that alone. Slack signs the
    click and the bot wrote the message, so the value is the bot's own."""

    customer_id: str
    journey: int
    owner: str = ""

    def to_value(self) -> str:
        data: dict[str, str | int] = {"c": self.customer_id, "j": self.journey}
        if self.owner:
            data["o"] = self.owner
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_value(cls, value: str) -> ButtonTarget:
        """Raises ValueError for anything `to_value` did not produce."""
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a flag button value: {value!r}") from error
        if not isinstance(data, dict) or not {"c", "j"} <= set(data) <= {"c", "j", "o"}:
            raise ValueError(f"not a flag button value: {value!r}")
        customer_id, journey, owner = data["c"], data["j"], data.get("o", "")
        if not (isinstance(customer_id, str) and type(journey) is int and isinstance(owner, str)):
            raise ValueError(f"not a flag button value: {value!r}")
        return cls(customer_id=customer_id, journey=journey, owner=owner)
