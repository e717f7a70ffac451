"""Peer recognition: recognitions and what is said about them, and the pure rules of giving kudos."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from bot.domain.errors import FieldError

BENEFICIARIES = ("customer", "colleague", "community")
WITHDRAW_WINDOW = timedelta(minutes=10)
PENDING_LAPSES = timedelta(days=7)  # a reaction kudos with no why by then was never meant: it is dropped
FAIRNESS_WEEKS = 6
MAX_GROUP_SIZE = 50
PENDING, POSTED, WITHDRAWN = "pending", "posted", "withdrawn"

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")
_BROADCAST = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_CHANNEL_TAG = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_TAG = re.compile(r"(?<![\w&/])#([A-Za-z][A-Za-z0-9_-]*)")
_BARE_AT = re.compile(r"(?<![\w<|])@([A-Za-z0-9][\w.-]*)")
_CONNECTOR = re.compile(r"^(?:for|because|since|[:,\-–—])\s*", re.IGNORECASE)


class KudosRefused(FieldError):
    """A kudos that breaks a rule; `field` says which part of the modal to point at ("users", "story",
    "values", "beneficiary")."""


@dataclass(frozen=True)
class Person:
    """What Slack says about a user (users.info), as far as the rules need it."""

    id: str
    found: bool = True
    is_bot: bool = False
    deleted: bool = False
    name: str = ""


@dataclass(frozen=True)
class ParsedKudos:
    users: tuple[str, ...]
    groups: tuple[str, ...]
    values: tuple[str, ...]
    reason: str
    broadcast: bool = False
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recognition:
    """One kudos record: who recognised whom, why, and how many added their voice."""

    id: int
    giver: str
    receivers: tuple[str, ...]
    reason: str | None
    impact: str | None
    values: tuple[str, ...]
    beneficiary: str
    status: str
    source: str
    plus_ones: int = 0
    permalink: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Allowance:
    limit: int
    used: int
    resets_at: datetime  # next local midnight, as UTC
    timezone: str

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


@dataclass(frozen=True)
class KudosHome:
    month_label: str
    received: int
    given: int
    my_values: tuple[tuple[str, int], ...]
    latest: tuple[Recognition, ...]
    allowance: Allowance
    team_values: tuple[tuple[str, int], ...] | None = None  # only when owners turned it on


@dataclass(frozen=True)
class GiveResult:
    kudos: Recognition
    created: bool
    card_channel: str | None
    remaining: int


@dataclass(frozen=True)
class ReactionResult:
    """created: recognised now; duplicate: this event or this reaction was seen before; refused: why not."""

    outcome: str
    kudos_id: int | None = None
    refusal: str | None = None
    remaining: int = 0


@dataclass(frozen=True)
class ValueCount:
    value: str
    count: int


@dataclass(frozen=True)
class PersonCount:
    user_id: str
    given: int
    received: int


@dataclass(frozen=True)
class KudosSummary:
    """Recognition in a period, for the digest: counts by value and by person, and a few stories."""

    start: datetime
    end: datetime
    total: int
    people_recognised: int
    by_value: tuple[ValueCount, ...]
    by_person: tuple[PersonCount, ...]
    highlights: tuple[Recognition, ...]


# What the kudos capability asks to have sent (rendered by bot/notify/kudos.py)


@dataclass(frozen=True)
class KudosCard:
    """The recognition's message in the kudos channel (posted, or updated when people add their voice)."""

    recognition: Recognition


@dataclass(frozen=True)
class KudosDM:
    """What one receiver is told, and where the card went (None: no kudos channel)."""

    recognition: Recognition
    receiver: str
    card_channel: str | None


@dataclass(frozen=True)
class PraiseOffer:
    """To whoever handled customer praise: send kudos to the person it names, in one click."""

    feedback_id: int
    receiver: str
    customer: str | None
    excerpt: str


@dataclass(frozen=True)
class ResolutionOffer:
    """To whoever resolved feedback someone else had taken on: recognise the owner's work, in one click.

    Not praise: the customer's words are a complaint (or a question), never quoted as if they thanked
    anyone; the offer says what happened (it was resolved) and whose work it recognises.
    """

    feedback_id: int
    owner: str
    customer: str | None
    complaint: bool  # negative feedback, called a complaint; anything else is "feedback"


@dataclass(frozen=True)
class FairnessNote:
    """Private, to one manager: the teammates nobody recognised in the last `weeks` weeks."""

    names: tuple[str, ...]
    weeks: int


@dataclass(frozen=True)
class KudosCardPosted:
    """Receipt of a kudos card's post: the card's channel and ts are recorded on the recognition."""

    recognition_id: int


# Pure rules


def parse_kudos_text(raw: str) -> ParsedKudos:
    """Split `/kudos` text (as Slack sends it with should_escape) into people, groups, values and the why."""
    users = tuple(dict.fromkeys(_MENTION.findall(raw)))
    groups = tuple(dict.fromkeys(_GROUP.findall(raw)))
    broadcast = bool(_BROADCAST.search(raw))
    rest = _BROADCAST.sub(" ", _GROUP.sub(" ", _MENTION.sub(" ", raw)))
    rest = _CHANNEL_TAG.sub(lambda m: " #" + m.group(1), rest)
    values = tuple(dict.fromkeys(v.lower() for v in _TAG.findall(rest)))
    rest = _TAG.sub(" ", rest)
    unresolved = tuple(dict.fromkeys(_BARE_AT.findall(rest)))
    reason = " ".join(html.unescape(rest).split())
    reason = _CONNECTOR.sub("", reason).strip()
    reason = re.sub(r"\s+([.,;:!?])", r"\1", reason).strip(" ,;:-")
    return ParsedKudos(users, groups, values, reason, broadcast, unresolved)


