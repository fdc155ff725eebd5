"""A customer flagged in Slack, and a person who clicks: signed requests through Bolt, Bolt's
Web API calls answered by the fake Slack server over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fake_slack import FakeSlack
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from workspace import Workspace, nine_am, row

from bot.app import create_app
from bot.slack.context import SlackContext
from bot.slack.home import HomeTab
from bot.slack.notifier import SlackNotifier
from bot.slack.settings import SlackSettings
from engine.ports import NoteDrafter
from engine.tick import tick

SECRET = "test-signing-secret"
CHANNEL = "C0FLAGS"
DAY0 = nine_am("2026-11-02")


def block_actions(
    user: str, channel: str, message: dict[str, Any], action_id: str, value: str
) -> dict[str, Any]:
    """The `block_actions` payload Slack sends when `user` clicks a button on `message`."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "team": {"id": "T0TEAM", "domain": "og-test"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
        "trigger_id": "1337.42.abcdef",
        "channel": {"id": channel, "name": "onboarding"},
        "message": message,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "og_actions",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }


def overflow_chosen(
    user: str, channel: str, message: dict[str, Any], action_id: str, option: dict[str, Any]
) -> dict[str, Any]:
    """The `block_actions` payload Slack sends when `user` picks `option` from the overflow
    menu `action_id` on `message`: no `value` of its own, the option as `selected_option`."""
    payload = block_actions(user, channel, message, action_id, "")
    payload["actions"] = [
        {
            "type": "overflow",
            "action_id": action_id,
            "block_id": "og_actions",
            "selected_option": option,
            "action_ts": str(time.time()),
        }
    ]
    return payload


def app_home_opened(
    user: str, tab: str = "home", view: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The Events API body Slack sends when `user` opens the app's `tab` (`home` or `messages`),
    in the `event_callback` envelope; `view` is the Home tab as last published, which Slack
    adds once there is one."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user[1:],
        "event_ts": f"{time.time():.6f}",
        "tab": tab,
    }
    if view is not None:
        event["view"] = view
    return {
        "token": "legacy-verification-token",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{int(time.time() * 1000)}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": "T0TEAM",
                "user_id": "U0OGBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-eyJldCI6ImFwcF9ob21lX29wZW5lZCJ9",
    }


def home_block_actions(
    user: str, view: dict[str, Any], action_id: str, value: str
) -> dict[str, Any]:
    """The `block_actions` payload of a click on the Home tab `view` (as views.publish left
    it): a view container, the view itself, no channel and no message."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": "1337.45.abcdef",
        "team": {"id": "T0TEAM", "domain": "og-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "home",
                "text": {"type": "plain_text", "text": "a button"},
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }


def signed_headers(body: str, *, secret: str = SECRET, age: int = 0) -> dict[str, str]:
    """The headers Slack sends with `body`, signed with `secret`, `age` seconds ago."""
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
    }


def button_value(message: dict[str, Any], action_id: str) -> str | None:
    """The value of the message's button `action_id`, as Slack sends it back on a click."""
    for block in message.get("blocks", []):
        for element in [block.get("accessory") or {}, *block.get("elements", [])]:
            if element.get("action_id") == action_id and element.get("value"):
                return str(element["value"])
    return None


def buttons_on(message: dict[str, Any]) -> list[str]:
    """The action ids of the buttons on `message`, in order (an overflow menu is none)."""
    return [
        str(element["action_id"])
        for block in message.get("blocks", [])
        for element in [block.get("accessory") or {}, *block.get("elements", [])]
        if element.get("type") == "button"
    ]


