"""The month in one message, as a use case: read what its figures need (the rules doc, the
list, the month's sends and audit rows), work them out (engine.month_summary), and ask a
commentator for a few words on them when one is configured. Never called by the tick."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.calendar import zone
from engine.guide import Guide
from engine.month_summary import MonthSummary, month_figures, month_last
from engine.month_text import COMMENTARY_INSTRUCTIONS, figures_text
from engine.ports import Commentator
from engine.roster.validate import validate_rows
from engine.rulebook import load_rules

COMMENTARY_LIMIT = 1200
"""Characters of commentary kept: a paragraph, whatever the model wrote."""

_log = logging.getLogger("og.summary")


@dataclass(frozen=True)
class MonthReport:
    summary: MonthSummary
    commentary: str = ""
    """A few words on the figures, "" when none were asked for or they could not be had."""
    commentary_by: str = ""


def build_month_summary(guide: Guide, first: date) -> MonthSummary:
    """The figures of the month that starts on `first`, on the team's calendar. Raises
    RosterError when the list cannot be read."""
    timezone = guide.config.team_timezone
    outcome = load_rules(guide.rules_source, guide.store, remember=False)
    if outcome.rules is None:
        problems = outcome.problems
        return MonthSummary(first=first, timezone=timezone, problems=problems, figured=False)
    plans = outcome.rules.plans
    customers, _ = validate_rows(guide.roster.read(), plans.keys(), timezone)
    last = month_last(first)
    start = datetime.combine(first, time(), zone(timezone))
    end = datetime.combine(last + timedelta(days=1), time(), zone(timezone))
    sends = guide.store.sends_between(first, last)
    audit = guide.store.audit_between(start, end)
    summary = month_figures(first, timezone, customers, plans, sends, audit)
    summary.problems = outcome.problems
    return summary


def month_report(guide: Guide, first: date, commentator: Commentator | None) -> MonthReport:
    """The month's figures, with the commentator's words on them when there is a commentator
    and it answers; on any failure of its, the figures alone (logged)."""
    summary = build_month_summary(guide, first)
    if commentator is None or not summary.figured:
        return MonthReport(summary)
    try:
        words = commentator.comment(COMMENTARY_INSTRUCTIONS, figures_text(summary)).strip()
        if not words:
            raise ValueError("the answer held no text")
    except Exception as error:  # whatever it was, the summary goes out without the words
        _log.warning(
            "no commentary from %s on %s, the figures go alone: %s: %s",
            commentator.name,
            f"{first:%Y-%m}",
            type(error).__name__,
            error,
        )
        return MonthReport(summary)
    paragraph = " ".join(words.split())
    if len(paragraph) > COMMENTARY_LIMIT:
        paragraph = paragraph[: COMMENTARY_LIMIT - 1].rstrip() + "…"
    return MonthReport(summary, paragraph, commentator.name)
