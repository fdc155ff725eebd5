"""Twelve days of a workspace made for the weekly digest: STUCK* customers never act, PAUSED is
paused and HANDED handed off on day 1, FAST does each step the day after it lands; ticks run
every morning. What the digest then lists is known row by row."""

from __future__ import annotations

from datetime import timedelta

from workspace import Workspace, nine_am

from engine.actions import hand_off, mark_done, pause
from engine.guide import Guide
from engine.tick import tick

DAY0 = nine_am("2026-11-02")
DAYS = 12


def run_story(ws: Workspace) -> Guide:
    guide = ws.guide()
    for day in range(DAYS):
        now = DAY0 + timedelta(days=day)
        if day == 1:
            pause(guide, "PAUSED", "migrating, back in Q1", "dana", now)
            hand_off(guide, "HANDED", "Sam Ortiz", "big account", "dana", now)
        if day in (1, 3, 8):
            step = {1: "welcome", 3: "setup", 8: "check-in"}[day]
            mark_done(guide, "FAST", step, now, "customer")
        tick(guide, now)
    return guide
