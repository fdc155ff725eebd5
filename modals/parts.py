"""What the pause and hand-off modals share: safe text, the customer line, the note input and the
private_metadata that carries the customer to the submission."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, PlainTextObject, SectionBlock

from bot.slack.text import plain
from engine.models import Frozen

NOTE_BLOCK = "note"
NOTE_ACTION = "note"
NOTE_MAX_LENGTH = 500
# Room for a long name and a long company together, far below a section's 3000 characters.
NAME_LIMIT = 150


def user_text(text: str, limit: int) -> PlainTextObject:
    # emoji=False keeps a name like "Acme :rocket: Labs" as written.
    return PlainTextObject(text=plain(text, limit), emoji=False)


def customer_section(lead: str, customer_id: str, customer_name: str, company: str) -> SectionBlock:
    """`lead` is our own wording; the customer's name and company are quoted in plain_text, where
    Slack formats nothing."""
    who = plain(customer_name, NAME_LIMIT) or plain(customer_id, NAME_LIMIT)
    at = f" at {plain(company, NAME_LIMIT)}" if company.strip() else ""
    reference = f" ({plain(customer_id, NAME_LIMIT)})" if customer_name.strip() else ""
    return SectionBlock(
        block_id="customer",
        text=PlainTextObject(text=f"{lead} {who}{at}{reference}.", emoji=False),
    )


def note_input(label: str, placeholder: str) -> InputBlock:
    return InputBlock(
        block_id=NOTE_BLOCK,
        label=label,
        optional=True,
        element=PlainTextInputElement(
            action_id=NOTE_ACTION,
            multiline=True,
            max_length=NOTE_MAX_LENGTH,
            placeholder=placeholder,
        ),
    )


class CustomerRef(Frozen):
    """The customer a modal is about, as private_metadata carries it; short keys because Slack
    allows 3000 characters."""

    c: str = Field(min_length=1)
    j: int = Field(ge=1)
    m: str | None = None
    """The message the modal was opened from, as `channel:ts` (none from the Home tab), so
    what its submission cannot change is told in that channel. The flags themselves change
    through the notifier."""
    o: str | None = None
    """Whom the flag was for (a flag's owner, the Home tab's viewer), who may submit for that
    alone, as they could click."""


def pack_metadata(
    customer_id: str, journey: int, message: str | None = None, owner: str = ""
) -> str:
    ref = CustomerRef(c=customer_id, j=journey, m=message, o=owner or None)
    return ref.model_dump_json(exclude_none=True)


def unpack_metadata(view: Mapping[str, Any]) -> CustomerRef:
    try:
        return CustomerRef.model_validate_json(view.get("private_metadata") or "")
    except ValidationError as error:
        raise ValueError(f"the modal's private_metadata is not a customer: {error}") from error


def expect_callback(view: Mapping[str, Any], callback_id: str) -> None:
    """A listener wired to the wrong modal fails loudly here instead of reading empty fields."""
    found = view.get("callback_id")
    if found != callback_id:
        raise ValueError(f"expected a {callback_id} view, got {found!r}")


def state_values(view: Mapping[str, Any]) -> Mapping[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    if not isinstance(values, Mapping):
        raise ValueError("the view's state.values is not an object")
    return values


def read_note(view: Mapping[str, Any]) -> str:
    """The note as typed, trimmed; "" when left empty (Slack sends `value: null` then)."""
    value = state_values(view).get(NOTE_BLOCK, {}).get(NOTE_ACTION, {}).get("value")
    return value.strip() if isinstance(value, str) else ""
