"""The done and unsubscribe links' pages: small, self-contained HTML that reads well on a phone.

Every page is one document with inline CSS and no scripts, images or fonts from elsewhere, so
it renders the same in any mail app's browser and leaks nothing to third parties. Every value
that reaches a page goes through `html.escape`; customers' names and companies come from a
sheet anyone on the team can type into.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from html import escape
from typing import NamedTuple

from engine.web.http_types import HttpResponse

HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    # A link's token is a capability: keep its pages out of caches, other sites' frames and
    # the Referer of any link a customer follows from them.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}

_STYLE = """
body{margin:0;padding:0 1rem;background:#f3f4f6;color:#1f2937;
  font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:26rem;margin:10vh auto;padding:2rem 1.5rem;background:#fff;
  border-radius:14px;box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
h1{margin:0 0 .75rem;font-size:1.5rem;line-height:1.25}
p{margin:0 0 1rem}
main>:last-child{margin-bottom:0}
.for{margin-bottom:.5rem;color:#6b7280;font-size:.85rem;letter-spacing:.04em;
  text-transform:uppercase}
.mark{width:3rem;height:3rem;margin-bottom:1rem;border-radius:50%;background:#dcfce7;
  color:#15803d;font-size:1.6rem;line-height:3rem;text-align:center}
.mark.warn{background:#fef3c7;color:#b45309}
button{display:block;width:100%;margin:1.5rem 0 1rem;padding:.9rem 1rem;border:0;
  border-radius:10px;background:#2563eb;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}
.small{color:#6b7280;font-size:.9rem}
"""


_TICK = '<div class="mark" aria-hidden="true">&#10003;</div>'


class Problem(NamedTuple):
    """Why a link cannot do its job, said to the customer who clicked it."""

    status: int
    heading: str
    message: str


def confirm_page(step_name: str, first_name: str, company: str) -> HttpResponse:
    """The page a click opens: it asks, and changes nothing until the button is pressed."""
    step = _sentence_case(step_name)
    greeting = f"Hi {escape(first_name)}, have" if first_name else "Have"
    body = f"""{_for_line(company)}<h1>{escape(step)}</h1>
<p>{greeting} you finished this step? Let us know and we'll move you on to the next one.</p>
<form method="post"><button type="submit">Mark as done</button></form>
<p class="small">Not done yet? Just close this page: nothing changes until you press the
button.</p>"""
    return _page(200, f"{step}: mark as done", body)


def done_page(step_name: str, first_name: str, company: str) -> HttpResponse:
    step = _sentence_case(step_name)
    thanks = f"Thanks, {escape(first_name)}!" if first_name else "Thanks!"
    body = f"""{_TICK}{_for_line(company)}
<h1>{thanks}</h1>
<p><strong>{escape(step)}</strong> is done.</p>
<p class="small">You can close this page. We'll be in touch about what comes next.</p>"""
    return _page(200, f"Thanks, {step} is done", body)


def already_done_page(step_name: str, done_on: date, company: str) -> HttpResponse:
    step = _sentence_case(step_name)
    body = f"""{_TICK}{_for_line(company)}
<h1>Already done</h1>
<p><strong>{escape(step)}</strong> was already marked as done on {done_on.day} {done_on:%B %Y}.</p>
<p class="small">There is nothing more to do here; you can close this page.</p>"""
    return _page(200, f"{step} is already done", body)


def unsubscribe_page(first_name: str, company: str) -> HttpResponse:
    """What an unsubscribe link opens: it asks, and changes nothing until the button is
    pressed (mail scanners open every link of a message)."""
    greeting = f"Hi {escape(first_name)}, press" if first_name else "Press"
    body = f"""{_for_line(company)}<h1>Stop these emails?</h1>
<p>{greeting} the button and we won't send you any more onboarding emails.</p>
<form method="post"><button type="submit">Stop these emails</button></form>
<p class="small">Changed your mind? Just close this page: nothing changes until you press the
button.</p>"""
    return _page(200, "Stop onboarding emails", body)


def unsubscribed_page(first_name: str, company: str) -> HttpResponse:
    done = f"Done, {escape(first_name)}." if first_name else "Done."
    body = f"""{_TICK}{_for_line(company)}
<h1>You're unsubscribed</h1>
<p>{done} We won't send you any more onboarding emails.</p>
<p class="small">If that was a mistake, reply to one of our emails and we'll put it right.</p>"""
    return _page(200, "You're unsubscribed", body)


def already_unsubscribed_page(on: date | None, company: str) -> HttpResponse:
    since = f" on {on.day} {on:%B %Y}" if on else ""
    body = f"""{_TICK}{_for_line(company)}
<h1>Already unsubscribed</h1>
<p>You unsubscribed{since}. We won't send you any more onboarding emails.</p>
<p class="small">There is nothing more to do here; you can close this page.</p>"""
    return _page(200, "Already unsubscribed", body)


def problem_page(problem: Problem, headers: Mapping[str, str] | None = None) -> HttpResponse:
    body = f"""<div class="mark warn" aria-hidden="true">!</div>
<h1>{escape(problem.heading)}</h1>
<p>{escape(problem.message)}</p>"""
    return _page(problem.status, problem.heading, body, headers)


def _sentence_case(step_name: str) -> str:
    # Rules docs name steps mid-sentence ("welcome on day 0"); a page shows them as headings.
    return step_name[:1].upper() + step_name[1:]


def _for_line(company: str) -> str:
    return f'<p class="for">{escape(company)} onboarding</p>' if company else ""


def _page(
    status: int, title: str, body: str, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""
    return HttpResponse(
        status=status, headers={**HEADERS, **(headers or {})}, body=document.encode("utf-8")
    )
