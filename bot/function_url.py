"""A Lambda Function URL request (payload format 2.0) into an `HttpRequest` for the routes,
and their `HttpResponse` back into what the Function URL returns: the two translations of
the Lambda entry's HTTP side, as Bolt's Lambda adapter has them, and nothing else."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from engine.web.done_link import BAD_REQUEST
from engine.web.http_types import HttpRequest, HttpResponse
from engine.web.pages import problem_page

FunctionUrlEvent = Mapping[str, Any]
FunctionUrlResponse = dict[str, Any]


def http_method(event: FunctionUrlEvent) -> str | None:
    """The request's method, or None when the event is not a Function URL request."""
    request_context = event.get("requestContext")
    if not isinstance(request_context, Mapping):
        return None
    http = request_context.get("http")
    if not isinstance(http, Mapping) or not isinstance(http.get("method"), str):
        return None
    return str(http["method"]).upper()


def to_request(event: FunctionUrlEvent) -> HttpRequest | HttpResponse:
    """The request, or the page refusing a body that is not the base64 it claims to be."""
    body = _body(event)
    if body is None:
        return problem_page(BAD_REQUEST)
    headers = event.get("headers") or {}
    return HttpRequest(
        method=http_method(event) or "GET",
        path=str(event.get("rawPath") or "/"),
        headers={str(name): str(value) for name, value in headers.items()},
        body=body,
        query=str(event.get("rawQueryString") or ""),
    )


def slack_context(event: FunctionUrlEvent, context: Any) -> dict[str, Any]:
    """What Bolt's Lambda lazy listener runner reads from a request's context to invoke this
    function again with the same request: the event itself, and the function to invoke (the
    same three entries Bolt's own Lambda adapter sets)."""
    return {
        "aws_lambda_function_name": getattr(context, "function_name", None),
        "aws_lambda_invoked_function_arn": getattr(context, "invoked_function_arn", None),
        "lambda_request": event,
    }


def to_response(response: HttpResponse, method: str) -> FunctionUrlResponse:
    body = b"" if method == "HEAD" else response.body
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    return {
        "statusCode": response.status,
        "headers": dict(response.headers),
        "body": text,
        "isBase64Encoded": encoded,
    }


def _body(event: FunctionUrlEvent) -> bytes | None:
    """The body as bytes, base64 decoded when the event says so; None when it cannot be."""
    raw = event.get("body")
    if raw is None:
        return b""
    if not isinstance(raw, str):
        return None
    if not event.get("isBase64Encoded"):
        return raw.encode("utf-8")
    try:
        # The Function URL caps a request at 6 MB, so decoding before the routes measure it
        # is bounded.
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None
