"""A fake Slack Web API on localhost: real HTTP, so the real `slack_sdk.WebClient` (and Bolt's)
talks to it exactly as it would to slack.com, and tests read back what was sent.

It answers the methods the guide uses with the shapes Slack documents, checks the bot token,
records every call (blocks and views decoded), and can be told to fail a method with any error
code, including `ratelimited` as HTTP 429 with Retry-After. The fixture that starts and stops
it is `fake_slack` in tests/conftest.py.

`apps.connections.open` takes the app-level (`xapp-`) token instead and answers `socket_url`,
where a FakeSocketMode (tests/support/fake_socket_mode.py) listens for the Socket Mode client.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_sdk import WebClient

GOOD_TOKEN = "xoxb-og-test-token"
APP_TOKEN = "xapp-og-test-token"
TEAM_ID = "T0OGTEST"
BOT_USER_ID = "U0OGBOT"
BOT_ID = "B0OGBOT"
APP_ID = "A0OGAPP"

# Parameters Slack takes as JSON; in a form post they arrive as a JSON string.
_JSON_PARAMS = ("blocks", "attachments", "view", "metadata")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_MAX_BLOCKS = 50
_MAX_MODAL_BLOCKS = 100
# Methods that take the app-level (xapp-) token; every other one takes the bot token.
_APP_LEVEL_METHODS = ("apps.connections.open",)

Response = dict[str, Any]


class Refusal(Exception):
    """Slack's `{"ok": false, "error": ...}`, its one argument the error code."""


