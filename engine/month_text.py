"""The month's summary as plain text: what `og summary` prints, what the console gets when no
Slack channel is set, and the figures a model is asked to comment on (aggregates only: counts,
rates, medians, plan and step names from the rules doc; never a customer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engine.month_summary import MonthSummary, PlanFigures, StepFigures

COMMENTARY_INSTRUCTIONS = (
    "You comment on a customer-success team's month of onboarding, in one short paragraph of "
    "at most 80 words, plain prose: no list, no heading, no greeting. Say what stands out and "
    "where customers stall, using only the figures given; never invent a figure, a cause or "
    "a name."
)
"""The system prompt of the month's commentary."""
NO_PLAN = "(a plan no longer in the doc)"
HEARD_NAMES = {
    "replied": "replies",
    "bounced": "bounces",
    "soft_bounced": "soft bounces",
    "complained": "complaints",
    "unsubscribed": "unsubscribes",
}


def title(summary: MonthSummary) -> str:
    return f"{summary.first:%B %Y} in one message"


def percent(part: int, whole: int) -> str:
    """`3 (25%)`, rounded half up; a whole of 0 gives `0`."""
    if not whole:
        return str(part)
    return f"{part} ({(200 * part + whole) // (2 * whole)}%)"


def days(value: float) -> str:
    return f"{value:g}"


def headline_lines(summary: MonthSummary) -> list[str]:
    """The month's figures but the steps, a line each."""
    heard = "; ".join(f"{name}: {summary.heard.get(a, 0)}" for a, name in HEARD_NAMES.items())
    medians = [
        f"{plan.plan or NO_PLAN} {days(plan.median_days_to_finish)}"
        for plan in summary.plans
        if plan.median_days_to_finish is not None
    ]
    return [
        f"Started: {summary.started}{_by_plan(summary.plans, 'started')}",
        f"Finished: {summary.finished}{_by_plan(summary.plans, 'finished')}",
        f"Days to finish, median: {', '.join(medians) or 'no finishes'}",
        f"Emails sent: {summary.emails_sent}; flags to owners: {summary.flags_sent}",
        f"Paused: {summary.paused}; handed off: {summary.handed_off}",
        heard[0].upper() + heard[1:],
        f"Unconfirmed sends: {summary.unconfirmed}",
    ]


def stall_heading(summary: MonthSummary) -> str:
    if not summary.steps:
        return f"Where customers stall: no step email went out in {summary.first:%B}."
    return (
        f"Where customers stall: the step emails of {summary.first:%B}, and what came of "
        "them by its end"
    )


def step_table(
    steps: Sequence[StepFigures], escape: Callable[[str], str] = lambda cell: cell
) -> list[str]:
    """One aligned line per step, under a header line; each cell through `escape` (which may
    lengthen it, as entities do, but not change how wide it shows)."""
    rows = [["plan", "step", "sent", "done", "nudged", "flagged"]] + [
        [
            step.plan or NO_PLAN,
            step.step,
            str(step.sent),
            percent(step.done, step.sent),
            percent(step.nudged, step.sent),
            percent(step.flagged, step.sent),
        ]
        for step in steps
    ]
    widths = [max(len(row[n]) for row in rows) for n in range(len(rows[0]))]
    return [
        "  ".join(
            escape(cell) + " " * (width - len(cell))
            for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]


def figures_text(summary: MonthSummary) -> str:
    """The figures alone, as the model is given them."""
    lines = [title(summary), "", *headline_lines(summary), "", stall_heading(summary)]
    if summary.steps:
        lines += step_table(summary.steps)
    return "\n".join(lines)


def summary_text(summary: MonthSummary, commentary: str = "", by: str = "") -> str:
    """The whole summary: problems, then the commentary when there is one, then the figures."""
    lines = [*summary.problems]
    if not summary.figured:
        return "\n".join([title(summary), *lines, "No figures: they need a usable rules doc."])
    if commentary:
        lines += [commentary, f"(commentary by {by}; the figures below are the guide's own)", ""]
    return "\n".join([*lines, figures_text(summary)])


def _by_plan(plans: Sequence[PlanFigures], field: str) -> str:
    counted = [f"{plan.plan or NO_PLAN} {getattr(plan, field)}" for plan in plans]
    counted = [text for text, plan in zip(counted, plans, strict=True) if getattr(plan, field)]
    return f" ({', '.join(counted)})" if counted else ""
