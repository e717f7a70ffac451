"""Speak up: anonymous two-way conversations between a member and leadership, relayed by the bot.

One module per concern: sealing (the sender's id, encrypted), conversations (sending, replies both ways,
flags and blocks), relay (the delayed relay), reading (digest counts, retention).
"""

from __future__ import annotations

import random

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from bot.services.speakup.reading import Reading
from bot.services.speakup.relay import CardPosted
from bot.services.speakup.sealing import SpeakupUnavailable

__all__ = ["CardPosted", "SpeakupService", "SpeakupUnavailable"]


class SpeakupService(Reading):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        postbox: Postbox,
        secret_key: str | None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(sessions, clock, settings, postbox, secret_key, rng)
        self._register_receipts()
