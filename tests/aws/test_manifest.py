"""`manifest.yml`, the Slack app's manifest: the URLs, the command and exactly the scopes used.

PyYAML is not a dependency, so the manifest is read with a small parser for the block-style
YAML it is written in (mappings, lists, plain and quoted scalars, comments). It refuses
anything else rather than guess, so a manifest edit it cannot read fails here, loudly. When
PyYAML happens to be installed, both readings must agree.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
# users:read.email for users.lookupByEmail (owners named by email); Slack grants it only with
# users:read.
EXPECTED_BOT_SCOPES = {
    "chat:write",
    "im:write",
    "commands",
    "channels:read",
    "groups:read",
    "users:read",
    "users:read.email",
}

_KEY = re.compile(r"([A-Za-z_][\w.-]*):(?: +(.*))?$")
_INT = re.compile(r"-?\d+$")
_Line = tuple[int, int, str]  # line number, indentation, content


def read_block_yaml(text: str) -> Any:
    lines: list[_Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if "\t" in raw:
            raise ValueError(f"line {number}: tabs")
        content = raw.strip()
        if content and not content.startswith("#"):
            lines.append((number, len(raw) - len(raw.lstrip(" ")), content))
    value, end = _node(lines, 0)
    if end != len(lines):
        raise ValueError(f"line {lines[end][0]}: unexpected indentation")
    return value


def _node(lines: list[_Line], i: int) -> tuple[Any, int]:
    indent = lines[i][1]
    if lines[i][2].startswith("- "):
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _mapping(lines: list[_Line], i: int, indent: int) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    while i < len(lines) and lines[i][1] == indent:
        number, _, content = lines[i]
        match = _KEY.match(content)
        if match is None or match.group(1) in result:
            raise ValueError(f"line {number}: not a new key: {content!r}")
        key, rest = match.group(1), match.group(2)
        i += 1
        if rest is not None:
            result[key] = _scalar(rest, number)
        elif i < len(lines) and lines[i][1] > indent:
            result[key], i = _node(lines, i)
        else:
            result[key] = None
    return result, i


def _sequence(lines: list[_Line], i: int, indent: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    while i < len(lines) and lines[i][1] == indent and lines[i][2].startswith("- "):
        number, _, content = lines[i]
        item = content[2:].strip()
        if _KEY.match(item):
            # `- key: value` opens a mapping whose other keys sit under `key`.
            lines = [*lines[:i], (number, indent + 2, item), *lines[i + 1 :]]
            mapping, i = _mapping(lines, i, indent + 2)
            items.append(mapping)
        else:
            items.append(_scalar(item, number))
            i += 1
    return items, i


def _scalar(text: str, number: int) -> Any:
    if text[0] in "\"'":
        if len(text) < 2 or text[-1] != text[0] or text[0] in text[1:-1] or "\\" in text:
            raise ValueError(f"line {number}: a quoted string this reader cannot read: {text}")
        return text[1:-1]
    if text[0] in "[]{}&*!|>%@`#" or " #" in text or ": " in text:
        raise ValueError(f"line {number}: YAML this reader does not handle: {text}")
    if text in ("true", "false"):
        return text == "true"
    if _INT.match(text):
        return int(text)
    return text


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    text = MANIFEST.read_text(encoding="utf-8")
    parsed = read_block_yaml(text)
    try:
        import yaml
    except ImportError:
        pass
    else:
        assert yaml.safe_load(text) == parsed
    assert isinstance(parsed, dict)
    return parsed


def test_the_manifest_names_the_app_and_its_bot_user(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"]["major_version"] == 2
    assert manifest["display_information"]["name"] == "Onboarding Guide"
    assert manifest["features"]["bot_user"]["display_name"] == "Onboarding Guide"


def test_the_slash_command_is_og(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/og"
    assert command["usage_hint"] == "undo|status|why|resume|help CUSTOMER"
    assert command["should_escape"] is False
    assert command["description"]


def test_every_slack_request_goes_to_slack_events_over_http(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    (command,) = manifest["features"]["slash_commands"]
    urls = [
        command["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ]
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_the_home_tab_is_on_and_its_one_event_subscribed(manifest: dict[str, Any]) -> None:
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is True
    # The only event the guide listens to; it needs no scope, as views.publish needs none.
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert "user_events" not in manifest["settings"]["event_subscriptions"]


def test_the_bot_asks_for_exactly_the_scopes_it_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}
    assert len(scopes["bot"]) == len(set(scopes["bot"]))
    assert set(scopes["bot"]) == EXPECTED_BOT_SCOPES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb:\n  c: true\n  d: 'x|y'\n", {"a": 1, "b": {"c": True, "d": "x|y"}}),
        ("l:\n  - x:y\n  - k: v\n    m: w\n", {"l": ["x:y", {"k": "v", "m": "w"}]}),
        ("# only\nk: https://h/p  \n", {"k": "https://h/p"}),
    ],
)
def test_the_reader_reads_what_the_manifest_uses(text: str, expected: Any) -> None:
    assert read_block_yaml(text) == expected


@pytest.mark.parametrize(
    "text", ["a: [1, 2]\n", "a: 1\na: 2\n", "a: >\n  folded\n", "a: 'it''s'\n", "a: b: c\n"]
)
def test_the_reader_refuses_what_it_does_not_handle(text: str) -> None:
    with pytest.raises(ValueError):
        read_block_yaml(text)
