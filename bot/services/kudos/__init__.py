"""Peer recognition: one service, one module per concern (parsing, rules, giving, reactions, reading,
fairness); KudosService is what the container, handlers and jobs use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.kudos import (
    Allowance,
    KudosHome,
    KudosRefused,
    KudosSummary,
    ParsedKudos,
    Person,
    Recognition,
)
from bot.services.kudos.fairness import Fairness
from bot.services.kudos.giving import Giving
from bot.services.kudos.parsing import infer_beneficiary, parse_kudos_text, receivers_from
from bot.services.kudos.reactions import Reactions
from bot.services.kudos.reading import Reading
from bot.services.kudos.rules import KudosRules
from bot.services.ports import Postbox
from bot.services.settings import SettingsService

__all__ = [
    "Allowance",
    "KudosHome",
    "KudosRefused",
    "KudosService",
    "KudosSummary",
    "ParsedKudos",
    "Person",
    "Recognition",
    "infer_beneficiary",
    "parse_kudos_text",
    "receivers_from",
]


class KudosService:
    """The capability's one face: each method is its concern's, named here so callers need one object."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService, postbox: Postbox
    ) -> None:
        self.rules = KudosRules(sessions, clock, settings)
        self.giving = Giving(sessions, clock, settings, self.rules, postbox)
        self.reactions = Reactions(sessions, clock, settings, self.rules, self.giving)
        self.fairness = Fairness(sessions, clock, settings, postbox)
        self.reading = Reading(sessions, clock, settings, self.rules, self.fairness)
        # The two long signatures are written once, in their concern's module.
        self.give = self.giving.give
        self.recognise_reaction = self.reactions.recognise_reaction

    # Rules

    def is_recognition_emoji(self, team_id: str, reaction: str) -> bool:
        return self.rules.is_recognition_emoji(team_id, reaction)

    def values(self, team_id: str) -> tuple[str, ...]:
        return self.rules.values(team_id)

    def allowance(self, team_id: str, giver: str) -> Allowance:
        return self.rules.allowance(team_id, giver)

    # Giving

    def plus_one(self, team_id: str, recognition_id: int, user_id: str) -> Recognition:
        return self.giving.plus_one(team_id, recognition_id, user_id)

    def withdraw_reaction(
        self, team_id: str, giver: str, author: str, channel_id: str, message_ts: str
    ) -> bool:
        return self.giving.withdraw_reaction(team_id, giver, author, channel_id, message_ts)

    def offer_for_feedback(
        self,
        team_id: str,
        feedback_id: int,
        clicker: str,
        receiver: str,
        customer: str | None,
        excerpt: str,
    ) -> bool:
        return self.giving.offer_for_feedback(team_id, feedback_id, clicker, receiver, customer, excerpt)

    def offer_for_resolution(
        self, team_id: str, feedback_id: int, resolver: str, owner: str, customer: str | None, complaint: bool
    ) -> bool:
        return self.giving.offer_for_resolution(team_id, feedback_id, resolver, owner, customer, complaint)

    # Reactions

    def pending_for(self, team_id: str, recognition_id: int, user_id: str) -> Recognition:
        return self.reactions.pending_for(team_id, recognition_id, user_id)

    def complete_reaction(
        self,
        team_id: str,
        recognition_id: int,
        giver: str,
        reason: str,
        values: Sequence[str],
        beneficiary: str = "colleague",
    ) -> Recognition:
        return self.reactions.complete_reaction(team_id, recognition_id, giver, reason, values, beneficiary)

    def drop_lapsed(self) -> int:
        return self.reactions.drop_lapsed()

    # Reading

    def get(self, team_id: str, recognition_id: int) -> Recognition:
        return self.reading.get(team_id, recognition_id)

    def home(self, team_id: str, user_id: str) -> KudosHome:
        return self.reading.home(team_id, user_id)

    def kudos_summary(self, team_id: str, start: datetime, end: datetime) -> KudosSummary:
        return self.reading.kudos_summary(team_id, start, end)

    # Fairness

    def unrecognised(self, team_id: str, members: Iterable[str]) -> list[str]:
        return self.fairness.unrecognised(team_id, members)

    def fairness_period(self, team_id: str) -> str | None:
        return self.fairness.fairness_period(team_id)

    def send_fairness_nudges(self, team_id: str, members: Iterable[str]) -> int:
        return self.fairness.send_fairness_nudges(team_id, members)
