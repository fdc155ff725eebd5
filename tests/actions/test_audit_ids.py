"""Audit ids sort by time in UTC, whatever clock an action's time was read on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from engine.audit import new_audit_id

ZONES = ["UTC", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati", "Etc/GMT+12"]


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=3)),
    st.sampled_from(ZONES),
    st.sampled_from(ZONES),
)
def test_a_later_action_has_a_later_id_on_any_clocks(
    first: datetime, gap: timedelta, zone_a: str, zone_b: str
) -> None:
    at = first.replace(tzinfo=UTC)
    earlier = new_audit_id(at.astimezone(ZoneInfo(zone_a)))
    later = new_audit_id((at + gap).astimezone(ZoneInfo(zone_b)))
    assert earlier.split("-")[0] < later.split("-")[0]
    assert earlier.startswith(at.strftime("%Y%m%dT%H%M%S"))
