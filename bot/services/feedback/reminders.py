"""Reminders about feedback items: SLA reminders for unanswered negatives, follow-ups after resolving."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.feedback import (
    RESOLVED,
    FollowUpReminder,
    SlaReminder,
    business_hours_between,
    follow_up_due,
    masked,
    sla_stage,
)
from bot.domain.outgoing import Post
from bot.domain.settings import WorkspaceSettings
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from storage.models import Feedback
from storage.repositories import feedback as repo

HORIZON = timedelta(days=60)  # older items get no reminders


class Reminders:
    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService, postbox: Postbox
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._postbox = postbox

    def send_reminders(self) -> int:
        """Remind about untouched negative feedback past its SLA (once per stage); follow up resolved items.

        Nothing is sent in a workspace's quiet hours; the unique (feedback, stage) row is the claim, so
        several processes running this at once send each reminder once.
        """
        now = self._clock.now()
        sent = 0
        with self._sessions.begin() as s:
            overdue = repo.overdue_negatives(s, now - HORIZON)
            resolved = repo.resolved_with_assignee(s, now - HORIZON)
            cache: dict[str, WorkspaceSettings] = {}
            for fb in [*overdue, *resolved]:
                ws = cache.get(fb.team_id) or cache.setdefault(fb.team_id, self._settings.get(fb.team_id, s))
                if not ws.is_working_time(now):
                    continue
                if fb.state == RESOLVED:
                    sent += self._follow_up(s, fb, ws, now)
                else:
                    sent += self._sla_reminder(s, fb, ws, now)
        return sent

    def _sla_reminder(self, s: Session, fb: Feedback, ws: WorkspaceSettings, now: datetime) -> int:
        hours = business_hours_between(fb.created_at, now, ws)
        stage = sla_stage(hours, ws.sla_hours)
        if stage is None:
            return 0
        if not repo.claim_reminder(s, fb, f"sla-{stage}", now) or fb.channel_id is None:
            return 0
        reminder = SlaReminder(masked(repo.to_item(fb)), hours, stage)
        key = f"feedback-nudge:{fb.id}:sla-{stage}"
        self._postbox.send(s, fb.team_id, Post(to=fb.channel_id, content=reminder, key=key, thread_ts=fb.ts))
        return 1

    def _follow_up(self, s: Session, fb: Feedback, ws: WorkspaceSettings, now: datetime) -> int:
        if fb.assignee is None or not follow_up_due(fb.resolved_at, now, ws.follow_up_days):
            return 0
        if not repo.claim_reminder(s, fb, "follow-up", now):
            return 0
        reminder = FollowUpReminder(masked(repo.to_item(fb)))
        key = f"feedback-nudge:{fb.id}:follow-up"
        self._postbox.send(s, fb.team_id, Post(to=fb.assignee, content=reminder, key=key))
        return 1