def infer_beneficiary(reason: str) -> str:
    """Who benefited, read from the words of a quick /kudos (the modal asks explicitly)."""
    lowered = reason.lower()
    if re.search(r"\b(customers?|clients?|buyers?|patients?|guests?)\b", lowered):
        return "customer"
    if re.search(r"\b(community|neighbou?rs?|volunteer\w*)\b", lowered):
        return "community"
    return "colleague"


def receivers_from(
    parsed_users: Sequence[str],
    group_members: Iterable[str],
    people: Mapping[str, Person],
    giver: str,
    bot_user_id: str | None,
) -> tuple[str, ...]:
    """People named directly, then user-group members (minus the giver, and bots or deactivated accounts
    where `people` knows them).

    Direct mentions keep every rule (self and bots are refused with a reason); a group is expanded to the
    people in it who can be recognised. Group members are not looked up one by one before ack() (Slack
    already drops deactivated accounts from user groups), so `people` may not know them.
    """
    chosen = list(dict.fromkeys(parsed_users))
    for member in group_members:
        person = people.get(member)
        if member in (giver, bot_user_id) or member in chosen:
            continue
        if person is not None and (not person.found or person.is_bot or person.deleted):
            continue
        chosen.append(member)
    return tuple(chosen)


def check_people(
    giver: str, receivers: Sequence[str], people: Mapping[str, Person], bot_user_id: str | None
) -> None:
    """Someone else, a person, found and active: raise KudosRefused otherwise."""
    if not receivers:
        raise KudosRefused("users", "Who would you like to recognise? Mention them: `/kudos @name for …`.")
    if giver in receivers:
        raise KudosRefused(
            "users",
            "Kudos are for noticing someone else, so you can't give them to yourself. "
            "Proud of something? Tell your manager, or ask a teammate what they saw.",
        )
    for user in receivers:
        person = people.get(user, Person(user))
        if user == bot_user_id or person.is_bot:
            raise KudosRefused(
                "users", f"<@{user}> is a bot. Kudos are for people; thank the humans behind it instead."
            )
        if not person.found:
            raise KudosRefused("users", f"I couldn't find <@{user}> in this workspace.")
        if person.deleted:
            raise KudosRefused("users", f"<@{user}>'s account is deactivated, so they can't receive kudos.")


def check_story(known_values: Sequence[str], reason: str, values: Sequence[str], beneficiary: str) -> None:
    """A why, values the company has, and who benefited: raise KudosRefused otherwise."""
    if not reason.strip():
        raise KudosRefused(
            "story",
            "Please add the why: what did they do? A kudos without a story teaches nothing. "
            "For example: `/kudos @ana for calling back the customer whose order was lost #extra-mile`.",
        )
    unknown = [v for v in values if v not in known_values]
    if unknown:
        listed = ", ".join(f"`#{v}`" for v in known_values)
        raise KudosRefused("values", f"`#{unknown[0][:40]}` isn't one of our values. Pick from: {listed}.")
    if beneficiary not in BENEFICIARIES:
        raise KudosRefused("beneficiary", "Who benefited: a customer, a colleague or the community?")


def day_bounds(now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """Local midnight today and tomorrow: the daily allowance's day."""
    today = now.astimezone(tz).date()
    return datetime.combine(today, time(0), tz), datetime.combine(today + timedelta(days=1), time(0), tz)


def month_start(now: datetime, tz: tzinfo) -> datetime:
    return datetime.combine(now.astimezone(tz).date().replace(day=1), time(0), tz)


def month_label(now: datetime, tz: tzinfo) -> str:
    return now.astimezone(tz).strftime("%B %Y")


def allowance_text(allowance: Allowance, wanted: int, now: datetime) -> str:
    """Said kindly, with when it resets (local midnight in the workspace time zone)."""
    hours = max(int((allowance.resets_at - now).total_seconds() // 3600), 0)
    minutes = max(int((allowance.resets_at - now).total_seconds() % 3600 // 60), 0)
    when = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    resets = f"Your allowance resets at midnight ({allowance.timezone}), in {when}."
    if allowance.remaining == 0:
        return (
            f"You've given all {allowance.limit} kudos for today. Thank you for noticing so much! "
            f"{resets} Until then, a direct thank-you message works wonders too."
        )
    return (
        f"You have {allowance.remaining} kudos left today and this one recognises {wanted} people. "
        f"Pick fewer people, or keep the rest for tomorrow. {resets}"
    )


def top_values(values_lists: Iterable[Sequence[str] | None], n: int) -> tuple[tuple[str, int], ...]:
    """The `n` values recognised most often, with their counts."""
    return tuple(Counter(v for values in values_lists for v in values or ()).most_common(n))


def summarise(recognitions: Sequence[Recognition], start: datetime, end: datetime) -> KudosSummary:
    """Counts by value and person, and up to 3 highlighted stories: by how many people added their
    voice, then by how much story they tell."""
    by_value = Counter(v for k in recognitions for v in k.values)
    given: Counter[str] = Counter()
    received: Counter[str] = Counter()
    for k in recognitions:
        given[k.giver] += len(k.receivers)
        received.update(k.receivers)
    people = sorted(set(given) | set(received), key=lambda u: (-received[u], -given[u], u))
    ranked = sorted(
        recognitions,
        key=lambda k: (-k.plus_ones, -len(k.receivers), -len(k.reason or "") - len(k.impact or ""), k.id),
    )
    return KudosSummary(
        start=start,
        end=end,
        total=len(recognitions),
        people_recognised=len(received),
        by_value=tuple(ValueCount(v, n) for v, n in sorted(by_value.items(), key=lambda i: (-i[1], i[0]))),
        by_person=tuple(PersonCount(u, given[u], received[u]) for u in people),
        highlights=tuple(ranked[:3]),
    )
