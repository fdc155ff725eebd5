"""`/done/<token>`: the one-click link in every step email.

GET only shows what the link is for, with a button; mail scanners and link previews fetch
every link in a message, so a GET that marked the step would mark it before anyone read the
email. Pressing the button POSTs to the same address, and only that marks the step done.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from engine.actions import CUSTOMER_ACTOR, ActionOutcome, Change, done_change, perform, unchanged
from engine.guide import Guide
from engine.links import DoneLink, InvalidToken, InvalidTokenReason, verify_token
from engine.models import Customer, CustomerState
from engine.plans import Rules, Step
from engine.ports import RosterError
from engine.queries import CustomerNotFound, LookupProblem, look_up_customer
from engine.subject import Subject
from engine.web.http_types import HttpRequest, HttpResponse
from engine.web.pages import Problem, already_done_page, confirm_page, done_page, problem_page

__all__ = ["CUSTOMER_ACTOR", "HttpRequest", "HttpResponse", "handle_done_link"]

ALLOWED_METHODS = "GET, POST"

_log = logging.getLogger(__name__)
_DONE_PATH = re.compile(r"/done/([^/]+)/?")
_REPLY = "Reply to the email and we'll mark the step done for you."
_TRY_LATER = "Please try again in a little while, or reply to the email."

_USE_EMAIL = "Use the link in your email."

NOT_FOUND = Problem(404, "Page not found", f"This address leads nowhere. {_USE_EMAIL}")
WRONG_METHOD = Problem(405, "Open this page from your email", _USE_EMAIL)
MALFORMED_LINK = Problem(
    400, "This link doesn't look right", f"It may have been cut short on its way here. {_REPLY}"
)
FORGED_LINK = Problem(
    403, "This link isn't valid", f"It was changed on its way here, or is not ours. {_REPLY}"
)
EXPIRED_LINK = Problem(410, "This link has expired", _REPLY)
UNKNOWN_CUSTOMER = Problem(
    404, "We couldn't find your onboarding", "Reply to the email and we'll sort it out."
)
JOURNEY_OVER = Problem(
    410,
    "This onboarding has ended or restarted",
    "This link belongs to an earlier onboarding. Use the link in your latest email, or reply "
    "to it.",
)
FINISHED = Problem(
    410,
    "Your onboarding has ended",
    "You have finished onboarding, so there is nothing left to mark. Reply to the email if "
    "that's not right.",
)
STEP_GONE = Problem(
    410,
    "This step is no longer in your plan",
    "Your onboarding plan changed after this email was sent. Reply to it if you have questions.",
)
NOT_SAVED = Problem(
    409,
    "We couldn't save that",
    "Your onboarding was being updated at the same moment. Open the link in your email again.",
)
UNAVAILABLE = Problem(503, "We can't record this right now", _TRY_LATER)
BROKEN = Problem(500, "Something went wrong on our side", _TRY_LATER)
REQUEST_TOO_LARGE = Problem(413, "That request is too large", _USE_EMAIL)
BAD_REQUEST = Problem(400, "That request didn't make sense", _USE_EMAIL)

_TOKEN_PROBLEMS = {
    InvalidTokenReason.MALFORMED: MALFORMED_LINK,
    InvalidTokenReason.BAD_SIGNATURE: FORGED_LINK,
    InvalidTokenReason.EXPIRED: EXPIRED_LINK,
}


@dataclass(frozen=True)
class _Visit:
    """A verified link, with the customer and step it is about as they stand now."""

    customer: Customer
    step: Step
    state: CustomerState


def handle_done_link(guide: Guide, request: HttpRequest) -> HttpResponse:
    return answer_link(request, _DONE_PATH, "done link", lambda m, t: _handle(guide, m, t))


def answer_link(
    request: HttpRequest,
    path: re.Pattern[str],
    what: str,
    handle: Callable[[str, str], HttpResponse],
) -> HttpResponse:
    """What every signed link's route does around its own `handle(method, token)`: the path
    and the method checked, and a page when the work fails."""
    match = path.fullmatch(request.path)
    if match is None:
        return problem_page(NOT_FOUND)
    if request.method not in ("GET", "POST"):
        return problem_page(WRONG_METHOD, {"Allow": ALLOWED_METHODS})
    try:
        return handle(request.method, unquote(match.group(1)))
    except Exception:
        # A customer gets a page, never a traceback or a dropped connection; the log gets the
        # details (without the token: it is a capability).
        _log.exception("%s %s failed", what, request.method)
        return problem_page(BROKEN)


def _handle(guide: Guide, method: str, token: str) -> HttpResponse:
    now = guide.wall_clock()
    try:
        link = verify_token(guide.config.link_secret, token, now)
    except InvalidToken as error:
        return problem_page(_TOKEN_PROBLEMS[error.reason])
    if method == "POST":
        return _mark(guide, link, now)
    visit = _visit(guide, link)
    if isinstance(visit, Problem):
        return problem_page(visit)
    return _settled(visit) or confirm_page(
        visit.step.name, visit.customer.first_name, visit.customer.company
    )


def _mark(guide: Guide, link: DoneLink, now: datetime) -> HttpResponse:
    """The step marked done, the customer read once: by the action, whose read also says
    which page to show when there is nothing to mark."""
    visits: list[_Visit | Problem] = []

    def work_out(subject: Subject) -> Change | ActionOutcome:
        visit = _visit_of(subject.customer, subject.rules, subject.state, link)
        visits.append(visit)
        if isinstance(visit, Problem) or _settled(visit) is not None:
            return unchanged("nothing to mark")  # the page says why
        return done_change(guide, subject, visit.step.id, now)

    try:
        outcome = perform(guide, link.customer_id, CUSTOMER_ACTOR, now, work_out)
    except RosterError:
        _log.exception("done link: the onboarding list is unreadable")
        return problem_page(UNAVAILABLE)
    if outcome.problem is not None:
        return problem_page(_problem_page(outcome.problem, outcome.message))
    visit = visits[-1] if visits else None
    if outcome.changed and isinstance(visit, _Visit):
        return done_page(visit.step.name, visit.customer.first_name, visit.customer.company)
    if isinstance(visit, Problem):
        return problem_page(visit)
    settled = _settled(visit) if visit is not None else None
    if settled is not None:
        return settled
    # Refused as it was being saved: raced by another write twice over.
    _log.warning(
        "done link for %s, step %s, not saved: %s", link.customer_id, link.step, outcome.message
    )
    return problem_page(NOT_SAVED)


def _visit(guide: Guide, link: DoneLink) -> _Visit | Problem:
    try:
        found = look_up_customer(guide, link.customer_id)
    except RosterError:
        _log.exception("done link: the onboarding list is unreadable")
        return UNAVAILABLE
    if isinstance(found, CustomerNotFound):
        return _problem_page(found.problem, found.message)
    customer, rules = found
    state = guide.store.load_one(link.customer_id).history(link.customer_id).state
    return _visit_of(customer, rules, state, link)


def _problem_page(problem: LookupProblem, message: str) -> Problem:
    if problem == LookupProblem.UNKNOWN:
        return UNKNOWN_CUSTOMER
    if problem == LookupProblem.BUSY:
        return NOT_SAVED
    _log.warning("done link: %s", message)
    return UNAVAILABLE


def _visit_of(
    customer: Customer, rules: Rules, state: CustomerState, link: DoneLink
) -> _Visit | Problem:
    if state.journey != link.journey:
        return JOURNEY_OVER
    step = rules.plans[customer.effective_plan].step(link.step)
    if step is None:
        return STEP_GONE
    return _Visit(customer=customer, step=step, state=state)


def _settled(visit: _Visit) -> HttpResponse | None:
    """The page for a step that is past marking (done, or the onboarding over), else None.
    Done comes first, as in `mark_done`: a finished customer's done step is still done."""
    if visit.step.id in visit.state.steps_done:
        done_on = visit.state.steps_done[visit.step.id]
        return already_done_page(visit.step.name, done_on, visit.customer.company)
    if visit.customer.finished or visit.state.finished:
        return problem_page(FINISHED)
    return None
