"""Customer feedback relay: intake, triage, reminders and routing rules, behind one facade.

Each concern lives in its own module; FeedbackService keeps call sites (`services.feedback.ingest(…)`)
as simple as they were, so listeners, jobs and the CLI need not know how the capability is cut up.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.feedback import OPEN_STATES
from bot.services.feedback.intake import CARD_POSTED, Intake
from bot.services.feedback.reminders import Reminders
from bot.services.feedback.routing import Routing
from bot.services.feedback.triage import Triage
from bot.services.ports import Postbox
from bot.services.sentiment_model import SentimentModelService
from bot.services.settings import SettingsService

__all__ = [
    "CARD_POSTED",
    "OPEN_STATES",
    "FeedbackService",
    "Intake",
    "Reminders",
    "Routing",
    "Triage",
]


class FeedbackService:
    """The capability's parts, built once; their public methods are offered here under the same names."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        postbox: Postbox,
        judge: SentimentModelService | None = None,
    ) -> None:
        self.judge = judge or SentimentModelService(sessions, clock)
        self.intake = Intake(sessions, clock, settings, postbox, self.judge)
        self.triage = Triage(sessions, clock, postbox)
        self.reminders = Reminders(sessions, clock, settings, postbox)
        self.routing = Routing(sessions)
        self.ingest = self.intake.ingest
        self.revise = self.intake.revise
        self.plan_import = self.intake.plan_import
        self.ingest_batch = self.intake.ingest_batch
        self.learn_pending = self.intake.learn_pending
        self.quality = self.judge.quality
        self.acknowledge = self.triage.acknowledge
        self.take = self.triage.take
        self.resolve = self.triage.resolve
        self.correct_label = self.triage.correct_label
        self.is_card = self.triage.is_card
        self.record_response = self.triage.record_response
        self.get = self.triage.get
        self.events = self.triage.events
        self.send_reminders = self.reminders.send_reminders
        self.list_rules = self.routing.list_rules
        self.add_rule = self.routing.add_rule
        self.move_rule_up = self.routing.move_rule_up
        self.delete_rule = self.routing.delete_rule
