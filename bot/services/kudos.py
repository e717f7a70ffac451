"""Peer recognition: parsing /kudos, the rules, the daily allowance, give/withdraw/+1, stats and fairness."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.errors import NotFound, UserFacingError
from bot.domain.settings import WorkspaceSettings
from bot.notify.outbox import Outbox
from bot.services.settings import SettingsService
from bot.views.kudos import (
    Allowance,
    KudosHome,
    KudosView,
    allowance_text,
    fairness_nudge,
    kudos_card,
    kudos_dm,
    praise_offer,
)
from storage.db import is_postgres
from storage.models import Kudos, KudosPlusOne, KudosRecipient, OutboxMessage
from storage.repositories.common import affected_rows, insert_ignoring_conflicts
from storage.repositories.idempotency import claim_period, first_time, period_claimed

__all__ = [
    "Allowance",
    "KudosHome",
    "KudosRefused",
    "KudosService",
    "KudosSummary",
    "KudosView",
    "ParsedKudos",
    "Person",
    "parse_kudos_text",
]

BENEFICIARIES = ("customer", "colleague", "community")
WITHDRAW_WINDOW = timedelta(minutes=10)
PENDING_LAPSES = timedelta(days=7)  # a reaction kudos with no why by then was never meant: it is dropped
FAIRNESS_WEEKS = 6
FAIRNESS_KIND = "kudos-fairness"
MAX_GROUP_SIZE = 50
CARD_POSTED = "kudos.card_posted"
PENDING, POSTED, WITHDRAWN = "pending", "posted", "withdrawn"

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")
_BROADCAST = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_CHANNEL_TAG = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_TAG = re.compile(r"(?<![\w&/])#([A-Za-z][A-Za-z0-9_-]*)")
_BARE_AT = re.compile(r"(?<![\w<|])@([A-Za-z0-9][\w.-]*)")
_CONNECTOR = re.compile(r"^(?:for|because|since|[:,\-–—])\s*", re.IGNORECASE)


class KudosRefused(UserFacingError):
    """A kudos that breaks a rule; `field` says which part of the modal to point at."""

    def __init__(self, message: str, field: str = "users") -> None:
        super().__init__(message)
        self.field = field


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
class GiveResult:
    kudos: KudosView
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
    highlights: tuple[KudosView, ...]


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


def _month_start(now: datetime, ws: WorkspaceSettings) -> datetime:
    local = now.astimezone(ws.tz)
    return datetime.combine(local.date().replace(day=1), time(0), ws.tz)


def month_label(now: datetime, ws: WorkspaceSettings) -> str:
    return now.astimezone(ws.tz).strftime("%B %Y")


def _to_view(k: Kudos, receivers: Sequence[str], plus_ones: int) -> KudosView:
    return KudosView(
        id=k.id,
        giver=k.giver,
        receivers=tuple(receivers),
        reason=k.reason,
        impact=k.impact,
        values=tuple(k.values or ()),
        beneficiary=k.beneficiary,
        status=k.status,
        source=k.source,
        plus_ones=plus_ones,
        permalink=k.permalink,
        created_at=k.created_at,
    )


class KudosService:
    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService, outbox: Outbox
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._outbox = outbox
        outbox.on_sent(CARD_POSTED, self._card_posted)

    # Rules

    def is_recognition_emoji(self, team_id: str, reaction: str) -> bool:
        """The configured emoji, with any skin tone (`heart_hands::skin-tone-3`)."""
        return reaction.split("::")[0] == self._settings.get(team_id).kudos_emoji

    def values(self, team_id: str) -> tuple[str, ...]:
        return self._settings.get(team_id).values

    def allowance(self, team_id: str, giver: str) -> Allowance:
        with self._sessions() as s:
            return self._allowance(s, team_id, giver, self._settings.get(team_id, s))

    def _allowance(self, s: Session, team_id: str, giver: str, ws: WorkspaceSettings) -> Allowance:
        """People recognised by `giver` since local midnight; resets at the next local midnight."""
        local = self._clock.now().astimezone(ws.tz)
        midnight = datetime.combine(local.date(), time(0), ws.tz)
        used = s.scalar(
            select(func.count())
            .select_from(KudosRecipient)
            .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
            .where(
                KudosRecipient.team_id == team_id,
                KudosRecipient.giver == giver,
                KudosRecipient.created_at >= midnight,
                Kudos.status != WITHDRAWN,
            )
        )
        tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), ws.tz)
        return Allowance(ws.kudos_daily_limit, int(used or 0), tomorrow, ws.timezone)

    def check_people(
        self,
        giver: str,
        receivers: Sequence[str],
        people: Mapping[str, Person],
        bot_user_id: str | None,
    ) -> None:
        if not receivers:
            raise KudosRefused("Who would you like to recognise? Mention them: `/kudos @name for …`.")
        if giver in receivers:
            raise KudosRefused(
                "Kudos are for noticing someone else, so you can't give them to yourself. "
                "Proud of something? Tell your manager, or ask a teammate what they saw."
            )
        for user in receivers:
            person = people.get(user, Person(user))
            if user == bot_user_id or person.is_bot:
                raise KudosRefused(
                    f"<@{user}> is a bot. Kudos are for people; thank the humans behind it instead."
                )
            if not person.found:
                raise KudosRefused(f"I couldn't find <@{user}> in this workspace.")
            if person.deleted:
                raise KudosRefused(f"<@{user}>'s account is deactivated, so they can't receive kudos.")

    def _check_story(
        self, ws: WorkspaceSettings, reason: str, values: Sequence[str], beneficiary: str
    ) -> None:
        if not reason.strip():
            raise KudosRefused(
                "Please add the why: what did they do? A kudos without a story teaches nothing. "
                "For example: `/kudos @ana for calling back the customer whose order was lost #extra-mile`.",
                "story",
            )
        unknown = [v for v in values if v not in ws.values]
        if unknown:
            listed = ", ".join(f"`#{v}`" for v in ws.values)
            raise KudosRefused(
                f"`#{unknown[0][:40]}` isn't one of our values. Pick from: {listed}.", "values"
            )
        if beneficiary not in BENEFICIARIES:
            raise KudosRefused("Who benefited: a customer, a colleague or the community?", "beneficiary")

    def _check_giver(self, s: Session, team_id: str, giver: str, ws: WorkspaceSettings, wanted: int) -> int:
        """Paused givers and the daily allowance; returns what is left after this kudos."""
        if giver in ws.kudos_paused:
            raise KudosRefused(
                "Giving kudos is paused for you for now. An owner of empathy-bot can tell you more."
            )
        if is_postgres(s):
            # Two /kudos at once from one giver must not both pass the allowance check.
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"kudos:{team_id}:{giver}"})
        allowance = self._allowance(s, team_id, giver, ws)
        if wanted > allowance.remaining:
            raise KudosRefused(allowance_text(allowance, wanted, self._clock.now()))
        return allowance.remaining - wanted

    # Giving

    def give(
        self,
        team_id: str,
        giver: str,
        receivers: Sequence[str],
        reason: str,
        values: Sequence[str] = (),
        *,
        people: Mapping[str, Person],
        bot_user_id: str | None,
        beneficiary: str | None = None,
        impact: str | None = None,
        source: str = "command",
        source_key: str | None = None,
    ) -> GiveResult:
        """Check every rule, then store the kudos and queue its card and DMs; a refusal stores nothing."""
        reason = (reason or "").strip()
        values = tuple(dict.fromkeys(v.strip().lstrip("#").lower() for v in values if v.strip()))
        beneficiary = beneficiary or infer_beneficiary(reason)
        receivers = tuple(dict.fromkeys(receivers))
        now = self._clock.now()
        with self._sessions.begin() as s:
            ws = self._settings.get(team_id, s)
            self.check_people(giver, receivers, people, bot_user_id)
            self._check_story(ws, reason, values, beneficiary)
            if source_key is not None:
                existing = s.scalar(
                    select(Kudos).where(Kudos.team_id == team_id, Kudos.source_key == source_key)
                )
                if existing is not None:
                    allowance = self._allowance(s, team_id, giver, ws)
                    view = self._view(s, existing)
                    return GiveResult(
                        view, False, existing.card_channel or ws.kudos_channel, allowance.remaining
                    )
            remaining = self._check_giver(s, team_id, giver, ws, len(receivers))
            kudos = Kudos(
                team_id=team_id,
                giver=giver,
                source=source,
                source_key=source_key,
                status=POSTED,
                reason=reason[:3000],
                impact=(impact or "").strip()[:2000] or None,
                values=list(values),
                beneficiary=beneficiary,
                created_at=now,
                posted_at=now,
            )
            s.add(kudos)
            s.flush()
            for receiver in receivers:
                s.add(
                    KudosRecipient(
                        team_id=team_id, kudos_id=kudos.id, giver=giver, receiver=receiver, created_at=now
                    )
                )
            s.flush()
            view = self._view(s, kudos)
            self._announce(s, kudos, view, ws)
            return GiveResult(view, True, ws.kudos_channel, remaining)

    def _announce(self, s: Session, kudos: Kudos, view: KudosView, ws: WorkspaceSettings) -> None:
        """The card in the kudos channel (if one is set) and a DM to each receiver, through the outbox."""
        if ws.kudos_channel:
            self._outbox.post_message(
                s,
                team_id=kudos.team_id,
                key=f"kudos-card:{kudos.id}",
                channel=ws.kudos_channel,
                message=kudos_card(view),
                on_sent=CARD_POSTED,
                unfurl_links=False,
            )
        for receiver in view.receivers:
            self._outbox.post_message(
                s,
                team_id=kudos.team_id,
                key=f"kudos-dm:{kudos.id}:{receiver}",
                channel=receiver,
                message=kudos_dm(view, receiver, ws.kudos_channel),
                unfurl_links=False,
            )

    def _card_posted(self, s: Session, message: OutboxMessage, response: dict[str, Any]) -> None:
        """Remember where the card is (for +1 updates and withdrawal); catch up on what happened meanwhile."""
        kudos = s.get(Kudos, int(message.dedupe_key.split(":")[1]))
        if kudos is None:
            return
        kudos.card_channel = str(response.get("channel") or message.payload["channel"])
        kudos.card_ts = str(response.get("ts"))
        if kudos.status == WITHDRAWN:
            self._delete_card(s, kudos)
        else:
            view = self._view(s, kudos)
            if view.plus_ones:
                self._update_card(s, kudos, view)

    def _update_card(self, s: Session, kudos: Kudos, view: KudosView) -> None:
        if kudos.card_channel and kudos.card_ts:
            self._outbox.enqueue(
                s,
                team_id=kudos.team_id,
                key=f"kudos-card-update:{kudos.id}:{view.plus_ones}",
                method="chat.update",
                payload={"channel": kudos.card_channel, "ts": kudos.card_ts, **kudos_card(view).as_kwargs()},
            )

    def _delete_card(self, s: Session, kudos: Kudos) -> None:
        if kudos.card_channel and kudos.card_ts:
            self._outbox.enqueue(
                s,
                team_id=kudos.team_id,
                key=f"kudos-card-delete:{kudos.id}:{kudos.card_ts}",
                method="chat.delete",
                payload={"channel": kudos.card_channel, "ts": kudos.card_ts},
            )

    # Reactions

    def recognise_reaction(
        self,
        team_id: str,
        event_id: str,
        giver: str,
        author: str,
        channel_id: str,
        message_ts: str,
        permalink: str | None,
    ) -> ReactionResult:
        """A recognition-emoji reaction recognises the message's author, once per (giver, message).

        The event id is recorded in the same transaction, so Slack's retried deliveries do nothing; the
        unique (team, giver, receiver, message) row covers a second event for the same reaction.
        """
        now = self._clock.now()
        ref = f"{channel_id}:{message_ts}"
        with self._sessions.begin() as s:
            if not first_time(s, team_id, f"kudos-reaction:{event_id}", now):
                return ReactionResult("duplicate")
            ws = self._settings.get(team_id, s)
            if giver == author:
                return ReactionResult("refused", refusal="Kudos are for noticing someone else, not yourself.")
            existing = s.scalar(
                select(KudosRecipient).where(
                    KudosRecipient.team_id == team_id,
                    KudosRecipient.giver == giver,
                    KudosRecipient.receiver == author,
                    KudosRecipient.message_ref == ref,
                )
            )
            if existing is not None and s.get(Kudos, existing.kudos_id).status != WITHDRAWN:  # type: ignore[union-attr]
                return ReactionResult("duplicate", existing.kudos_id)
            try:
                remaining = self._check_giver(s, team_id, giver, ws, 1)
            except KudosRefused as refused:
                return ReactionResult("refused", refusal=refused.message)
            if existing is not None:  # reacted again after withdrawing: it counts again, from now
                kudos = s.get(Kudos, existing.kudos_id)
                assert kudos is not None
                kudos.status, kudos.withdrawn_at, kudos.created_at = PENDING, None, now
                kudos.card_channel = kudos.card_ts = None
                existing.created_at = now
                return ReactionResult("created", kudos.id, remaining=remaining)
            kudos = Kudos(
                team_id=team_id,
                giver=giver,
                source="reaction",
                status=PENDING,
                values=[],
                beneficiary="colleague",
                channel_id=channel_id,
                message_ts=message_ts,
                permalink=permalink,
                created_at=now,
            )
            s.add(kudos)
            s.flush()
            inserted = insert_ignoring_conflicts(
                s,
                KudosRecipient,
                {
                    "team_id": team_id,
                    "kudos_id": kudos.id,
                    "giver": giver,
                    "receiver": author,
                    "message_ref": ref,
                    "created_at": now,
                },
            )
            if not inserted:  # a concurrent delivery of another event for the same reaction won
                s.delete(kudos)
                return ReactionResult("duplicate")
            return ReactionResult("created", kudos.id, remaining=remaining)

    def complete_reaction(
        self,
        team_id: str,
        kudos_id: int,
        giver: str,
        reason: str,
        values: Sequence[str],
        beneficiary: str = "colleague",
    ) -> KudosView:
        """The giver added the why: the kudos is posted (card, DM)."""
        reason = " ".join((reason or "").split())
        values = tuple(dict.fromkeys(v.lower() for v in values))
        now = self._clock.now()
        with self._sessions.begin() as s:
            kudos = self._get(s, team_id, kudos_id)
            if kudos.giver != giver:
                raise NotFound("That kudos isn't yours to complete.")
            if kudos.status == WITHDRAWN:
                raise KudosRefused("That kudos was withdrawn when the reaction was removed.", "story")
            ws = self._settings.get(team_id, s)
            if kudos.status == POSTED:
                return self._view(s, kudos)
            self._check_story(ws, reason, values, beneficiary)
            kudos.reason, kudos.values, kudos.beneficiary = reason[:3000], list(values), beneficiary
            kudos.status, kudos.posted_at = POSTED, now
            view = self._view(s, kudos)
            self._announce(s, kudos, view, ws)
            return view

    def drop_lapsed(self) -> int:
        """Reaction kudos whose giver never added the why within PENDING_LAPSES: never posted, never
        counted, so removed (a later reaction on the message starts afresh). Returns how many."""
        cutoff = self._clock.now() - PENDING_LAPSES
        with self._sessions.begin() as s:
            lapsed = select(Kudos.id).where(Kudos.status == PENDING, Kudos.created_at < cutoff)
            s.execute(delete(KudosRecipient).where(KudosRecipient.kudos_id.in_(lapsed)))
            return affected_rows(s, delete(Kudos).where(Kudos.id.in_(lapsed)))

    def withdraw_reaction(
        self, team_id: str, giver: str, author: str, channel_id: str, message_ts: str
    ) -> bool:
        """Removing the reaction within 10 minutes withdraws the kudos (and its card, if posted)."""
        now = self._clock.now()
        with self._sessions.begin() as s:
            row = s.scalar(
                select(KudosRecipient).where(
                    KudosRecipient.team_id == team_id,
                    KudosRecipient.giver == giver,
                    KudosRecipient.receiver == author,
                    KudosRecipient.message_ref == f"{channel_id}:{message_ts}",
                )
            )
            if row is None or now - row.created_at > WITHDRAW_WINDOW:
                return False
            kudos = s.get(Kudos, row.kudos_id)
            if kudos is None or kudos.status == WITHDRAWN:
                return False
            kudos.status, kudos.withdrawn_at = WITHDRAWN, now
            self._delete_card(s, kudos)
            return True

    # +1

    def plus_one(self, team_id: str, kudos_id: int, user_id: str) -> KudosView:
        with self._sessions.begin() as s:
            kudos = self._get(s, team_id, kudos_id)
            view = self._view(s, kudos)
            if kudos.status != POSTED:
                raise KudosRefused("That kudos was withdrawn.")
            if user_id == kudos.giver or user_id in view.receivers:
                raise KudosRefused("This kudos is already yours; +1 is for everyone else who saw it.")
            added = insert_ignoring_conflicts(
                s,
                KudosPlusOne,
                {
                    "team_id": team_id,
                    "kudos_id": kudos_id,
                    "user_id": user_id,
                    "created_at": self._clock.now(),
                },
            )
            if not added:
                raise KudosRefused("You've already added your voice to this one. Thank you!")
            view = self._view(s, kudos)
            self._update_card(s, kudos, view)
            return view

    # Customer praise becomes recognition

    def offer_for_feedback(
        self,
        team_id: str,
        feedback_id: int,
        clicker: str,
        receiver: str,
        customer: str | None,
        excerpt: str,
    ) -> bool:
        """Offer the card's clicker a one-click kudos for `receiver` on the customer's behalf (by DM, once).

        For the feedback relay to call when positive feedback names an employee or owned feedback is
        resolved; the button opens the /kudos modal filled in (handlers/kudos.py).
        """
        if clicker == receiver:
            return False
        with self._sessions.begin() as s:
            queued = self._outbox.post_message(
                s,
                team_id=team_id,
                key=f"kudos-offer:{feedback_id}:{receiver}:{clicker}",
                channel=clicker,
                message=praise_offer(feedback_id, receiver, customer, excerpt),
            )
        return queued

    # Seeing

    def get(self, team_id: str, kudos_id: int) -> KudosView:
        with self._sessions() as s:
            return self._view(s, self._get(s, team_id, kudos_id))

    def home(self, team_id: str, user_id: str) -> KudosHome:
        now = self._clock.now()
        with self._sessions() as s:
            ws = self._settings.get(team_id, s)
            start = _month_start(now, ws)
            live = (KudosRecipient.team_id == team_id, Kudos.status != WITHDRAWN)
            joined = (
                select(func.count())
                .select_from(KudosRecipient)
                .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
            )
            received = s.scalar(
                joined.where(*live, KudosRecipient.receiver == user_id, KudosRecipient.created_at >= start)
            )
            given = s.scalar(
                joined.where(*live, KudosRecipient.giver == user_id, KudosRecipient.created_at >= start)
            )
            mine = s.scalars(
                select(Kudos.values)
                .join(KudosRecipient, Kudos.id == KudosRecipient.kudos_id)
                .where(*live, Kudos.status == POSTED, KudosRecipient.receiver == user_id)
            ).all()
            my_values = Counter(v for values in mine for v in values or ())
            latest = s.scalars(
                select(Kudos)
                .where(Kudos.team_id == team_id, Kudos.status == POSTED)
                .order_by(Kudos.posted_at.desc(), Kudos.id.desc())
                .limit(5)
            ).all()
            team_values = None
            if ws.show_monthly_recognition:
                month = s.scalars(
                    select(Kudos.values).where(
                        Kudos.team_id == team_id, Kudos.status == POSTED, Kudos.posted_at >= start
                    )
                ).all()
                team_values = tuple(Counter(v for values in month for v in values or ()).most_common(3))
            return KudosHome(
                month_label=month_label(now, ws),
                received=int(received or 0),
                given=int(given or 0),
                my_values=tuple(my_values.most_common(5)),
                latest=tuple(self._view(s, k) for k in latest),
                allowance=self._allowance(s, team_id, user_id, ws),
                team_values=team_values,
            )

    def kudos_summary(self, team_id: str, start: datetime, end: datetime) -> KudosSummary:
        """Posted kudos in [start, end): counts by value and person, and up to 3 highlighted stories.

        Stories are highlighted by how many people added their voice, then by how much story they tell.
        """
        with self._sessions() as s:
            rows = s.scalars(
                select(Kudos)
                .where(
                    Kudos.team_id == team_id,
                    Kudos.status == POSTED,
                    Kudos.posted_at >= start,
                    Kudos.posted_at < end,
                )
                .order_by(Kudos.posted_at, Kudos.id)
            ).all()
            views = self._views(s, rows)
        by_value = Counter(v for k in views for v in k.values)
        given: Counter[str] = Counter()
        received: Counter[str] = Counter()
        for k in views:
            given[k.giver] += len(k.receivers)
            received.update(k.receivers)
        people = sorted(set(given) | set(received), key=lambda u: (-received[u], -given[u], u))
        ranked = sorted(
            views,
            key=lambda k: (-k.plus_ones, -len(k.receivers), -len(k.reason or "") - len(k.impact or ""), k.id),
        )
        return KudosSummary(
            start=start,
            end=end,
            total=len(views),
            people_recognised=len(received),
            by_value=tuple(
                ValueCount(v, n) for v, n in sorted(by_value.items(), key=lambda i: (-i[1], i[0]))
            ),
            by_person=tuple(PersonCount(u, given[u], received[u]) for u in people),
            highlights=tuple(ranked[:3]),
        )

    # Fairness, privately

    def unrecognised(self, team_id: str, members: Iterable[str], weeks: int = FAIRNESS_WEEKS) -> list[str]:
        """Of `members`, who nobody has recognised in the last `weeks` weeks."""
        since = self._clock.now() - timedelta(weeks=weeks)
        with self._sessions() as s:
            recognised = set(
                s.scalars(
                    select(KudosRecipient.receiver)
                    .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
                    .where(
                        KudosRecipient.team_id == team_id,
                        KudosRecipient.created_at >= since,
                        Kudos.status != WITHDRAWN,
                    )
                )
            )
        return sorted(dict.fromkeys(m for m in members if m not in recognised))

    def fairness_period(self, team_id: str) -> str | None:
        """The month whose note is due now, or None: setting off, nobody to tell, outside working hours,
        already sent, or no kudos at all lately (a team not using kudos learns nothing from the list)."""
        ws = self._settings.get(team_id)
        now = self._clock.now()
        if not ws.fairness_nudges or not (ws.managers or ws.owners) or not ws.is_working_time(now):
            return None
        period = now.astimezone(ws.tz).strftime("%Y-%m")
        with self._sessions() as s:
            if period_claimed(s, team_id, FAIRNESS_KIND, period):
                return None
            recent = s.scalar(
                select(func.count())
                .select_from(Kudos)
                .where(
                    Kudos.team_id == team_id,
                    Kudos.status != WITHDRAWN,
                    Kudos.created_at >= now - timedelta(weeks=FAIRNESS_WEEKS),
                )
            )
        return period if recent else None

    def send_fairness_nudges(self, team_id: str, members: Iterable[str]) -> int:
        """Once a month: DM each manager the teammates nobody recognised in 6 weeks. Claimed per month."""
        period = self.fairness_period(team_id)
        if period is None:
            return 0
        members = list(members)
        names = self.unrecognised(team_id, members)
        ws = self._settings.get(team_id)
        managers = ws.managers or ws.owners
        sent = 0
        with self._sessions.begin() as s:
            if not claim_period(s, team_id, FAIRNESS_KIND, period, self._clock.now()):
                return 0
            for manager in managers:
                theirs = [n for n in names if n != manager]
                if not theirs:
                    continue
                self._outbox.post_message(
                    s,
                    team_id=team_id,
                    key=f"kudos-fairness:{period}:{manager}",
                    channel=manager,
                    message=fairness_nudge(theirs[:40], FAIRNESS_WEEKS),
                )
                sent += 1
        return sent

    # Internals

    def _get(self, s: Session, team_id: str, kudos_id: int) -> Kudos:
        kudos = s.get(Kudos, kudos_id)
        if kudos is None or kudos.team_id != team_id:
            raise NotFound("That kudos no longer exists.")
        return kudos

    def _views(self, s: Session, rows: Sequence[Kudos]) -> list[KudosView]:
        """Views of many kudos in three queries, whatever their number (the digest reads a week's worth)."""
        ids = [k.id for k in rows]
        receivers: dict[int, list[str]] = {i: [] for i in ids}
        plus_ones: dict[int, int] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for kudos_id, receiver in s.execute(
                select(KudosRecipient.kudos_id, KudosRecipient.receiver)
                .where(KudosRecipient.kudos_id.in_(chunk))
                .order_by(KudosRecipient.id)
            ):
                receivers[kudos_id].append(receiver)
            plus_ones.update(
                s.execute(
                    select(KudosPlusOne.kudos_id, func.count())
                    .where(KudosPlusOne.kudos_id.in_(chunk))
                    .group_by(KudosPlusOne.kudos_id)
                ).all()
            )
        return [_to_view(k, receivers[k.id], int(plus_ones.get(k.id, 0))) for k in rows]

    def _view(self, s: Session, kudos: Kudos) -> KudosView:
        receivers = s.scalars(
            select(KudosRecipient.receiver)
            .where(KudosRecipient.kudos_id == kudos.id)
            .order_by(KudosRecipient.id)
        ).all()
        plus_ones = s.scalar(
            select(func.count()).select_from(KudosPlusOne).where(KudosPlusOne.kudos_id == kudos.id)
        )
        return _to_view(kudos, receivers, int(plus_ones or 0))
