"""The tick announces an edit of the rules doc before acting on it (issue 17): once per text;
with `Rule changes need approval.` in the doc in force, the guide keeps the approved doc until
someone applies the edit (audited, undoable), and keeping the old rules dismisses it until the
doc changes again. On the embedded default (CSV, rules file, SQLite, outbox)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from workspace import RULES, Workspace, nine_am, row

from engine.adapters.memory import RecordingNotifier
from engine.guide import Guide
from engine.outcomes import RulesChangeNotice
from engine.ports import OutcomeUnknownError, SendError
from engine.rulebook import load_rules
from engine.rules_approval import apply_rules, keep_old_rules
from engine.rules_log import entries, standing
from engine.rules_watch import watch_rules
from engine.tick import tick
from engine.undo import undo

APPROVAL = RULES.replace("Send every day.", "Send every day.\nRule changes need approval.")
SOONER = "Nudge after 1 day, flag after 3 more days."
DAY0 = nine_am("2026-11-02")
DAY1 = DAY0 + timedelta(days=1)


def edited(doc: str) -> str:
    """`doc` with the nudge a day sooner: under it, day 1 nudges the welcome."""
    assert doc.count("Nudge after 2 days, flag after 3 more days.") == 1
    return doc.replace("Nudge after 2 days, flag after 3 more days.", SOONER)


class Guided:
    """A workspace of two Starter customers, its guide telling a RecordingNotifier."""

    def __init__(self, root: Path, doc: str) -> None:
        self.ws = Workspace(root, [row("C1"), row("C2")], rules=doc)
        self.notifier = RecordingNotifier()
        self.guide = self.fresh_guide()

    def fresh_guide(self, **config: float) -> Guide:
        guide = self.ws.guide()
        guide.notifier = self.notifier
        guide.config = dataclasses.replace(guide.config, **config)
        return guide

    def edit(self, doc: str) -> None:
        self.ws.rules_path.write_text(doc, encoding="utf-8")

    def nudges(self) -> list[str]:
        return [cid for cid, _, kind in self.ws.sent() if kind == "nudge"]

    @property
    def announced(self) -> list[RulesChangeNotice]:
        return self.notifier.rules_changes


@pytest.fixture
def approval(tmp_path: Path) -> Guided:
    guided = Guided(tmp_path, APPROVAL)
    tick(guided.guide, DAY0)  # welcomes both, and records the doc in force
    return guided


def test_the_first_tick_records_the_doc_and_announces_nothing(approval: Guided) -> None:
    assert approval.announced == []
    (first,) = entries(approval.guide.store)
    assert (first.action, first.actor) == ("first", "guide")
    assert first.after.approval is True


def test_an_edit_waits_for_apply_then_is_in_force_and_undo_goes_back(approval: Guided) -> None:
    approval.edit(edited(APPROVAL))

    report = tick(approval.guide, DAY1)
    (notice,) = approval.announced
    assert notice.needs_approval and notice.open and notice.days == 7
    assert "the nudge of welcome: 2 Starter customers get it a day sooner" in notice.summary
    assert approval.nudges() == []  # the approved doc nudges on day 2, not day 1
    assert report.rules_notes and "waits for approval" in report.rules_notes[0]

    for hour in (1, 2, 3):  # every hour after: no second announcement, still the old rules
        tick(approval.guide, DAY1 + timedelta(hours=hour))
    assert len(approval.announced) == 1 and approval.nudges() == []

    applied = apply_rules(approval.guide, notice.change_id, "U0DANA", DAY1 + timedelta(hours=3))
    assert applied.ok and applied.changed, applied.message
    (newest, *_) = entries(approval.guide.store)
    assert (newest.action, newest.actor) == ("applied", "U0DANA")
    ((reference, settled),) = approval.notifier.rules_updates
    assert reference == f"preview-rules-{notice.change_id}" and not settled.open
    assert [d.action for d in settled.decisions] == ["applied"]

    tick(approval.guide, DAY1 + timedelta(hours=4))
    assert sorted(approval.nudges()) == ["C1", "C2"]  # the edit is in force
    assert len(approval.announced) == 1

    undone = undo(approval.guide, "_rules", "U0ADMIN", DAY1 + timedelta(hours=5))
    assert undone.ok and undone.changed and "waits for Apply" in undone.message
    outcome = load_rules(approval.guide.rules_source, approval.guide.store, remember=False)
    assert outcome.rules is not None and "Nudge after 2 days" in outcome.rules.text
    assert outcome.waiting is not None  # the edit waits again
    (_, again) = approval.notifier.rules_updates[-1]
    assert again.open and [d.action for d in again.decisions] == ["applied", "undo"]
    tick(approval.guide, DAY1 + timedelta(hours=6))
    assert len(approval.announced) == 1  # the same text: not announced again
    assert undo(approval.guide, "_rules", "U0ADMIN", DAY1).message == (
        "nothing to undo for the rules doc"
    )


def test_keep_the_old_rules_dismisses_the_edit_until_the_doc_changes_again(
    approval: Guided,
) -> None:
    approval.edit(edited(APPROVAL))
    tick(approval.guide, DAY1)
    (notice,) = approval.announced

    kept = keep_old_rules(approval.guide, notice.change_id, "U0DANA", DAY1)
    assert kept.ok and kept.changed
    for day in (1, 2, 3):
        report = tick(approval.guide, DAY1 + timedelta(days=day))
    assert len(approval.announced) == 1
    assert "dismissed by U0DANA" in report.rules_notes[0]
    assert approval.nudges() == ["C1", "C2"]  # on day 2, as the approved doc says

    again = keep_old_rules(approval.guide, notice.change_id, "U0LEE", DAY1)
    assert again.ok and not again.changed and "already dismissed" in again.message
    assert apply_rules(approval.guide, notice.change_id, "U0LEE", DAY1).ok is False

    approval.edit(edited(APPROVAL).replace("check-in on day 6", "check-in on day 7"))
    tick(approval.guide, DAY1 + timedelta(days=4))
    assert len(approval.announced) == 2 and approval.announced[1].open


def test_an_edit_back_to_the_approved_text_then_again_is_announced_again(
    approval: Guided,
) -> None:
    approval.edit(edited(APPROVAL))
    tick(approval.guide, DAY1)
    approval.edit(APPROVAL)
    report = tick(approval.guide, DAY1 + timedelta(hours=1))
    assert report.rules_notes == [] and len(approval.announced) == 1
    approval.edit(edited(APPROVAL))
    tick(approval.guide, DAY1 + timedelta(hours=2))
    first, second = approval.announced
    assert second.change_id > first.change_id
    # The first announcement's buttons name an edit that no longer waits.
    stale = apply_rules(approval.guide, first.change_id, "U0DANA", DAY1)
    assert not stale.ok and "no longer waits" in stale.message
    assert apply_rules(approval.guide, second.change_id, "U0DANA", DAY1).changed


def test_a_broken_doc_runs_on_the_approved_doc_not_the_waiting_edit(approval: Guided) -> None:
    approval.edit(edited(APPROVAL))
    tick(approval.guide, DAY1)
    approval.edit(edited(APPROVAL).replace("setup on day 2", "setup on day banana"))

    report = tick(approval.guide, DAY1 + timedelta(hours=1))

    assert report.ran and report.rules_fallback and report.rules_problems
    assert approval.nudges() == [] and len(approval.announced) == 1


def test_taking_the_sentence_out_is_itself_an_edit_that_waits(approval: Guided) -> None:
    approval.edit(edited(RULES))  # no approval sentence, nudges sooner
    tick(approval.guide, DAY1)
    (notice,) = approval.announced
    assert notice.needs_approval and approval.nudges() == []

    apply_rules(approval.guide, None, "U0DANA", DAY1)  # the one waiting
    found = standing(approval.guide.store)
    assert found is not None and found.approval is False

    approval.edit(RULES)  # from now on, an edit is in force at once
    tick(approval.guide, DAY1 + timedelta(days=1))
    assert len(approval.announced) == 2 and not approval.announced[1].needs_approval


def test_without_the_sentence_an_edit_is_announced_once_and_in_force_at_once(
    tmp_path: Path,
) -> None:
    guided = Guided(tmp_path, RULES)
    tick(guided.guide, DAY0)
    guided.edit(edited(RULES))

    report = tick(guided.guide, DAY1)
    tick(guided.guide, DAY1 + timedelta(hours=1))

    (notice,) = guided.announced
    assert not notice.needs_approval and not notice.open and report.rules_notes == []
    assert "the nudge of welcome: 2 Starter customers get it a day sooner" in notice.summary
    assert sorted(guided.nudges()) == ["C1", "C2"]
    assert apply_rules(guided.guide, notice.change_id, "U0DANA", DAY1).ok is False


def test_adding_the_sentence_is_in_force_at_once_and_the_next_edit_waits(
    tmp_path: Path,
) -> None:
    guided = Guided(tmp_path, RULES)
    tick(guided.guide, DAY0)
    guided.edit(APPROVAL)
    tick(guided.guide, DAY0 + timedelta(hours=1))
    guided.edit(edited(APPROVAL))
    tick(guided.guide, DAY1)
    first, second = guided.announced
    assert (first.needs_approval, second.needs_approval) == (False, True)
    assert guided.nudges() == []


class FlakyNotifier(RecordingNotifier):
    def __init__(self, error: SendError) -> None:
        super().__init__()
        self.error: SendError | None = error

    def rules_changed(self, notice: RulesChangeNotice) -> str:
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return super().rules_changed(notice)


def test_an_announcement_that_failed_is_posted_by_the_next_tick(approval: Guided) -> None:
    approval.notifier = FlakyNotifier(SendError("Slack refused it: channel_not_found"))
    approval.guide.notifier = approval.notifier
    approval.edit(edited(APPROVAL))

    report = tick(approval.guide, DAY1)
    assert any("could not be announced" in failure for failure in report.failures)
    assert approval.announced == []
    tick(approval.guide, DAY1 + timedelta(hours=1))
    tick(approval.guide, DAY1 + timedelta(hours=2))
    (notice,) = approval.announced
    assert apply_rules(approval.guide, notice.change_id, "U0DANA", DAY1).changed


def test_an_announcement_that_may_have_gone_is_never_posted_again(approval: Guided) -> None:
    approval.notifier = FlakyNotifier(OutcomeUnknownError("no answer came"))
    approval.guide.notifier = approval.notifier
    approval.edit(edited(APPROVAL))

    tick(approval.guide, DAY1)
    tick(approval.guide, DAY1 + timedelta(hours=1))

    assert approval.announced == []
    assert apply_rules(approval.guide, None, "dana", DAY1).changed  # og rules apply still works


def test_two_ticks_that_read_the_edit_together_announce_it_once(approval: Guided) -> None:
    approval.edit(edited(APPROVAL))
    guide = approval.guide
    first = load_rules(guide.rules_source, guide.store)
    second = load_rules(guide.rules_source, guide.store)

    assert watch_rules(guide, first, DAY1) == []
    assert watch_rules(guide, second, DAY1) == []

    assert len(approval.announced) == 1


def test_an_impact_past_its_time_budget_is_announced_without_it(approval: Guided) -> None:
    guide = approval.fresh_guide(rules_impact_seconds=0.0)
    approval.edit(edited(APPROVAL))

    tick(guide, DAY1)

    (notice,) = approval.announced
    assert notice.summary == () and "took longer than 0 s" in notice.impact_problem
    assert notice.open


def test_a_dry_run_neither_announces_nor_records(approval: Guided) -> None:
    approval.edit(edited(APPROVAL))
    before = [entry.n for entry in entries(approval.guide.store)]

    report = tick(approval.guide, DAY1, dry_run=True)

    assert approval.announced == [] and report.rules_notes
    assert [entry.n for entry in entries(approval.guide.store)] == before


def test_a_failed_announcement_decided_on_the_command_line_is_not_posted_after(
    approval: Guided,
) -> None:
    approval.notifier = FlakyNotifier(SendError("Slack refused it: channel_not_found"))
    approval.guide.notifier = approval.notifier
    approval.edit(edited(APPROVAL))
    tick(approval.guide, DAY1)

    assert apply_rules(approval.guide, None, "dana", DAY1).changed  # og rules apply
    tick(approval.guide, DAY1 + timedelta(hours=1))

    assert approval.announced == [] and sorted(approval.nudges()) == ["C1", "C2"]
