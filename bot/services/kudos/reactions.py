"""Kudos by reaction: the recognition emoji recognises a message's author, the giver adds the why later,
and a why never added lapses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.errors import NotAllowed, NotFound, UserFacingError
from bot.domain.kudos import (
    PENDING,
    PENDING_LAPSES,
    POSTED,
    WITHDRAWN,
    KudosRefused,
    ReactionResult,
    Recognition,
    check_story,
)
from bot.services.kudos.giving import Giving, get_recognition
from bot.services.kudos.rules import KudosRules
from bot.services.settings import SettingsService
from storage.models import Kudos
from storage.repositories import kudos as recognitions
from storage.repositories.idempotency import first_time


class Reactions:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        rules: KudosRules,
        giving: Giving,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._rules = rules
        self._giving = giving

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
            existing = recognitions.reaction_recipient(s, team_id, giver, author, ref)
            earlier = recognitions.by_id(s, existing.kudos_id) if existing is not None else None
            if existing is not None and earlier is not None and earlier.status != WITHDRAWN:
                return ReactionResult("duplicate", existing.kudos_id)
            try:
                remaining = self._rules.check_giver(s, team_id, giver, ws, 1)
            except KudosRefused as refused:
                return ReactionResult("refused", refusal=refused.message)
            if existing is not None and earlier is not None:  # reacted again after withdrawing: counts again
                earlier.status, earlier.withdrawn_at, earlier.created_at = PENDING, None, now
                earlier.card_channel = earlier.card_ts = None
                existing.created_at = now
                return ReactionResult("created", earlier.id, remaining=remaining)
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
            if not recognitions.add_reaction_kudos(s, kudos, author, ref):
                return ReactionResult("duplicate")  # a concurrent delivery of another event won
            return ReactionResult("created", kudos.id, remaining=remaining)

    def pending_for(self, team_id: str, recognition_id: int, user_id: str) -> Recognition:
        """The reaction kudos `user_id` may add the why to now: theirs, and still waiting for it."""
        with self._sessions() as s:
            recognition = recognitions.recognition(s, get_recognition(s, team_id, recognition_id))
        if recognition.giver != user_id:
            raise NotAllowed("Only the person who reacted can add the why.")
        if recognition.status != PENDING:
            raise UserFacingError("That kudos already has its why, or was withdrawn.")
        return recognition

    def complete_reaction(
        self,
        team_id: str,
        recognition_id: int,
        giver: str,
        reason: str,
        values: Sequence[str],
        beneficiary: str = "colleague",
    ) -> Recognition:
        """The giver added the why: the kudos is posted (card, DM)."""
        reason = " ".join((reason or "").split())
        values = tuple(dict.fromkeys(v.lower() for v in values))
        now = self._clock.now()
        with self._sessions.begin() as s:
            kudos = get_recognition(s, team_id, recognition_id)
            if kudos.giver != giver:
                raise NotFound("That kudos isn't yours to complete.")
            if kudos.status == WITHDRAWN:
                raise KudosRefused("story", "That kudos was withdrawn when the reaction was removed.")
            ws = self._settings.get(team_id, s)
            if kudos.status == POSTED:
                return recognitions.recognition(s, kudos)
            check_story(ws.values, reason, values, beneficiary)
            kudos.reason, kudos.values, kudos.beneficiary = reason[:3000], list(values), beneficiary
            kudos.status, kudos.posted_at = POSTED, now
            recognition = recognitions.recognition(s, kudos)
            self._giving.announce(s, team_id, recognition, ws)
            return recognition

    def drop_lapsed(self) -> int:
        """Reaction kudos whose giver never added the why within PENDING_LAPSES: never posted, never
        counted, so removed (a later reaction on the message starts afresh). Returns how many."""
        cutoff = self._clock.now() - PENDING_LAPSES
        with self._sessions.begin() as s:
            return recognitions.delete_pending_before(s, cutoff)