@dataclass(frozen=True)
class SlackCall:
    method: str
    params: dict[str, Any]
    error: str | None
    """Slack's error code when the call was refused; None when it succeeded."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int | None
    remaining: int | None


@dataclass
class FakeSlack:
    token: str = GOOD_TOKEN
    app_token: str = APP_TOKEN
    url: str = ""
    """The base URL to give WebClient (`base_url`), ending in `/api/`."""
    socket_url: str = ""
    """What `apps.connections.open` answers: a FakeSocketMode's `ws://` URL."""
    calls: list[SlackCall] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Each message as last posted or updated, by (channel id, ts)."""
    channels: dict[str, str] = field(default_factory=dict)
    """Channel names (without `#`) that resolve to ids."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """Member user ids per channel id, for `conversations.members`."""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each user's Home tab as last published, by user id."""
    home_tab_enabled: bool = True
    """False: `views.publish` of a home view answers `not_enabled`, as Slack does for an app
    whose manifest leaves the Home tab off."""
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _hang_ups: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _opened_dms: set[str] = field(default_factory=set)

    # --- what tests use --------------------------------------------------------------------

    def client(self, token: str | None = None, **options: Any) -> WebClient:
        """A real WebClient pointed here, with the good token unless told otherwise."""
        return WebClient(token=token or self.token, base_url=self.url, **options)

    def fail(
        self,
        method: str,
        error: str,
        *,
        times: int | None = 1,
        status: int = 200,
        retry_after: int | None = None,
    ) -> None:
        """Refuse the next `times` calls of `method` (every call when None) with `error`.
        `ratelimited` comes as HTTP 429 with Retry-After, as Slack sends it (0 seconds unless
        told otherwise, so tests don't wait)."""
        if error == "ratelimited" and status == 200:
            status, retry_after = 429, retry_after if retry_after is not None else 0
        failure = _Failure(error=error, status=status, retry_after=retry_after, remaining=times)
        with self._lock:
            self._failures.setdefault(method, []).append(failure)

    def hang_up(self, method: str, *, times: int = 1) -> None:
        """Carry out the next `times` calls of `method` as usual, then close the connection
        instead of answering: Slack did the work and the reply was lost on the way."""
        with self._lock:
            self._hang_ups[method] = self._hang_ups.get(method, 0) + times

    def take_hang_up(self, method: str) -> bool:
        with self._lock:
            left = self._hang_ups.get(method, 0)
            if left:
                self._hang_ups[method] = left - 1
            return left > 0

    def response_url(self, name: str = "1") -> str:
        """A `response_url` for a slash command or interaction: what is posted there is recorded
        as calls to the pseudo-method `response_url`."""
        return self.url.removesuffix("api/") + f"respond/{name}"

    def responses(self) -> list[dict[str, Any]]:
        """Everything posted to a response_url, oldest first."""
        return [c.params for c in self.calls_to("response_url")]

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def posted(self) -> list[dict[str, Any]]:
        """The params of every `chat.postMessage` that succeeded, oldest first."""
        return [c.params for c in self.calls_to("chat.postMessage") if c.ok]

    def add_user(
        self, user_id: str, name: str, *, email: str = "", tz: str = "UTC", is_admin: bool = False
    ) -> None:
        handle = name.lower().replace(" ", ".")
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": handle,
            "deleted": False,
            "real_name": name,
            "tz": tz,
            "profile": {
                "real_name": name,
                "display_name": name.split()[0] if name.split() else handle,
                "email": email or f"{handle}@og.example",
                "team": TEAM_ID,
            },
            "is_admin": is_admin,
            "is_bot": False,
        }

    # --- the server side -------------------------------------------------------------------

    def answer(
        self, method: str, token: str | None, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], Response]:
        """Status, extra headers and JSON body for one call; records it."""
        status, headers = 200, {}
        try:
            if not token:
                raise Refusal("not_authed")
            expected = self.app_token if method in _APP_LEVEL_METHODS else self.token
            if token != expected:
                # As Slack: a real token of the other kind is the wrong type, not a bad token.
                known = token in (self.token, self.app_token)
                raise Refusal("not_allowed_token_type" if known else "invalid_auth")
            failure = self._take_failure(method)
            if failure is not None:
                status = failure.status
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                raise Refusal(failure.error)
            handler = self._handlers().get(method)
            if handler is None:
                raise Refusal("unknown_method")
            with self._lock:
                body: Response = {"ok": True} | handler(params)
            error = None
        except Refusal as refusal:
            error = str(refusal)
            body = {"ok": False, "error": error}
        with self._lock:
            self.calls.append(SlackCall(method=method, params=params, error=error))
        return status, headers, body

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method, [])
            if not queue:
                return None
            failure = queue[0]
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    queue.pop(0)
            return failure

    def _handlers(self) -> dict[str, Callable[[dict[str, Any]], Response]]:
        return {
            "apps.connections.open": self._connections_open,
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.open": self._open,
            "conversations.members": self._members,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.update": self._views_update,
            "users.info": self._users_info,
            "users.lookupByEmail": self._lookup_by_email,
        }

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._counter):06d}"

    def _channel_id(self, channel: object) -> str:
        name = str(channel or "").removeprefix("#")
        if _CHANNEL_ID.fullmatch(name):
            return name
        if _USER_ID.fullmatch(name):
            # Posting to a user id lands in the app's DM with them.
            return self._dm_id(name)
        if name in self.channels:
            return self.channels[name]
        raise Refusal("channel_not_found")

    @staticmethod
    def _dm_id(user_id: str) -> str:
        return "D" + user_id[1:]

    def _message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        blocks = params.get("blocks")
        if not params.get("text") and not blocks:
            raise Refusal("no_text")
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > _MAX_BLOCKS):
            raise Refusal("invalid_blocks")
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": ts,
            "text": params.get("text", ""),
        }
        if blocks:
            message["blocks"] = blocks
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        return message

    def _auth_test(self, params: dict[str, Any]) -> Response:
        return {
            "url": "https://og-test.slack.com/",
            "team": "OG Test",
            "user": "onboarding_guide",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _connections_open(self, params: dict[str, Any]) -> Response:
        return {"url": self.socket_url}

    def _post_message(self, params: dict[str, Any]) -> Response:
        channel = self._channel_id(params.get("channel"))
        ts = self._ts()
        message = self._message(params, ts)
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _update(self, params: dict[str, Any]) -> Response:
        channel = self._channel_id(params.get("channel"))
        ts = str(params.get("ts", ""))
        if (channel, ts) not in self.messages:
            raise Refusal("message_not_found")
        message = self._message(params, ts)
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _post_ephemeral(self, params: dict[str, Any]) -> Response:
        channel = self._channel_id(params.get("channel"))
        user = str(params.get("user", ""))
        if not _USER_ID.fullmatch(user):
            raise Refusal("user_not_found")
        if channel in self.members and user not in self.members[channel]:
            raise Refusal("user_not_in_channel")
        self._message(params, "")
        return {"message_ts": self._ts()}

    def _open(self, params: dict[str, Any]) -> Response:
        if params.get("channel"):
            return {"channel": {"id": self._channel_id(params["channel"])}}
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            raise Refusal("users_list_not_supplied")
        if not all(_USER_ID.fullmatch(u) for u in users):
            raise Refusal("user_not_found")
        channel = self._dm_id(users[0]) if len(users) == 1 else "G" + "".join(users)[1:12]
        if channel in self._opened_dms:
            return {"no_op": True, "already_open": True, "channel": {"id": channel}}
        self._opened_dms.add(channel)
        return {"channel": {"id": channel}}

    def _members(self, params: dict[str, Any]) -> Response:
        channel = self._channel_id(params.get("channel"))
        if channel not in self.members:
            raise Refusal("channel_not_found")
        start = int(base64.b64decode(params["cursor"])) if params.get("cursor") else 0
        limit = int(params.get("limit") or 100)
        everyone, end = self.members[channel], start + limit
        cursor = base64.b64encode(str(end).encode()).decode() if end < len(everyone) else ""
        return {"members": everyone[start:end], "response_metadata": {"next_cursor": cursor}}

    def _view(self, view: object, view_id: str, external_id: str) -> dict[str, Any]:
        if not isinstance(view, dict) or view.get("type") not in {"modal", "home"}:
            raise Refusal("invalid_arguments")
        if len(view.get("blocks", [])) > _MAX_MODAL_BLOCKS:
            raise Refusal("invalid_arguments")
        # As Slack does: the view as sent, with defaults filled in and its identity added.
        return {
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            **view,
            "external_id": external_id or view.get("external_id", ""),
            "id": view_id,
            "team_id": TEAM_ID,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._counter):08d}",
            "root_view_id": view_id,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        }

    def _views_open(self, params: dict[str, Any]) -> Response:
        if not params.get("trigger_id"):
            raise Refusal("invalid_trigger_id")
        view_id = f"V{next(self._counter):08d}"
        view = self._view(params.get("view"), view_id, "")
        self.views[view_id] = view
        return {"view": view}

    def _views_publish(self, params: dict[str, Any]) -> Response:
        """As Slack documents it: `user_id` and a `view` of type home (the Home tab must be
        enabled), an optional `hash` that must match the published one; 250 KB at most."""
        user = str(params.get("user_id") or "")
        if not _USER_ID.fullmatch(user):
            raise Refusal("invalid_arguments")
        view = params.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise Refusal("invalid_arguments")
        if not self.home_tab_enabled:
            raise Refusal("not_enabled")
        if len(json.dumps(view)) > 250_000:
            raise Refusal("view_too_large")
        current = self.homes.get(user)
        if params.get("hash") and (current is None or params["hash"] != current["hash"]):
            raise Refusal("hash_conflict")
        view_id = current["id"] if current else f"V{next(self._counter):08d}"
        published = self._view(view, view_id, "")
        self.homes[user] = published
        return {"view": published}

    def _views_update(self, params: dict[str, Any]) -> Response:
        view_id = str(params.get("view_id") or "")
        if not view_id and params.get("external_id"):
            found = [v for v in self.views.values() if v["external_id"] == params["external_id"]]
            view_id = found[0]["id"] if found else ""
        current = self.views.get(view_id)
        if current is None:
            raise Refusal("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise Refusal("hash_conflict")
        view = self._view(params.get("view"), view_id, current["external_id"])
        self.views[view_id] = view
        return {"view": view}

    def _users_info(self, params: dict[str, Any]) -> Response:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            raise Refusal("user_not_found")
        return {"user": user}

    def _lookup_by_email(self, params: dict[str, Any]) -> Response:
        """As Slack documents it: the user object of the active member with that address;
        `users_not_found` for an address no member has, and for a deactivated member."""
        email = str(params.get("email") or "").strip().casefold()
        if not email:
            raise Refusal("invalid_arguments")
        for user in self.users.values():
            if user["profile"].get("email", "").casefold() == email and not user["deleted"]:
                return {"user": user}
        raise Refusal("users_not_found")


def message_texts(blocks: list[dict[str, Any]], kind: str | None = None) -> list[str]:
    """Every piece of text a person sees in `blocks`, in order: headers, section texts and
    fields, context elements and button labels; only `plain_text` or `mrkdwn` when asked."""
    found: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"plain_text", "mrkdwn"} and isinstance(node.get("text"), str):
                if kind in (None, node["type"]):
                    found.append(node["text"])
                return
            for key in ("text", "fields", "elements"):
                if key in node:
                    visit(node[key])
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(blocks)
    return found


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        parsed = json.loads(body)
        return parsed if isinstance(parsed, dict) else {}
    params: dict[str, Any] = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for name in _JSON_PARAMS:
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
            params |= _parse_body(self.headers.get("Content-Type", ""), body)
            if url.path.startswith("/respond/"):
                # Slack's response_url takes no token and answers a bare "ok".
                with fake._lock:
                    fake.calls.append(SlackCall(method="response_url", params=params, error=None))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                return
            authorization = self.headers.get("Authorization", "")
            token = authorization.removeprefix("Bearer ").strip() or params.pop("token", None)
            params.pop("token", None)
            method = url.path.removeprefix("/api/")
            status, headers, answer = fake.answer(method, token, params)
            if fake.take_hang_up(method):
                self.close_connection = True
                return
            payload = json.dumps(answer).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass  # pytest shows failures; a line per request would bury them

    return Handler


def run_fake_slack() -> Iterator[FakeSlack]:
    """Serve a FakeSlack on a free port of 127.0.0.1 until the generator is closed."""
    fake = FakeSlack()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    fake.url = f"http://{host!s}:{port}/api/"
    # A short poll keeps shutdown (one per test) from costing the default half second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-slack", daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        # A generator left open until interpreter exit is closed after daemon threads froze;
        # shutdown() would then wait forever for the serving loop.
        if not sys.is_finalizing():
            server.shutdown()
            thread.join(timeout=5)
        server.server_close()
