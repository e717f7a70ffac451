"""WorkspaceSettings: what owners change in Slack. Anything not stored falls back to the default here
(and, for time zone and owners, to EnvConfig). How each field is shown and checked: `settings_fields.py`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.actor import Actor
from bot.domain.errors import UserFacingError

DEFAULT_VALUES = (
    "active-listening",
    "perspective-taking",
    "emotional-understanding",
    "communicating-understanding",
    "anticipated-a-need",
    "owned-it",
    "extra-mile",
    "calmed-a-tense-moment",
    "spoke-up",
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkspaceSettings:
    """Every setting of one workspace, resolved (stored value or default)."""

    timezone: str = "UTC"
    owners: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    work_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    work_start: str = "09:00"
    work_end: str = "17:30"
    feedback_channel: str | None = None
    escalation_channel: str | None = None
    positive_threshold: float = 0.1
    negative_threshold: float = -0.1
    sla_hours: float = 4.0
    follow_up_days: int = 3
    keep_pii: bool = False
    kudos_channel: str | None = None
    kudos_emoji: str = "heart_hands"
    kudos_daily_limit: int = 5
    kudos_paused: tuple[str, ...] = ()
    values: tuple[str, ...] = DEFAULT_VALUES
    show_monthly_recognition: bool = False
    fairness_nudges: bool = True
    pulse_min_responses: int = 5
    pulse_comment_min_responses: int = 5
    digest_channel: str | None = None
    digest_day: str = "mon"
    digest_time: str = "09:00"
    digest_dm_managers: bool = False
    feedback_retention_days: int = 365
    comment_retention_days: int = 365
    speakup_channel: str | None = None
    speakup_receivers: tuple[str, ...] = ()
    speakup_topics: tuple[str, ...] = ("workload", "customers", "safety", "ideas", "other")
    speakup_delay_min_minutes: int = 5
    speakup_delay_max_minutes: int = 30

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_time(self, when: datetime) -> bool:
        """Quiet hours: False outside work days and hours in the workspace time zone."""
        local = when.astimezone(self.tz)
        if DAYS[local.weekday()] not in self.work_days:
            return False
        return _hhmm(self.work_start) <= local.time() < _hhmm(self.work_end)


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def with_changes(current: WorkspaceSettings, clean: dict[str, Any]) -> WorkspaceSettings:
    """`current` with the clean values of `validate` applied (lists become the tuples the record holds)."""
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in clean.items()}
    return replace(current, **values)


@dataclass(frozen=True)
class PendingSave:
    """A settings form an owner submitted that moves channels: checked, not yet stored. Slack is asked
    whether the bot can post in `channels` (field -> channel id) before it is."""

    actor: Actor
    changes: dict[str, Any]
    channels: dict[str, str]
    current: WorkspaceSettings


@dataclass(frozen=True)
class ChannelCheckOutcome:
    """A settings form saved after Slack was asked about its new channels: the refused channel fields
    with their problem, whether the rest of the form was stored, and the form as the owner entered it
    (shown again, with the problems, when there are any)."""

    problems: dict[str, str]
    rest_saved: bool
    entered: WorkspaceSettings


class SettingsInvalid(UserFacingError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
