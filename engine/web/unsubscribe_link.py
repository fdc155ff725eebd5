"""`/unsubscribe/<token>`: the link in every email's `List-Unsubscribe` header (and its text).

GET only shows a page with a button: mail scanners and link previews fetch every link in a
message, and must never unsubscribe anyone. A POST unsubscribes: the page's button, or a mail
client's one-click unsubscribe (RFC 8058), which posts `List-Unsubscribe=One-Click` straight
to the address with no page in between. The body is not read: the token alone is the request,
whatever the client sends with it. A second POST changes nothing and says so.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from engine.guide import Guide
from engine.links import InvalidToken, InvalidTokenReason, UnsubscribeLink
from engine.links import verify_unsubscribe_token as verify
from engine.ports import RosterError
from engine.queries import CustomerNotFound, LookupProblem, look_up_customer
from engine.sheet_sync import sync_state
from engine.unsubscribe import unsubscribe
from engine.web.done_link import NOT_SAVED, UNAVAILABLE, UNKNOWN_CUSTOMER, answer_link
from engine.web.http_types import HttpRequest, HttpResponse
from engine.web.pages import (
    Problem,
    already_unsubscribed_page,
    problem_page,
    unsubscribe_page,
    unsubscribed_page,
)

_log = logging.getLogger(__name__)
_UNSUBSCRIBE_PATH = re.compile(r"/unsubscribe/([^/]+)/?")
_ASK = "Reply to the email and ask us to stop: we will."

MALFORMED_LINK = Problem(
    400, "This link doesn't look right", f"It may have been cut short on its way here. {_ASK}"
)
FORGED_LINK = Problem(
    403, "This link isn't valid", f"It was changed on its way here, or is not ours. {_ASK}"
)
EXPIRED_LINK = Problem(
    410, "This link has expired", f"Use the link in a more recent email, or reply. {_ASK}"
)
_TOKEN_PROBLEMS = {
    InvalidTokenReason.MALFORMED: MALFORMED_LINK,
    InvalidTokenReason.BAD_SIGNATURE: FORGED_LINK,
    InvalidTokenReason.EXPIRED: EXPIRED_LINK,
}


def handle_unsubscribe_link(guide: Guide, request: HttpRequest) -> HttpResponse:
    return answer_link(
        request, _UNSUBSCRIBE_PATH, "unsubscribe link", lambda m, t: _handle(guide, m, t)
    )


def _handle(guide: Guide, method: str, token: str) -> HttpResponse:
    now = guide.wall_clock()
    try:
        link = verify(guide.config.link_secret, token, now)
    except InvalidToken as error:
        return problem_page(_TOKEN_PROBLEMS[error.reason])
    if method == "POST":
        return _unsubscribe(guide, link, now)
    return _ask(guide, link, now)


def _ask(guide: Guide, link: UnsubscribeLink, now: datetime) -> HttpResponse:
    """The GET: the button, or the day it was done already. Reads, never writes."""
    try:
        found = look_up_customer(guide, link.customer_id)
    except RosterError:
        _log.exception("unsubscribe link: the onboarding list is unreadable")
        return problem_page(UNAVAILABLE)
    if isinstance(found, CustomerNotFound):
        return problem_page(_lookup_problem(found.problem, found.message))
    customer, _ = found
    stored = guide.store.load_one(link.customer_id).history(link.customer_id).state
    # A yes typed in the sheet counts, as the POST would find it.
    state, _ = sync_state(customer, stored, now, guide.config.team_timezone)
    if state.unsubscribed:
        return already_unsubscribed_page(state.unsubscribed_on, customer.company)
    return unsubscribe_page(customer.first_name, customer.company)


def _unsubscribe(guide: Guide, link: UnsubscribeLink, now: datetime) -> HttpResponse:
    try:
        outcome, subject, on = unsubscribe(guide, link.customer_id, link.journey, now)
    except RosterError:
        _log.exception("unsubscribe link: the onboarding list is unreadable")
        return problem_page(UNAVAILABLE)
    if outcome.problem is not None:
        return problem_page(_lookup_problem(outcome.problem, outcome.message))
    if subject is None or not outcome.ok:
        # Refused as it was being saved: raced by another write twice over.
        _log.warning("unsubscribe of %s not saved: %s", link.customer_id, outcome.message)
        return problem_page(NOT_SAVED)
    if outcome.warning:
        _log.warning("unsubscribe of %s: %s", link.customer_id, outcome.warning)
    customer = subject.customer
    if outcome.changed:
        return unsubscribed_page(customer.first_name, customer.company)
    return already_unsubscribed_page(on, customer.company)


def _lookup_problem(problem: LookupProblem, message: str) -> Problem:
    if problem == LookupProblem.UNKNOWN:
        return UNKNOWN_CUSTOMER
    if problem == LookupProblem.BUSY:
        return NOT_SAVED
    _log.warning("unsubscribe link: %s", message)
    return UNAVAILABLE
