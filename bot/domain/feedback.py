"""Customer feedback: its records (input, item, rules, routes, cards) and the pure rules applied to them."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from bot.domain import sentiment
from bot.domain.errors import FieldError, UserFacingError
from bot.domain.pii import mask_pii
from bot.domain.settings import DAYS, WorkspaceSettings

MAX_TEXT = 40_000
RULE_KINDS = ("source", "tag", "keyword")
MAX_RULES = 40  # two blocks each in the rules modal (Slack allows 100 blocks per view)
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")
# Where a card goes: the routed channel (main) and, for negative feedback, the escalation channel.
MAIN = "main"
ESCALATION = "escalation"
# Item states; "imported" is history from a CSV import: stored and scored, no card, no reminders.
NEW = "new"
ACKNOWLEDGED = "acknowledged"
TAKEN = "taken"
RESOLVED = "resolved"
IMPORTED = "imported"
STATES = (NEW, ACKNOWLEDGED, TAKEN, RESOLVED)
OPEN_STATES = (NEW, ACKNOWLEDGED, TAKEN)
LABELS = sentiment.LABELS
# What a person may set a label to on the card: the three labels, or "needs a human read".
CORRECTABLE_LABELS = sentiment.JUDGEMENT_LABELS
# Labels that get the SLA reminder: complaints, and items the scorer could not judge (never silently fine).
NEEDS_ANSWER_LABELS = (sentiment.NEGATIVE, sentiment.NEEDS_REVIEW)
# How much of the text a card shows; longer text (measured as the card quotes it) goes whole in its thread.
CARD_TEXT_LIMIT = 1200
SECTION_TEXT_LIMIT = 3000  # Slack's limit for a section's text


class FeedbackInvalid(UserFacingError):
    """The feedback cannot be accepted as given (empty text, no channel to route to, …)."""


class RatingRefused(FieldError, FeedbackInvalid):
    """A rating, or rating scale, that is not on the item's scale: refused, nothing stored."""


class RuleInvalid(FieldError, FeedbackInvalid):
    """A routing rule cannot be saved; `field` (kind, pattern or channel) says which input is wrong."""


@dataclass(frozen=True)
class FeedbackInput:
    source: str
    external_id: str
    text: str
    customer: str | None = None
    rating: float | None = None
    tags: tuple[str, ...] = ()
    received_at: datetime | None = None
    permalink: str | None = None
    # The vendor's rating scale ("1-5", "0-10", "good-bad", "thumbs"); None: the source's declared one.
    rating_scale: str | None = None


def validate_input(data: FeedbackInput) -> FeedbackInput:
    """Normalise an input, raising FeedbackInvalid for anything that cannot be stored."""
    # PostgreSQL text cannot hold NUL characters; they carry nothing a person wrote.
    text = (data.text or "").replace("\x00", "").strip()
    if not text:
        raise FeedbackInvalid("Feedback needs some text.")
    if len(text) > MAX_TEXT:
        raise FeedbackInvalid(f"Feedback text is longer than {MAX_TEXT} characters.")
    source = (data.source or "").strip()
    external_id = (data.external_id or "").strip()
    if "\x00" in source + external_id:
        raise FeedbackInvalid("Feedback source and id cannot contain NUL characters.")
    if not source or len(source) > 64:
        raise FeedbackInvalid("Feedback needs a source name of at most 64 characters.")
    if not external_id or len(external_id) > 255:
        raise FeedbackInvalid("Feedback needs an id of at most 255 characters.")
    if data.rating is not None and not -1e6 < data.rating < 1e6:
        raise FeedbackInvalid("The rating is out of range.")
    tags = tuple(dict.fromkeys(t.strip().lower() for t in data.tags if t and t.strip()))
    customer = (data.customer or "").replace("\x00", "").strip()[:255] or None
    return FeedbackInput(
        source=source,
        external_id=external_id,
        text=text,
        customer=customer,
        rating=data.rating,
        tags=tags,
        received_at=data.received_at,
        permalink=data.permalink,
        rating_scale=data.rating_scale,
    )


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of customer feedback as services return it and cards show it."""

    id: int
    source: str
    text: str
    customer: str | None
    rating: float | None
    tags: tuple[str, ...]
    polarity: float
    label: str
    label_corrected_by: str | None
    rule: str | None
    state: str
    assignee: str | None
    resolution: str | None
    root_cause: str | None
    permalink: str | None = None
    # Where the label came from and why ("from the customer's 1★ rating"), and a strong disagreement of the
    # words with the rating ("the words read positive"); None for items stored before judgements.
    label_source: str | None = None
    label_reason: str | None = None
    disagreement: str | None = None
    acknowledged_by: str | None = None
    resolved_by: str | None = None


@dataclass(frozen=True)
class Route:
    channel_id: str
    rule: str | None
    escalation_channel_id: str | None = None


@dataclass(frozen=True)
class Rule:
    """A routing rule as owners see it: feedback matching kind/pattern goes to channel_id."""

    id: int
    kind: str
    pattern: str
    channel_id: str
    position: int = 0


@dataclass(frozen=True)
class ImportPlan:
    """What a bulk import needs from the database, read once: the workspace settings and routing rules."""

    team_id: str
    settings: WorkspaceSettings
    rules: tuple[Rule, ...]
    post_cards: bool
    # Each webhook source's declared rating scale (by source name), for inputs that name none.
    scales: Mapping[str, str] = field(default_factory=dict)


@dataclass
class BatchResult:
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Change:
    item: FeedbackItem
    changed: bool
    events: list[str] = field(default_factory=list)


# What the feedback services ask to have sent (bot/notify/feedback.py renders each type).


@dataclass(frozen=True)
class FeedbackCard:
    """The card about an item (already masked: see `masked`)."""

    item: FeedbackItem


@dataclass(frozen=True)
class FullTextReply:
    """The whole text in the card's thread, for text the card had to cut (already masked)."""

    item: FeedbackItem


