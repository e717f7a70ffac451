"""Webhook sources: the tools that POST feedback to /feedback/ingest, each with its secret and token."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.actor import Actor
from bot.domain.feedback import FeedbackInvalid, SourceRecord, validate_source_name
from bot.policy import Permission, require
from storage.repositories import feedback as repo


class Sources:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def add_source(self, actor: Actor, name: str) -> tuple[str, str]:
        """Create a webhook source; returns (secret, token), shown once."""
        require(actor, Permission.MANAGE_FEEDBACK_SOURCES)
        name = validate_source_name(name)
        secret, token = secrets.token_hex(32), secrets.token_urlsafe(32)
        with self._sessions.begin() as s:
            inserted = repo.add_source(s, actor.team_id, name, secret, token, self._clock.now())
        if not inserted:
            raise FeedbackInvalid(f"A source named {name!r} already exists.")
        return secret, token

    def source(self, name: str) -> SourceRecord | None:
        """The webhook source with this name (for authenticating a request)."""
        with self._sessions() as s:
            return repo.source_named(s, name)
