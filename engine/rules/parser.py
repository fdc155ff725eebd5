"""Reading a rules doc into Rules, or into every error it has.

The doc is walked once, top to bottom. Headings start sections; a rule sentence that follows
a plan sentence in the same section belongs to that plan, any other is doc-wide. Everything
is collected as drafts and checked and built into the frozen models only at the end, because
some rules (a doc-wide step window, say) may come before the plans they refer to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import holidays
from pydantic import ValidationError

from engine.models import WRAP_UP_STEP
from engine.plans import Plan, Rules, RulesError, SendHours, SendingPolicy, Step, Window
from engine.rules.hours import HoursRule
from engine.rules.lines import doc_lines, heading, size_error, unbulleted
from engine.rules.messages import MessageBlock, build_messages, read_block
from engine.rules.paragraphs import Paragraph
from engine.rules.sentences import (
    OWNER_EXAMPLE,
    PLAN_EXAMPLE,
    WINDOW_EXAMPLE,
    ApprovalRule,
    HandOffRule,
    HolidaysRule,
    OwnerRule,
    PlanRule,
    Rule,
    SendingRule,
    WindowRule,
    read_sentence,
    slugify,
)
from engine.rules.wording import clip_name, name_list, plan_window_hint

__all__ = ["parse_rules", "slugify"]

# Step ids the guide itself uses for other emails.
_RESERVED_STEPS = {WRAP_UP_STEP, "wrapup", "nudge"}


@dataclass
class _PlanDraft:
    rule: PlanRule
    id: str
    step_ids: set[str] = field(default_factory=set)
    window: WindowRule | None = None
    owner: OwnerRule | None = None
    step_windows: dict[str, WindowRule] = field(default_factory=dict)
    hours: HoursRule | None = None


@dataclass
class _Doc:
    errors: list[RulesError] = field(default_factory=list)
    plans: dict[str, _PlanDraft] = field(default_factory=dict)
    window: WindowRule | None = None
    owner: OwnerRule | None = None
    step_windows: dict[str, WindowRule] = field(default_factory=dict)
    sending: SendingRule | None = None
    holidays: HolidaysRule | None = None
    hours: HoursRule | None = None
    team_hours: HoursRule | None = None
    hand_off: HandOffRule | None = None
    approval: ApprovalRule | None = None
    blocks: list[MessageBlock] = field(default_factory=list)
    messages_line: int | None = None

    def error(self, line: int, message: str) -> None:
        self.errors.append(RulesError(line=line, message=message))


def parse_rules(text: str, source: str = "rules.md") -> Rules | list[RulesError]:
    """The rules a doc states, or every error found in it, sorted by line. Never raises."""
    too_big = size_error(text)
    if too_big is not None:
        return [too_big]
    doc = _Doc()
    _walk(doc_lines(text), doc)
    return _finish(doc, text, source)


def _walk(lines: list[str], doc: _Doc) -> None:
    plan: _PlanDraft | None = None
    paragraph = Paragraph()
    messages_level: int | None = None
    message: tuple[str, int, list[tuple[int, str]]] | None = None

    def flush() -> None:
        nonlocal plan, paragraph, message
        for sentence in paragraph.sentences():
            plan = _apply(doc, read_sentence(sentence), plan)
        paragraph = Paragraph()
        if message is not None:
            doc.blocks.append(read_block(*message))
            message = None

    for number, line in enumerate(lines, start=1):
        found = heading(line)
        if found is not None:
            flush()
            plan = None
            level, title = found
            if messages_level is not None and level > messages_level:
                message = (title, number, [])
                continue
            messages_level = None
            if slugify(title) == "messages":
                messages_level = level
                doc.messages_line = doc.messages_line or number
            continue
        if messages_level is not None:
            # Prose between "Messages" and its first message is an intro; it is ignored.
            if message is not None:
                message[2].append((number, line))
            continue
        if not line.strip():
            flush()
            continue
        bare = unbulleted(line)
        if bare is not None:
            # A bullet is a rule of its own even when the rep left off the period.
            flush()
            line = bare
        elif paragraph.ends_before(line):
            # So is a line that starts like a rule: "Owner: ...", "Pro plan: ...".
            flush()
        paragraph.add(number, line)
    flush()


def _apply(doc: _Doc, rule: Rule | RulesError | None, plan: _PlanDraft | None) -> _PlanDraft | None:
    """Record one sentence's rule; returns the plan that later sentences of the section
    belong to."""
    if rule is None:
        return plan
    if isinstance(rule, RulesError):
        doc.errors.append(rule)
    elif isinstance(rule, PlanRule):
        return _add_plan(doc, rule)
    elif isinstance(rule, WindowRule):
        _add_window(doc, rule, plan)
    elif isinstance(rule, OwnerRule):
        if plan is not None:
            if _once(doc, plan.owner, rule, f"the owner of the {clip_name(plan.rule.name)} plan"):
                plan.owner = rule
        elif _once(doc, doc.owner, rule, "the default owner"):
            doc.owner = rule
    elif isinstance(rule, HandOffRule):
        if _once(doc, doc.hand_off, rule, "hand-off owners"):
            doc.hand_off = rule
    elif isinstance(rule, SendingRule):
        if _once(doc, doc.sending, rule, "which days to send on"):
            doc.sending = rule
    elif isinstance(rule, HoursRule):
        _add_hours(doc, rule, plan)
    elif isinstance(rule, ApprovalRule):
        if _once(doc, doc.approval, rule, "the approval of rule changes"):
            doc.approval = rule
    elif _once(doc, doc.holidays, rule, "the holidays country"):
        _check_holidays(doc, rule)
        doc.holidays = rule
    return plan


def _add_hours(doc: _Doc, rule: HoursRule, plan: _PlanDraft | None) -> None:
    if rule.team:  # the whole team's, wherever the sentence stands
        if _once(doc, doc.team_hours, rule, "the team's time of day"):
            doc.team_hours = rule
    elif plan is None:
        if _once(doc, doc.hours, rule, "the time of day to send"):
            doc.hours = rule
    elif _once(doc, plan.hours, rule, f"the {clip_name(plan.rule.name)} plan's time of day"):
        plan.hours = rule


def _once(doc: _Doc, current: Rule | None, new: Rule, what: str) -> bool:
    if current is None:
        return True
    doc.error(new.line, f"{what} is already set at line {current.line}: keep only one")
    return False


def _add_plan(doc: _Doc, rule: PlanRule) -> _PlanDraft:
    draft = _PlanDraft(rule=rule, id=slugify(rule.name))
    if not draft.id:
        doc.error(rule.line, f'the plan name "{rule.name}" needs at least one letter or digit')
    elif draft.id in doc.plans:
        first = doc.plans[draft.id].rule.line
        doc.error(
            rule.line,
            f"the {rule.name} plan is already described at line {first}: describe each plan once",
        )
    else:
        doc.plans[draft.id] = draft
    previous = None
    for item in rule.steps:
        step_id = slugify(item.name)
        if not step_id:
            doc.error(item.line, f'the step name "{item.name}" needs at least one letter or digit')
        elif step_id in _RESERVED_STEPS:
            doc.error(
                item.line,
                f'"{item.name}" cannot be a step name: the guide uses it for '
                "its own emails. Pick another name",
            )
        elif step_id in draft.step_ids:
            doc.error(
                item.line,
                f'the {clip_name(rule.name)} plan lists the step "{item.name}" twice: '
                "each step appears once per plan",
            )
        else:
            draft.step_ids.add(step_id)
        if item.day < 0:
            doc.error(
                item.line,
                f'step "{item.name}" is on day {item.day}: days start at 0, the signup day',
            )
        elif previous is not None and item.day < previous.day:
            doc.error(
                item.line,
                f'step "{item.name}" is on day {item.day}, before '
                f'"{previous.name}" on day {previous.day}: list the steps in day order',
            )
        if item.day >= 0:
            previous = item
    return draft


def _add_window(doc: _Doc, rule: WindowRule, plan: _PlanDraft | None) -> None:
    # A bad window is still recorded, so its steps are not also reported as having none.
    if rule.nudge_after <= 0:
        doc.error(
            rule.line,
            f"nudge after {rule.nudge_after} days: the wait before a nudge must be at least 1 day",
        )
    if rule.flag_after <= 0:
        doc.error(
            rule.line,
            f"flag after {rule.flag_after} more days: the wait before a flag must be at least "
            "1 day",
        )
    if rule.step is None:
        if plan is not None:
            if _once(doc, plan.window, rule, f"the window of the {clip_name(plan.rule.name)} plan"):
                plan.window = rule
        elif _once(doc, doc.window, rule, "the default window"):
            doc.window = rule
        return
    step_id = slugify(rule.step)
    table = doc.step_windows if plan is None else plan.step_windows
    if plan is not None and step_id not in plan.step_ids:
        steps = plan.rule.steps
        names = name_list((item.name for item in steps), len(steps))
        doc.error(
            rule.line,
            f'the {clip_name(plan.rule.name)} plan has no step "{rule.step}" (its steps: '
            f"{names}). Check the spelling, or move this sentence to the plan it is for"
            + plan_window_hint(rule.step),
        )
    elif step_id in table:
        doc.error(
            rule.line,
            f'the window of step "{rule.step}" is already set at line '
            f"{table[step_id].line}: keep only one",
        )
    else:
        table[step_id] = rule


def _check_holidays(doc: _Doc, rule: HolidaysRule) -> None:
    try:
        holidays.country_holidays(rule.code)
    except NotImplementedError:
        doc.error(
            rule.line,
            f'unknown holidays country "{rule.code}": use a country code such as US, GB, DE or FR',
        )


def _finish(doc: _Doc, text: str, source: str) -> Rules | list[RulesError]:
    if not doc.plans:
        doc.error(1, f"the doc has no plans: add a sentence like '{PLAN_EXAMPLE}'")
    all_steps = {s for p in doc.plans.values() for s in p.step_ids}
    for step_id, rule in doc.step_windows.items():
        if step_id not in all_steps:
            doc.error(
                rule.line,
                f'no plan has a step "{rule.step}": check the spelling'
                + plan_window_hint(rule.step),
            )

    plans: list[tuple[_PlanDraft, OwnerRule, list[WindowRule]]] = []
    steps: dict[str, tuple[str, int]] = {}
    for draft in doc.plans.values():
        owner = draft.owner or doc.owner
        if owner is None:
            doc.error(
                draft.rule.line,
                f"the {draft.rule.name} plan has no owner to flag: add "
                f"'{OWNER_EXAMPLE}' at the top of the doc, or right after the plan",
            )
        windows: list[WindowRule] = []
        for item in draft.rule.steps:
            step_id = slugify(item.name)
            if step_id in draft.step_ids:
                steps.setdefault(step_id, (item.name, item.line))
            window = (
                draft.step_windows.get(step_id)
                or doc.step_windows.get(step_id)
                or draft.window
                or doc.window
            )
            if window is None:
                doc.error(
                    item.line,
                    f'step "{item.name}" of the {clip_name(draft.rule.name)} plan has no '
                    f"window: add '{WINDOW_EXAMPLE}' at the top of the doc",
                )
            else:
                windows.append(window)
        if owner is not None:
            plans.append((draft, owner, windows))

    if doc.messages_line is None:
        doc.error(
            1,
            'the doc has no "## Messages" section: add one, with a "### <Step>" '
            'message for every step, a "### Nudge" and a "### Wrap-up"',
        )
        messages = None
    else:
        messages, errors = build_messages(
            doc.blocks, steps, check_steps=bool(doc.plans), section_line=doc.messages_line
        )
        doc.errors.extend(errors)

    if doc.errors or messages is None:
        return _sorted(doc.errors)
    try:
        return Rules(
            plans={draft.id: _plan(draft, owner, windows) for draft, owner, windows in plans},
            messages=messages,
            sending=_sending(doc),
            hand_off_owners=doc.hand_off.people if doc.hand_off else (),
            changes_need_approval=doc.approval is not None,
            source=source,
            text=text,
            text_hash=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        )
    except ValidationError as exc:
        # Every model constraint is checked above with a better message; this is only so a
        # missed case still comes back as an error instead of crashing the daily tick.
        return [RulesError(line=1, message=f"the rules could not be built: {exc}")]


def _plan(draft: _PlanDraft, owner: OwnerRule, windows: list[WindowRule]) -> Plan:
    return Plan(
        id=draft.id,
        name=draft.rule.name,
        steps=tuple(
            Step(
                id=slugify(item.name),
                name=item.name,
                day=item.day,
                window=Window(nudge_after=w.nudge_after, flag_after=w.flag_after, line=w.line),
                line=item.line,
            )
            for item, w in zip(draft.rule.steps, windows, strict=True)
        ),
        owner=owner.person,
        line=draft.rule.line,
        hours=draft.hours.as_hours() if draft.hours else None,
    )


def _sending(doc: _Doc) -> SendingPolicy:
    lines = [r.line for r in (doc.sending, doc.holidays) if r is not None]
    return SendingPolicy(
        weekdays_only=doc.sending.weekdays_only if doc.sending else True,
        holidays_country=doc.holidays.code if doc.holidays else None,
        line=min(lines, default=0),
        hours=doc.hours.as_hours() if doc.hours else SendHours(),
        team_hours=doc.team_hours.as_hours() if doc.team_hours else SendHours(),
    )


def _sorted(errors: list[RulesError]) -> list[RulesError]:
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda e: e.line)
