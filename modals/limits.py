"""Slack's limits on a modal view, checked before `views.open` so a bad view fails in our tests
and logs, not as an `invalid_arguments` from Slack."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.views import View

MAX_BLOCKS = 100
MAX_TITLE = 24
MAX_PRIVATE_METADATA = 3000


def check_view(view: View) -> None:
    """Raises ValueError naming the first problem found."""
    title = view.title.text if view.title else ""
    if not 1 <= len(title) <= MAX_TITLE:
        raise ValueError(f"title {title!r} has {len(title)} characters; Slack allows 1-{MAX_TITLE}")
    blocks = view.blocks or []
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; Slack allows at most {MAX_BLOCKS}")
    metadata = view.private_metadata or ""
    if len(metadata) > MAX_PRIVATE_METADATA:
        raise ValueError(
            f"private_metadata has {len(metadata)} characters; "
            f"Slack allows at most {MAX_PRIVATE_METADATA}"
        )
    try:
        view.validate_json()
        # validate_json checks the view alone; to_dict validates every block and element in it.
        as_json = view.to_dict()
    except SlackObjectFormationError as error:
        raise ValueError(f"Slack would reject this view: {error}") from error
    for key in ("action_id", "block_id"):
        repeated = sorted(v for v, n in Counter(_values_of(as_json, key)).items() if n > 1)
        if repeated:
            raise ValueError(f"{key} used more than once: {', '.join(repeated)}")


def _values_of(node: object, key: str) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key and isinstance(value, str):
                yield value
            else:
                yield from _values_of(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values_of(item, key)
