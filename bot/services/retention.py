"""Retention: customers' words and employees' comments are kept only as long as the owner's settings say.

Old feedback keeps its numbers (sentiment, label, times) for trends but loses its text and customer;
old survey comments are removed, scores stay. Sent Slack calls keep their row (the idempotency key) but
lose their payload after a month, since cards and DMs carry the same texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.services.settings import SettingsService
from storage.repositories import delivery as delivery_repo
from storage.repositories import retention as repo
from storage.repositories.idempotency import forget_processed_before

REDACTED = "[removed after the retention period]"
KEEP_SENT_PAYLOADS = timedelta(days=30)
KEEP_EVENT_KEYS = timedelta(days=30)  # far beyond Slack's retry window
# Signed requests are noted against replay for twice Slack's 5-minute signature window: older ones fail
# the signature's timestamp check anyway.
KEEP_SEEN_REQUESTS = 2 * 5 * 60


@dataclass(frozen=True)
class RetentionReport:
    team_id: str
    feedback_redacted: int
    comments_removed: int
    examples_removed: int = 0
    deliveries_cleared: int = 0

    def __str__(self) -> str:
        return (
            f"retention for {self.team_id}: redacted {self.feedback_redacted} feedback text(s), "
            f"removed comments from {self.comments_removed} survey response(s), "
            f"{self.examples_removed} sentiment learning example(s) and "
            f"{self.deliveries_cleared} kept source delivery(ies)"
        )


class Retention:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings

    def apply(self, team_id: str) -> RetentionReport:
        ws = self._settings.get(team_id)
        now = self._clock.now()
        feedback_cutoff = now - timedelta(days=ws.feedback_retention_days)
        with self._sessions.begin() as s:
            redacted = repo.redact_feedback_before(s, team_id, feedback_cutoff, REDACTED)
            removed = repo.remove_comments_closed_before(
                s, team_id, now - timedelta(days=ws.comment_retention_days)
            )
            # Copies of customers' words kept elsewhere go by the same period as the feedback itself.
            examples = repo.delete_examples_before(s, team_id, feedback_cutoff)
            deliveries = repo.clear_deliveries_before(s, team_id, feedback_cutoff)
        return RetentionReport(team_id, redacted, removed, examples, deliveries)

    def scrub_sent_payloads(self) -> int:
        """Empty the payload of calls sent (or given up) more than a month ago; the rows stay as keys."""
        with self._sessions.begin() as s:
            return repo.scrub_payloads_created_before(s, self._clock.now() - KEEP_SENT_PAYLOADS)

    def forget_old_event_keys(self) -> int:
        """Drop the keys of events processed more than KEEP_EVENT_KEYS ago: how many went."""
        with self._sessions.begin() as s:
            return forget_processed_before(s, self._clock.now() - KEEP_EVENT_KEYS)

    def forget_seen_requests(self, now_epoch: int) -> int:
        """Forget signed requests noted against replay that are now too old to pass a signature check.
        `now_epoch` is wall-clock time: Slack signs with it, whatever the bot's clock says."""
        with self._sessions.begin() as s:
            return delivery_repo.forget_seen_before(s, now_epoch - KEEP_SEEN_REQUESTS)

    def purge_uninstalled(self) -> dict[str, int]:
        """Remove every row of workspaces uninstalled longer ago than their retention period.

        Their data is kept that long after an uninstall (so a reinstall finds it), then goes entirely.
        """
        now = self._clock.now()
        with self._sessions() as s:
            gone = [
                team_id
                for team_id, uninstalled_at in repo.uninstalled(s)
                if uninstalled_at < now - timedelta(days=self._longest_retention(team_id))
            ]
        removed: dict[str, int] = {}
        for team_id in gone:
            with self._sessions.begin() as s:
                removed[team_id] = repo.delete_workspace_rows(s, team_id)
            self._settings.forget(team_id)
        return removed

    def _longest_retention(self, team_id: str) -> int:
        ws = self._settings.get(team_id)
        return max(ws.feedback_retention_days, ws.comment_retention_days)
