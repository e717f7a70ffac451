"""What every part of the Speak up service shares: its dependencies and the look-ups they all need."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain import speakup as rules
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.settings import WorkspaceSettings
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from bot.services.speakup.sealing import Sealer
from storage.models import SpeakupConversation
from storage.repositories import speakup as repo

CARD_POSTED = "speakup.card_posted"


class SpeakupCore:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        postbox: Postbox,
        secret_key: str | None,
        rng: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._postbox = postbox
        self._sealer = Sealer(secret_key)
        # SystemRandom by default: the delays hide timing, so they must not be predictable.
        self._rng = rng or random.SystemRandom()

    def _conversation(self, s: Session, team_id: str, conversation_id: int) -> SpeakupConversation:
        found = repo.conversation(s, team_id, conversation_id)
        if found is None:
            raise NotFound(
                "That conversation is no longer here (it may have been deleted after the retention period)."
            )
        return found

    def _sender_of(self, conversation: SpeakupConversation) -> str | None:
        return self._sealer.open(conversation.team_id, conversation.sender_box)

    def _require_sender(self, conversation: SpeakupConversation, user_id: str) -> None:
        if self._sender_of(conversation) != user_id:
            raise NotAllowed("Only the person who started this conversation can do that.")

    def _record(
        self, s: Session, conversation: SpeakupConversation, flagged: bool = False
    ) -> rules.Conversation:
        return rules.Conversation(
            id=conversation.id,
            topic=conversation.topic,
            text=repo.opening_text(s, conversation.id),
            status=conversation.status,
            sender=self._sender_of(conversation) if conversation.named else None,
            share_requested=conversation.share_requested,
            shared=conversation.shared,
            flagged=flagged or repo.flag_count(s, conversation.id) > 0,
        )

    def _today(self, ws: WorkspaceSettings) -> date:
        return rules.day_of(self._clock.now(), ws)
