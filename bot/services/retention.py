"""Retention: customers' words and employees' comments are kept only as long as the owner's settings say.

Old feedback keeps its numbers (sentiment, label, times) for trends but loses its text and customer;
old survey comments are removed, scores stay. Sent Slack calls keep their row (the idempotency key) but
lose their payload after a month, since cards and DMs carry the same texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import String, cast, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.services.settings import SettingsService
from storage.models import Base, Feedback, OutboxMessage, Survey, SurveyResponse, Workspace
from storage.repositories.common import affected_rows

REDACTED = "[removed after the retention period]"
KEEP_SENT_PAYLOADS = timedelta(days=30)


@dataclass(frozen=True)
class RetentionReport:
    team_id: str
    feedback_redacted: int
    comments_removed: int

    def __str__(self) -> str:
        return (
            f"retention for {self.team_id}: redacted {self.feedback_redacted} feedback text(s), "
            f"removed comments from {self.comments_removed} survey response(s)"
        )


class Retention:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings

    def apply(self, team_id: str) -> RetentionReport:
        ws = self._settings.get(team_id)
        now = self._clock.now()
        with self._sessions.begin() as s:
            redacted = affected_rows(
                s,
                update(Feedback)
                .where(
                    Feedback.team_id == team_id,
                    Feedback.received_at < now - timedelta(days=ws.feedback_retention_days),
                    Feedback.text != REDACTED,
                )
                .values(text=REDACTED, customer=None, permalink=None),
            )
            old_surveys = select(Survey.id).where(
                Survey.team_id == team_id,
                Survey.state == "closed",
                Survey.closed_at < now - timedelta(days=ws.comment_retention_days),
            )
            removed = 0
            for response in s.scalars(
                select(SurveyResponse).where(SurveyResponse.survey_id.in_(old_surveys))
            ):
                if response.comments:
                    response.comments = {}
                    removed += 1
        return RetentionReport(team_id, redacted, removed)

    def scrub_sent_payloads(self) -> int:
        """Empty the payload of calls sent (or given up) more than a month ago; the rows stay as keys."""
        cutoff = self._clock.now() - KEEP_SENT_PAYLOADS
        with self._sessions.begin() as s:
            return affected_rows(
                s,
                update(OutboxMessage)
                .where(
                    OutboxMessage.status.in_(("sent", "dead")),
                    OutboxMessage.created_at < cutoff,
                    cast(OutboxMessage.payload, String) != "{}",
                )
                .values(payload={}, result={}),
            )

    def purge_uninstalled(self) -> dict[str, int]:
        """Remove every row of workspaces uninstalled longer ago than their retention period.

        Their data is kept that long after an uninstall (so a reinstall finds it), then goes entirely:
        each table with a team_id, children before parents; survey rows follow through ON DELETE CASCADE.
        """
        now = self._clock.now()
        with self._sessions() as s:
            gone = [
                w.team_id
                for w in s.scalars(select(Workspace).where(Workspace.active.is_(False)))
                if w.uninstalled_at is not None
                and w.uninstalled_at < now - timedelta(days=self._longest_retention(w.team_id))
            ]
        removed: dict[str, int] = {}
        for team_id in gone:
            with self._sessions.begin() as s:
                total = 0
                for table in reversed(Base.metadata.sorted_tables):
                    if "team_id" in table.c:
                        total += affected_rows(s, delete(table).where(table.c.team_id == team_id))
            self._settings.forget(team_id)
            removed[team_id] = total
        return removed

    def _longest_retention(self, team_id: str) -> int:
        ws = self._settings.get(team_id)
        return max(ws.feedback_retention_days, ws.comment_retention_days)
