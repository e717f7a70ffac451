"""Pulse surveys: the launch draft, the records services return and send, and the pure rules of a round."""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from bot.domain.errors import FieldError
from bot.domain.pulse_questions import Question
from bot.domain.pulse_stats import SurveyInfo, SurveyResults

RECURRENCES = ("none", "weekly", "biweekly", "monthly")
MIN_OPEN = timedelta(hours=1)
MAX_OPEN = timedelta(days=30)
MAX_TEXT_ANSWER = 2000
RESPONSE_NOTE_DUE_DAYS = 14  # a closed survey with no response note after this shows in the digest
RESPONSE_NOTE_NAG_DAYS = 56  # ... until this long after it closed


class SurveyInvalid(FieldError):
    """A launch or response note that cannot go ahead; `field` names the modal input it belongs to."""


@dataclass(frozen=True)
class SurveyDraft:
    title: str
    template: str
    questions: list[Question]
    audience: dict[str, Any]
    anonymous: bool
    closes_at: datetime
    reminders: int = 1
    recurrence: str = "none"


@dataclass(frozen=True)
class Answered:
    """What the person's DM shows after an answer: their own choices, and the token to change them."""

    survey: SurveyInfo
    token: str
    answers: dict[str, Any]
    comments: dict[str, str] = field(default_factory=dict)


# What the pulse services ask the notifier to send (rendered by bot/notify/pulse.py).


@dataclass(frozen=True)
class Invitation:
    """The DM asking a person to answer a survey."""

    survey: SurveyInfo


@dataclass(frozen=True)
class InvitationPosted:
    """Receipt: Slack accepted the invitation to `user_id` (its channel and ts are then recorded)."""

    survey_id: int
    user_id: str


INVITATION_POSTED = "pulse.invitation_posted"


@dataclass(frozen=True)
class InvitationClosed:
    """What an invitation DM becomes when its survey closes: no buttons, a thank-you."""

    survey: SurveyInfo


@dataclass(frozen=True)
class Reminder:
    """The DM reminding a person who has not answered yet."""

    survey: SurveyInfo


@dataclass(frozen=True)
class LaunchConfirmed:
    """To the owner, once the audience is known and the invitations are queued: how many were asked, and
    how many were left out because they are away or were already asked this week (another series)."""

    survey_id: int
    invited: int
    anonymous: bool
    away: int = 0
    asked_this_week: int = 0
    round: int = 1


@dataclass(frozen=True)
class NoteSkipped:
    """To everyone asked: the owner chose not to share a response note for this survey."""

    survey: SurveyInfo


@dataclass(frozen=True)
class NoteNeeded:
    """To the owner: a series' next round waits for a response note (or a skip) on the last round."""

    survey: SurveyInfo


@dataclass(frozen=True)
class FatigueWarning:
    """To the owner, once per series: participation fell two rounds running; the options."""

    survey: SurveyInfo
    rates: tuple[int, ...]  # % of those asked who took part, oldest round first


@dataclass(frozen=True)
class LaunchRefused:
    """To the owner, when a stored launch could not go out (nobody was asked)."""

    survey_id: int
    title: str
    reason: str


class AudienceRefused(Exception):
    """Slack refused to say who is in an audience (not in the channel, no such group...): `reason` says
    why in words for the owner. Nothing is sent for that launch."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AudienceUnavailable(Exception):
    """Slack could not be asked right now (rate limit, outage): try again on the next run."""


@dataclass(frozen=True)
class ResultsReport:
    """A closed survey's results, to its owner and the digest channel."""

    results: SurveyResults


@dataclass(frozen=True)
class ResponseNote:
    """The owner's "you said, we're doing", to everyone who was asked."""

    survey: SurveyInfo
    text: str
    owner_id: str


def add_period(when: datetime, recurrence: str, tz: tzinfo = UTC) -> datetime:
    """`when` plus one period, counted on the wall clock of `tz` (the workspace's time zone), so a weekly
    round launched Monday 10:00 local is due Monday 10:00 local across a DST change; returned in UTC."""
    local = when.astimezone(tz).replace(tzinfo=None)
    if recurrence == "weekly":
        local += timedelta(weeks=1)
    elif recurrence == "biweekly":
        local += timedelta(weeks=2)
    elif recurrence == "monthly":
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        local = local.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))
    else:
        raise ValueError(f"no period for recurrence {recurrence!r}")
    return local.replace(tzinfo=tz).astimezone(UTC)


def reminder_times(created_at: datetime, closes_at: datetime, count: int) -> list[datetime]:
    """One reminder a day before closing; a second one halfway. Only times after the launch count."""
    times = [closes_at - timedelta(days=1)]
    if count >= 2:
        times.insert(0, created_at + (closes_at - created_at) / 2)
    return [t for t in times[:count] if t > created_at] if count else []


def launch_problem(draft: SurveyDraft, now: datetime) -> SurveyInvalid | None:
    """What is wrong with a draft's closing time or recurrence, if anything (audience: see below)."""
    if draft.closes_at < now + MIN_OPEN:
        return SurveyInvalid("closes", "Give people at least an hour: pick a closing time later than that.")
    if draft.closes_at > now + MAX_OPEN:
        return SurveyInvalid("closes", "A pulse closes within 30 days; pick an earlier closing time.")
    if draft.recurrence not in RECURRENCES:
        return SurveyInvalid("recurrence", f"Unknown recurrence {draft.recurrence!r}.")
    return None


def audience_problem(
    anonymous: bool, invited: int, minimum: int, pooled: bool = False
) -> SurveyInvalid | None:
    """Why an audience of `invited` people cannot be asked, if it cannot. A recurring anonymous survey
    (`pooled`) may ask a smaller team, down to POOL_FLOOR: its rounds are pooled until they reach the
    minimum (see bot/domain/pulse_pool.py)."""
    if pooled and anonymous and invited >= POOL_FLOOR:
        minimum = min(minimum, POOL_FLOOR)
    if not invited:
        return SurveyInvalid(
            "audience", "Nobody to ask: that audience has no people in it (bots are left out)."
        )
    if anonymous and invited < minimum:
        return SurveyInvalid(
            "audience",
            f"An anonymous survey needs an audience of at least {minimum} people, because results are "
            f"only shown once {minimum} have answered; this audience has {invited}. Choose a "
            "larger channel or group, or untick “Anonymous” to run an attributed survey (answers carry "
            "names, and the invitation says so).",
        )
    return None


def token_hash(token: str) -> str:
    """What is stored of a person's answer token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def apply_answer(
    answers: dict[str, Any], comments: dict[str, str], question: Question, value: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers and comments after one more answer (an empty text removes that comment)."""
    if question.scored:
        answers[question.key] = value
    elif value:
        comments[question.key] = value
    else:
        comments.pop(question.key, None)
    return answers, comments


MAX_AWAY_DAYS = 366
POOL_FLOOR = 3  # the smallest team a pooled (recurring anonymous) survey asks
PER_PERSON_GAP = timedelta(days=7)  # at most one survey per person per week across series


def participation_falling(rates: list[int]) -> bool:
    """Participation fell two rounds running (the last three rounds, each lower than the one before)."""
    return len(rates) >= 3 and rates[-3] > rates[-2] > rates[-1]


def participation_rate(responded: int, invited: int) -> int:
    return round(100 * responded / invited) if invited else 0
