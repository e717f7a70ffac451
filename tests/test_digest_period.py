"""Digest periods: ISO weeks in the workspace time zone, due once the scheduled moment passed."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.digest_period import due_week, parse_week, scheduled_moment, week_of
from bot.domain.errors import UserFacingError

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_1030_BERLIN = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


def test_week_bounds_are_local_midnights_in_utc() -> None:
    week = week_of(MONDAY_1030_BERLIN, BERLIN)
    assert week.label == "2026-W47"
    assert week.start == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    assert week.end == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert week.previous().label == "2026-W46"
    assert week.previous(8).label == "2026-W39"


def test_previous_week_across_the_dst_change_keeps_local_midnight() -> None:
    week = week_of(datetime(2026, 11, 2, 12, tzinfo=UTC), BERLIN).previous()  # W44 -> W44 is 26 Oct
    assert week.label == "2026-W44"
    assert week.start == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_a_bot_started_at_1030_after_missing_0900_finds_last_week_due() -> None:
    week = due_week(MONDAY_1030_BERLIN, BERLIN, "mon", "09:00")
    assert week is not None and week.label == "2026-W46"


def test_nothing_is_due_before_the_moment_or_after_the_grace_window() -> None:
    before = datetime(2026, 11, 16, 7, 59, tzinfo=UTC)  # 08:59 Berlin: last week's moment is 7 days old
    assert due_week(before, BERLIN, "mon", "09:00") is None
    late = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert due_week(late, BERLIN, "mon", "09:00") is None


def test_scheduled_moment_follows_the_configured_day_and_time() -> None:
    assert scheduled_moment(MONDAY_1030_BERLIN, BERLIN, "fri", "16:00") == datetime(
        2026, 11, 13, 15, 0, tzinfo=UTC
    )
    friday = due_week(datetime(2026, 11, 20, 15, 5, tzinfo=UTC), BERLIN, "fri", "16:00")
    assert friday is not None and friday.label == "2026-W47"


@pytest.mark.parametrize(
    ("arg", "label"),
    [("", "2026-W47"), ("last-week", "2026-W46"), ("2026-W45", "2026-W45"), ("2026w45", "2026-W45")],
)
def test_people_name_weeks(arg: str, label: str) -> None:
    assert parse_week(arg, MONDAY_1030_BERLIN, BERLIN).label == label


@pytest.mark.parametrize(
    ("arg", "message"),
    [("2026-W60", "not a week"), ("2027-W01", "has not started"), ("yesterday", "I don't know the week")],
)
def test_bad_weeks_get_a_clear_message(arg: str, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        parse_week(arg, MONDAY_1030_BERLIN, BERLIN)
