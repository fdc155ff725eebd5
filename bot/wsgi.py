"""`og serve`'s WSGI application: the WSGI request into an `HttpRequest`, `WebRoutes` routes
it, the `HttpResponse` back out, and one access log line.

What the server (waitress) does before any of this: it parses the request, enforces its
timeouts and its own body limit, and buffers the body. What this adds: a body over its route's
limit is refused unread, HEAD gets the headers alone, and the log line leaves out most of a
done or unsubscribe link's token (the token is the link).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.web import WebRoutes
from engine.web.done_link import BAD_REQUEST, BROKEN, REQUEST_TOO_LARGE
from engine.web.http_types import HttpRequest, HttpResponse
from engine.web.pages import problem_page

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_log = logging.getLogger("og.serve")
# Enough of a token to match a log line with a complaint, too little to use as the link.
_TOKEN_IN_PATH = re.compile(r"(/(?:done|unsubscribe)/[^/?]{0,8})[^/?]*")
# What a path may hold unencoded besides letters, digits and `_.-~` (RFC 3986's pchar and /).
_PATH_SAFE = "/:@!$&'()*+,;="


def wsgi_app(routes: WebRoutes) -> WSGIApplication:
    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        path = _raw_path(environ)
        try:
            response = _respond(routes, environ, method, path)
        except Exception:
            # Only a bug gets here (the done link handler and Bolt answer their own failures);
            # the server's own report would name the whole token.
            _log.exception('"%s %s" failed', method, redacted(path))
            response = problem_page(BROKEN)
        client = environ.get("REMOTE_ADDR", "-")
        _log.info('%s "%s %s" %s', client, method, redacted(path), response.status)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(response.body))))
        start_response(_status_line(response.status), headers)
        return [] if method == "HEAD" else [response.body]

    return application


def redacted(path: str) -> str:
    """The path as the log shows it: a link's token cut to its first 8 characters."""
    return _TOKEN_IN_PATH.sub(r"\1...", path)


def _respond(routes: WebRoutes, environ: WSGIEnvironment, method: str, path: str) -> HttpResponse:
    body = _read_body(environ, routes.body_limit(path))
    if isinstance(body, HttpResponse):
        return body
    request = HttpRequest(
        method=method,
        path=path,
        headers=_headers(environ),
        body=body,
        query=str(environ.get("QUERY_STRING") or ""),
    )
    return routes.handle(request)


def _read_body(environ: WSGIEnvironment, limit: int) -> bytes | HttpResponse:
    """The body, or the page refusing it unread: over `limit`, or a nonsense length."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not declared:
        return b""
    try:
        length = int(declared)
    except ValueError:
        return problem_page(BAD_REQUEST)
    if length < 0:
        return problem_page(BAD_REQUEST)
    if length > limit:
        return problem_page(REQUEST_TOO_LARGE)
    body = environ["wsgi.input"].read(length)
    return bytes(body)


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    """The request's headers, lower-case and dashed (`x-slack-signature`), as Bolt reads them."""
    headers = {}
    for key, value in environ.items():
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        elif key.startswith("HTTP_"):
            name = key.removeprefix("HTTP_")
        else:
            continue
        headers[name.lower().replace("_", "-")] = str(value)
    return headers


def _raw_path(environ: WSGIEnvironment) -> str:
    """The path percent-encoded again: WSGI hands it over decoded (as latin-1 characters for
    its bytes), while the routes and the done link handler take it as it was sent."""
    decoded = str(environ.get("SCRIPT_NAME") or "") + str(environ.get("PATH_INFO") or "")
    return quote(decoded.encode("latin-1"), safe=_PATH_SAFE) or "/"


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"
