"""The request and response a handler sees: just enough HTTP to map onto any server."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    """The path alone, percent-encoded as received, without the query string."""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    query: str = ""
    """The query string as received, without the `?`."""

    def header(self, name: str) -> str | None:
        # Servers disagree on header case (Lambda lowercases them all), so look up by any case.
        wanted = name.casefold()
        return next((v for k, v in self.headers.items() if k.casefold() == wanted), None)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
