"""Speak up: records and pure rules of anonymous two-way conversations between a member and leadership.

Nothing here knows the sender: services hand in what the rules need (counts, times, a random source).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.errors import FieldError
from bot.domain.pii import mask_pii
from bot.domain.settings import WorkspaceSettings

DEFAULT_TOPICS = ("workload", "customers", "safety", "ideas", "other")
MAX_TEXT = 3000  # one Slack modal input holds at most 3000 characters
DAILY_LIMIT = 3  # new conversations per sender per day
FLAGS_TO_BLOCK = 2  # flags by different receivers that stop a sender
QUIET_STEP = timedelta(minutes=15)
QUIET_SEARCH = timedelta(days=14)

# Conversation states, in the order they usually happen.
OPEN, ACKNOWLEDGED, RESOLVED, CLOSED = "open", "acknowledged", "resolved", "closed"
# Who wrote a message: the member who spoke up, or one of the receivers (leadership).
SENDER, RECEIVER = "sender", "receiver"


class SpeakupRefused(FieldError):
    """A conversation or reply that breaks a rule; `field` points at the modal input it is about."""


@dataclass(frozen=True)
class Draft:
    """What the member wrote in the modal, checked."""

    text: str
    topic: str
    named: bool


@dataclass(frozen=True)
class Setup:
    """What the modal tells a member before they write: who receives, the topics, delays, retention."""

    topics: tuple[str, ...]
    channel: str | None
    receivers: tuple[str, ...]
    delay_min_minutes: int
    delay_max_minutes: int
    retention_days: int

    @property
    def ready(self) -> bool:
        return bool(self.channel or self.receivers)


def setup_of(ws: WorkspaceSettings) -> Setup:
    low, high = sorted((ws.speakup_delay_min_minutes, ws.speakup_delay_max_minutes))
    return Setup(
        ws.speakup_topics, ws.speakup_channel, ws.speakup_receivers, low, high, ws.comment_retention_days
    )


@dataclass(frozen=True)
class Conversation:
    """A conversation as receivers see it: never who sent it, unless `sender` is set (they chose so)."""

    id: int
    topic: str
    text: str
    status: str
    sender: str | None = None  # the member's user id, only when they chose to give their name
    share_requested: bool = False
    shared: bool = False
    flagged: bool = False


@dataclass(frozen=True)
class SpeakupCard:
    """The leadership card of a conversation (posted in the receivers' channel or DMs)."""

    conversation: Conversation


@dataclass(frozen=True)
class ThreadReply:
    """A message in a card's thread: the member's words (`from_sender`) or a receiver's reply."""

    conversation_id: int
    text: str
    from_sender: bool
    sender: str | None = None  # named conversations show the member's name instead of "Anonymous"
    author: str | None = None  # the receiver who replied (their own words, shown to other receivers)


@dataclass(frozen=True)
class ThreadNote:
    """A line in a card's thread about what happened (closed by the member, agreed to share, flagged)."""

    conversation_id: int
    event: str  # closed | shared | flagged | blocked


@dataclass(frozen=True)
class Started:
    """What the member hears right after sending: when it will reach the receivers, roughly."""

    conversation_id: int
    named: bool
    left_today: int


@dataclass(frozen=True)
class ReplyToSender:
    """A receiver's reply, relayed to the member's DM with a Reply button."""

    conversation_id: int
    topic: str
    text: str


@dataclass(frozen=True)
class StatusToSender:
    """A state change the member hears about: acknowledged, resolved, or a request to share."""

    conversation_id: int
    topic: str
    status: str  # acknowledged | resolved | share_requested


@dataclass(frozen=True)
class FlagToOwner:
    """A receiver flagged a conversation as abusive: owners hear it (never who the sender is)."""

    conversation_id: int
    topic: str
    text: str
    blocked: bool


@dataclass(frozen=True)
class SharedStory:
    """A conversation the member agreed to share as "you said, we did"."""

    conversation_id: int
    topic: str
    text: str


@dataclass(frozen=True)
class TopicCount:
    topic: str
    count: int


@dataclass(frozen=True)
class SpeakupSummary:
    """Counts for the digest: never texts, except those shared with consent."""

    start: date
    end: date
    total: int
    by_topic: tuple[TopicCount, ...]
    replied: int
    median_days_to_first_reply: float | None
    shared: tuple[SharedStory, ...] = ()


# --- rules ---------------------------------------------------------------------------------------------


def check_draft(text: str, topic: str, named: bool, topics: tuple[str, ...]) -> Draft:
    """The member's words and choices, or a SpeakupRefused naming the input to fix (nothing is stored)."""
    cleaned = text.strip()
    if not cleaned:
        raise SpeakupRefused("message", "Please write what you want to say.")
    if len(cleaned) > MAX_TEXT:
        raise SpeakupRefused(
            "message",
            f"That is {len(cleaned):,} characters; the limit is {MAX_TEXT:,}. "
            "Please shorten it, or send the rest as a reply once the conversation has started.",
        )
    if topic not in topics:
        raise SpeakupRefused("topic", "Please pick one of the topics.")
    return Draft(cleaned, topic, named)


def check_reply(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise SpeakupRefused("reply", "Please write a reply.")
    if len(cleaned) > MAX_TEXT:
        raise SpeakupRefused(
            "reply", f"That is {len(cleaned):,} characters; the limit is {MAX_TEXT:,}. Please shorten it."
        )
    return cleaned


def masked(text: str) -> str:
    """Third parties' emails and phone numbers masked, as in customer feedback."""
    return mask_pii(text)


def day_of(when: datetime, ws: WorkspaceSettings) -> date:
    """Stored times are days (in the workspace's time zone): a time of day could point at a person."""
    return when.astimezone(ws.tz).date()


def within_daily_limit(sent_today: int, limit: int = DAILY_LIMIT) -> bool:
    return sent_today < limit


def relay_delay(rng: random.Random, minimum_minutes: int, maximum_minutes: int) -> timedelta:
    """A random delay between the bounds (whole seconds), so a relay's time does not tell when it was sent."""
    low, high = sorted((max(minimum_minutes, 0), max(maximum_minutes, 0)))
    return timedelta(seconds=rng.randint(low * 60, high * 60))


def next_working_time(when: datetime, ws: WorkspaceSettings) -> datetime:
    """`when` if it is working time, else the first working quarter hour after it (quiet hours respected).

    Quiet hours are the workspace's (receivers and members share the workspace's working hours and time
    zone). With no working time at all in the next two weeks, `when` is kept: better late than never."""
    if ws.is_working_time(when):
        return when
    candidate = when.replace(second=0, microsecond=0)
    candidate += timedelta(minutes=15 - candidate.minute % 15)
    end = when + QUIET_SEARCH
    while candidate < end:
        if ws.is_working_time(candidate):
            return candidate
        candidate += QUIET_STEP
    return when


def relay_time(now: datetime, ws: WorkspaceSettings, rng: random.Random) -> datetime:
    """When a message written now is relayed: after the random delay, never in quiet hours."""
    delay = relay_delay(rng, ws.speakup_delay_min_minutes, ws.speakup_delay_max_minutes)
    return next_working_time(now + delay, ws)


def median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