def overflow_options(message: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    """The options of the message's overflow menu `action_id`, as Slack shows them."""
    for block in message.get("blocks", []):
        for element in [block.get("accessory") or {}, *block.get("elements", [])]:
            if element.get("type") == "overflow" and element.get("action_id") == action_id:
                return list(element["options"])
    return []


class InlineExecutor(Executor):
    """Runs each lazy listener at once, in the request's thread: a test sees its effects as
    soon as the request returns, with no sleeping."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


class Flagged:
    def __init__(
        self,
        tmp_path: Path,
        fake: FakeSlack,
        *,
        allowed: tuple[str, ...] = ("U0DANA",),
        admins: tuple[str, ...] = ("U0ADMIN",),
        flag_channel: str | None = CHANNEL,
        customer: dict[str, str] | None = None,
        drafter: NoteDrafter | None = None,
    ) -> None:
        """`flag_channel` None: the README's default, each flag a DM to its owner. `customer`:
        the one row of the list (`row("C1")` unless told). `drafter`: who drafts a personal
        note (none unless told)."""
        self.ws = Workspace(tmp_path, [customer or row("C1")])
        self.fake = fake
        self.settings = SlackSettings(
            bot_token=fake.token,
            signing_secret=SECRET,
            flag_channel=flag_channel,
            allowed_users=list(allowed),
            admins=list(admins),
            api_url=fake.url,
        )
        self.guide = self.ws.guide()
        notifier = SlackNotifier(fake.client(), flag_channel)
        self.guide.notifier = notifier
        # As bot.wiring.show_home_tabs sets it: each action republishes the actor's Home tab.
        self.context = SlackContext(
            guide=self.guide, settings=self.settings, clock=self.app_clock, drafter=drafter
        )
        notifier.home = HomeTab(self.context, fake.client()).refresh
        # C1 never acts: welcome is due its flag on day 5, a Saturday, and flagged on Monday.
        for day in range(8):
            tick(self.guide, DAY0 + timedelta(days=day))
        ((self.channel, self.ts),) = fake.messages
        self.app: App = create_app(
            self.context,
            listener_executor=InlineExecutor(),
        )
        self.transport: Callable[[str, dict[str, str]], tuple[int, str]] = self.through_bolt
        self.last_body = ""

    def click(
        self,
        user: str = "U0DANA",
        *,
        journey: int | None = None,
        secret: str = SECRET,
        age: int = 0,
        action_id: str = "og_done",
        on: tuple[str, str] | None = None,
        **headers: str,
    ) -> int:
        """`user` clicks `action_id` on the flag, or on the message `on` = (channel, ts)."""
        channel, ts = on or (self.channel, self.ts)
        message = self.fake.messages[(channel, ts)]
        # A button as it was never sent: for C1, in `journey`.
        forged_value = json.dumps({"c": "C1", "j": journey or 1}, separators=(",", ":"))
        value = (
            forged_value
            if journey is not None
            else button_value(message, action_id) or forged_value
        )
        payload = block_actions(user, channel, message, action_id, value)
        return self.send(payload, secret=secret, age=age, **headers)

    def choose(
        self,
        user: str = "U0DANA",
        *,
        action_id: str = "og_last_email",
        value: str | None = None,
        secret: str = SECRET,
        age: int = 0,
        option: int = 0,
    ) -> int:
        """`user` picks the flag's overflow menu `action_id`'s `option` (the first unless
        told; its value replaced by `value`, for a menu as it was never sent)."""
        message = self.fake.messages[(self.channel, self.ts)]
        option_chosen = overflow_options(message, action_id)[option]
        if value is not None:
            option_chosen = {**option_chosen, "value": value}
        payload = overflow_chosen(user, self.channel, message, action_id, option_chosen)
        return self.send(payload, secret=secret, age=age)

    def submit(self, view: dict[str, Any], values: dict[str, Any], user: str = "U0DANA") -> int:
        """A view_submission of `view` (as views.open left it) with these input values."""
        payload = {
            "type": "view_submission",
            "team": {"id": "T0TEAM", "domain": "og-test"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM"},
            "api_app_id": "A0APP",
            "trigger_id": "1337.43.abcdef",
            "view": {**view, "state": {"values": values}},
        }
        return self.send(payload)

    def command(self, text: str, user: str = "U0DANA", **headers: str) -> int:
        """`/og TEXT` typed by `user` in the flag channel."""
        form = {
            "token": "legacy-verification-token",
            "team_id": "T0TEAM",
            "team_domain": "og-test",
            "channel_id": self.channel,
            "channel_name": "onboarding",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/og",
            "text": text,
            "api_app_id": "A0APP",
            "response_url": self.fake.response_url(),
            "trigger_id": "1337.44.abcdef",
        }
        return self.send_body(urlencode(form), headers=headers)

    def open_home(self, user: str = "U0DANA", tab: str = "home") -> int:
        """`user` opens the app's `tab`: an Events API request, JSON as Slack sends events."""
        body = json.dumps(app_home_opened(user, tab, self.fake.homes.get(user)))
        return self.send_body(body, headers={"content-type": "application/json"})

    def home_click(self, action_id: str, user: str = "U0DANA") -> int:
        """`user` clicks the button `action_id` on their Home tab as last published."""
        view = self.fake.homes[user]
        value = button_value(view, action_id)
        assert value is not None, f"no {action_id} on {user}'s Home tab"
        return self.send(home_block_actions(user, view, action_id, value))

    def send(
        self, payload: dict[str, Any], *, secret: str = SECRET, age: int = 0, **headers: str
    ) -> int:
        body = "payload=" + quote(json.dumps(payload))
        return self.send_body(body, secret=secret, age=age, headers=headers)

    def send_body(
        self, body: str, *, secret: str = SECRET, age: int = 0, headers: dict[str, str]
    ) -> int:
        """Sign `body` as Slack would and send it through `self.transport`, Bolt directly
        unless a test routes it elsewhere (the local server, the Lambda handler)."""
        signed = signed_headers(body, secret=secret, age=age) | {
            name.replace("_", "-").lower(): value for name, value in headers.items()
        }
        status, self.last_body = self.transport(body, signed)
        return status

    def through_bolt(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        request = BoltRequest(body=body, headers={k: [v] for k, v in headers.items()})
        response = self.app.dispatch(request)
        return response.status, response.body

    def app_clock(self) -> datetime:
        """The moment the app thinks it is: the day after the flag."""
        return DAY0 + timedelta(8)

    def row(self) -> dict[str, str]:
        return next(iter(self.ws.read_rows()))

    def ephemerals(self) -> list[str]:
        return [str(c.params["text"]) for c in self.fake.calls_to("chat.postEphemeral")]
