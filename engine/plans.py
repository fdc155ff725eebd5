"""The rules doc as data: plans and their steps, windows and owners, the messages, and the
sending policy. Plain data, read from the doc by engine.rules and used by the decision."""

from __future__ import annotations

from datetime import time

from pydantic import Field, model_validator

from engine.models import Frozen


class Person(Frozen):
    """Someone the rules doc (or a roster cell) names: by their Slack member id, or by their
    work email, whose member id the bot looks up (bot/slack/people.py)."""

    name: str
    slack_id: str = ""
    email: str = ""
    line: int = 0
    """Where the rules doc names them; 0 for a roster cell."""

    @property
    def key(self) -> str:
        """How the doc names them: the member id, else the email."""
        return self.slack_id or self.email

    def mention(self) -> str:
        if self.slack_id or not self.email:
            return f"<@{self.slack_id}>"
        return f"<{self.email}>"


class Window(Frozen):
    """How long to wait with no progress: nudge `nudge_after` guide days after the step was
    sent, flag `flag_after` guide days after the nudge."""

    nudge_after: int = Field(gt=0)
    flag_after: int = Field(gt=0)
    line: int = 0


class Step(Frozen):
    id: str
    name: str
    day: int = Field(ge=0)
    window: Window
    line: int = 0


class Plan(Frozen):
    id: str
    name: str
    steps: tuple[Step, ...]
    owner: Person
    line: int = 0
    hours: SendHours | None = None
    """This plan's own sending hours; None: the doc's."""

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


class MessageTemplate(Frozen):
    subject: str
    body: str
    line: int = 0


class Messages(Frozen):
    steps: dict[str, MessageTemplate]
    """Keyed by step id; shared by every plan that has a step with that id."""
    nudges: dict[str, MessageTemplate] = Field(default_factory=dict)
    default_nudge: MessageTemplate | None = None
    wrap_up: MessageTemplate

    def nudge_for(self, step_id: str) -> MessageTemplate | None:
        return self.nudges.get(step_id, self.default_nudge)


class SendHours(Frozen):
    """Local hours in which something may go out: from `start` up to, not including, `end`
    (`Send between 9:00 and 17:00.`), on a clock of the reader's own zone."""

    start: time = time(9)
    end: time = time(17)
    line: int = 0
    every_day: bool = False
    """The team's hours only: open on weekends too (the team's days are weekdays unless said)."""

    @model_validator(mode="after")
    def _starts_before_it_ends(self) -> SendHours:
        if not self.start < self.end:
            raise ValueError(f"the hours start at {self.start} and end at {self.end}")
        return self

    def covers(self, clock: time) -> bool:
        return self.start <= clock < self.end

    def render(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def render_days(self) -> str:
        """The team's hours with their days."""
        return f"{self.render()} {'every day' if self.every_day else 'on weekdays'}"


class SendingPolicy(Frozen):
    weekdays_only: bool = True
    holidays_country: str | None = None
    line: int = 0
    hours: SendHours = SendHours()
    """When customer mail goes out, on each customer's own clock (a plan may have its own)."""
    team_hours: SendHours = SendHours()
    """When flags go to people, on the team's clock, on weekdays unless `every_day`."""


class Rules(Frozen):
    plans: dict[str, Plan]
    messages: Messages
    sending: SendingPolicy = SendingPolicy()
    hand_off_owners: tuple[Person, ...] = ()
    changes_need_approval: bool = False
    """`Rule changes need approval.`: an edit waits for Apply (engine.rulebook)."""
    source: str = "rules.md"
    text: str = ""
    text_hash: str = ""

    def people(self) -> list[Person]:
        """The plans' owners, then the hand-off owners, as the doc names them."""
        return [plan.owner for plan in self.plans.values()] + list(self.hand_off_owners)


class RulesError(Frozen):
    line: int
    message: str

    def render(self, path: str) -> str:
        return f"{path}:{self.line}: {self.message}"
