"""Who may act on a customer: one rule for every button, modal, Home tab and `/og` command.

People are named by their chat ids (what the rules doc writes as `<@U…>`; for a person the
doc names by email, the id the bot looked up, see bot/slack/people.py). May act on a
customer: the owner a flag about them was sent to (in a channel or a direct message), the
rules doc's owners and hand-off owners, the settings' allowed users, the members of the flag
channel when there is one, and the admins. An announced edit of the rules doc (Apply, Keep
the old rules) is for the same people, the doc in force naming its owners (the edit cannot make
its own approvers); no flag is about it. Only admins may undo. A pure function: the caller
hands over who the settings and the doc name, and a way to ask the flag channel's members
that it uses only when nothing cheaper decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.plans import Rules

NOT_ON_THE_TEAM = "Only the onboarding team can act on customers; nothing was changed."
NOT_ON_THE_TEAM_FOR_RULES = (
    "Only the onboarding team can apply or dismiss an edit of the rules doc; nothing was changed."
)
NOT_AN_ADMIN = "Only the guide's admins (OG_ADMINS) can undo; nothing was changed."


@dataclass(frozen=True)
class Team:
    """Who may act, as the settings and the rules doc name them."""

    admins: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()
    """OG_ALLOWED_USERS."""
    owners: frozenset[str] = frozenset()
    """The rules doc's plan owners and hand-off owners."""
    flag_channel: str | None = None

    def with_rules(self, rules: Rules | None) -> Team:
        if rules is None:
            return self
        people = [plan.owner for plan in rules.plans.values()] + list(rules.hand_off_owners)
        return Team(
            admins=self.admins,
            allowed=self.allowed,
            owners=frozenset(person.slack_id for person in people if person.slack_id),
            flag_channel=self.flag_channel,
        )


def may_act(
    person: str,
    team: Team,
    *,
    flag_owner: str | None = None,
    in_flag_channel: Callable[[str, str], bool] | None = None,
) -> bool:
    """Whether `person` may act on a customer. `flag_owner`: whom the flag (or Home tab entry)
    acted from was for. `in_flag_channel(channel, person)`: asked last, and only when there
    is a flag channel, since it costs a request."""
    if not person:
        return False
    if person == flag_owner or person in team.admins:
        return True
    if person in team.allowed or person in team.owners:
        return True
    if team.flag_channel is None or in_flag_channel is None:
        return False
    return in_flag_channel(team.flag_channel, person)


def may_undo(person: str, team: Team) -> bool:
    return bool(person) and person in team.admins