@dataclass(frozen=True)
class SlaReminder:
    """A reminder in the card's thread: negative feedback nobody has answered for `hours` working hours."""

    item: FeedbackItem
    hours: float
    stage: int


@dataclass(frozen=True)
class FollowUpReminder:
    """A DM to whoever resolved an item: check that the fix held (already masked)."""

    item: FeedbackItem


@dataclass(frozen=True)
class CardPosted:
    """Receipt of a posted card: record where it landed (role: main or escalation)."""

    feedback_id: int
    role: str


def masked(item: FeedbackItem) -> FeedbackItem:
    """Slack messages never show customers' emails or phone numbers, whatever the database keeps."""
    return replace(
        item, text=mask_pii(item.text), customer=mask_pii(item.customer) if item.customer else None
    )


def quoted_length(text: str) -> int:
    """Length of `text` as a card quotes it: &, <, > become entities and every line gets a "&gt; " prefix."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    lines = escaped.splitlines() or [""]
    return sum(len(line) + 5 for line in lines) + len(lines) - 1


def fits_on_card(text: str) -> bool:
    """Whether the card can show `text` whole; otherwise it is cut and posted whole in the card's thread."""
    return len(text) <= CARD_TEXT_LIMIT and quoted_length(text) <= SECTION_TEXT_LIMIT


def validate_rule(kind: str, pattern: str, channel_id: str) -> tuple[str, str, str]:
    """A routing rule's (kind, pattern, channel id), normalised, or RuleInvalid naming the wrong field."""
    if kind not in RULE_KINDS:
        raise RuleInvalid("kind", f"A rule matches one of: {', '.join(RULE_KINDS)}.")
    pattern = (pattern or "").strip()
    if not pattern or len(pattern) > 255:
        raise RuleInvalid("pattern", "A rule needs a source, tag or keyword of 1 to 255 characters.")
    if not CHANNEL_ID.match(channel_id or ""):
        raise RuleInvalid("channel", "Pick the channel that matching feedback goes to.")
    return kind, pattern, channel_id


def choose_route(
    rules: Sequence[Rule], ws: WorkspaceSettings, data: FeedbackInput, label: str
) -> Route | None:
    """The first matching rule's channel (else the feedback channel); negatives also escalate."""
    channel, rule_text = ws.feedback_channel, None
    text = data.text.lower()
    for rule in rules:
        pattern = rule.pattern.lower()
        if (
            (rule.kind == "source" and data.source.lower() == pattern)
            or (rule.kind == "tag" and pattern in data.tags)
            or (rule.kind == "keyword" and pattern in text)
        ):
            channel, rule_text = rule.channel_id, f"{rule.kind} “{rule.pattern}”"
            break
    if channel is None:
        return None
    # Only complaints escalate; an item that needs a human read gets the SLA reminder instead.
    escalation = ws.escalation_channel if label == sentiment.NEGATIVE else None
    if escalation == channel:
        escalation = None
    return Route(channel_id=channel, rule=rule_text, escalation_channel_id=escalation)


def business_hours_between(start: datetime, end: datetime, ws: WorkspaceSettings) -> float:
    """Working hours (the workspace's days and hours, in its zone) between two instants."""
    if end <= start:
        return 0.0
    tz = ws.tz
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    open_at, close_at = (time.fromisoformat(ws.work_start), time.fromisoformat(ws.work_end))
    total = 0.0
    while day <= last:
        if DAYS[day.weekday()] in ws.work_days:
            lo = max(start, datetime.combine(day, open_at, tz))
            hi = min(end, datetime.combine(day, close_at, tz))
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return total


def sla_stage(hours: float, sla_hours: float) -> int | None:
    """Which SLA reminder is due after `hours` unanswered working hours: 1, 2 (twice the SLA) or none."""
    if sla_hours <= 0 or hours < sla_hours:
        return None
    return 2 if hours >= 2 * sla_hours else 1


def follow_up_due(resolved_at: datetime | None, now: datetime, follow_up_days: int) -> bool:
    return resolved_at is not None and now >= resolved_at + timedelta(days=follow_up_days)


_MARKUP = re.compile(r"<([!@#])([^<>|]*)(?:\|([^<>]*))?>|<((?:https?|mailto):[^<>|]+)(?:\|([^<>]*))?>")


def readable(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack message markup as a person reads it: <!here> → @here, <@U0GUS|gus> → @gus, <#C1|support> →
    #support, <https://x|site> → site (https://x); &amp; &lt; &gt; undone. `names` names bare user ids."""
    people = names or {}

    def spelled(match: re.Match[str]) -> str:
        kind, target, label, url, url_label = match.groups()
        if url is not None:
            return f"{url_label} ({url})" if url_label and url_label != url else url
        if kind == "!":
            special = target.split("^", 1)[0]
            name = label or (special if special in ("here", "channel", "everyone") else target)
            return name if name.startswith("@") else f"@{name}"
        if kind == "@":
            return f"@{label or people.get(target, target)}"
        return f"#{label or target}"

    return html.unescape(_MARKUP.sub(spelled, text))


def bare_mentions(text: str) -> list[str]:
    """User ids mentioned without a name (<@U123>): the ones a caller must look up to name them."""
    return re.findall(r"<@([UW][A-Z0-9]+)>", text)
