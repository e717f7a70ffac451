"""Which week a digest covers and when it is due: pure functions of time and workspace settings.

A digest is due once its scheduled moment (e.g. Monday 09:00 local) has passed and until a grace window
closes; the job runs every few minutes, so a bot that was down at 09:00 catches up when it starts, and a
changed schedule takes effect without a restart. Exactly-once comes from claiming the period in the
database, not from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import UserFacingError
from bot.domain.settings import DAYS

GRACE = timedelta(hours=12)
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)


@dataclass(frozen=True)
class Week:
    """An ISO week in a workspace's time zone, with its bounds in UTC."""

    label: str  # "2026-W47"
    start: datetime  # Monday 00:00 local, as UTC
    end: datetime  # next Monday 00:00 local, as UTC
    tz: ZoneInfo = field(compare=False, repr=False)

    def previous(self, weeks: int = 1) -> Week:
        """The week `weeks` before this one (by calendar, so DST changes do not shift it)."""
        monday = self.start.astimezone(self.tz).date() - timedelta(weeks=weeks)
        return _week_starting(monday, self.tz)


def week_of(when: datetime, tz: ZoneInfo) -> Week:
    """The ISO week containing `when`, as seen in time zone `tz`."""
    local = when.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return _week_starting(monday, tz)


def _week_starting(monday: date, tz: ZoneInfo) -> Week:
    start = datetime.combine(monday, time(0), tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tz)
    year, number, _ = monday.isocalendar()
    return Week(f"{year}-W{number:02d}", start.astimezone(UTC), end.astimezone(UTC), tz)


def parse_week(arg: str, now: datetime, tz: ZoneInfo) -> Week:
    """A week named by a person: '' or 'this-week' (so far), 'last-week', or an ISO week '2026-W45'."""
    text = arg.strip().lower()
    if text in ("", "this-week", "now"):
        return week_of(now, tz)
    if text == "last-week":
        return week_of(now - timedelta(days=7), tz)
    match = _ISO_WEEK.match(text)
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        try:
            monday = date.fromisocalendar(year, number, 1)
        except ValueError:
            raise UserFacingError(f"{arg.strip()} is not a week of {year}.") from None
        week = _week_starting(monday, tz)
        if week.start > now:
            raise UserFacingError(f"{week.label} has not started yet.")
        return week
    raise UserFacingError(
        f"I don't know the week {arg.strip()[:40]!r}. "
        "Try `last-week`, `this-week` or an ISO week like 2026-W45."
    )


def scheduled_moment(now: datetime, tz: ZoneInfo, day: str, at: str) -> datetime:
    """The most recent scheduled digest moment at or before `now` (as UTC)."""
    local = now.astimezone(tz)
    hours, minutes = (int(p) for p in at.split(":"))
    days_back = (local.weekday() - DAYS.index(day)) % 7
    candidate = datetime.combine(local.date() - timedelta(days=days_back), time(hours, minutes), tz)
    if candidate > local:
        candidate -= timedelta(days=7)
    return candidate.astimezone(UTC)


def due_week(now: datetime, tz: ZoneInfo, day: str, at: str, grace: timedelta = GRACE) -> Week | None:
    """The week whose digest is due now, or None outside the grace window after the scheduled moment.

    The digest covers the ISO week of the day before the moment: a Monday 09:00 digest covers the week
    that just ended; a Friday 16:00 digest covers the week so far.
    """
    moment = scheduled_moment(now, tz, day, at)
    if now - moment > grace:
        return None
    return week_of(moment - timedelta(days=1), tz)
