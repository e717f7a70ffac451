"""Fairness: the private monthly note to managers on who nobody recognised, and the team's month of
recognition (shown in the App Home when owners turned it on)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.kudos import FAIRNESS_WEEKS, FairnessNote, top_values
from bot.domain.outgoing import Post
from bot.domain.settings import WorkspaceSettings
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from storage.repositories import kudos as recognitions
from storage.repositories.idempotency import claim_period, period_claimed

FAIRNESS_KIND = "kudos-fairness"
MAX_NAMES = 40


class Fairness:
    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService, postbox: Postbox
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._postbox = postbox

    def monthly_recognition(
        self, s: Session, team_id: str, ws: WorkspaceSettings, month_start: datetime
    ) -> tuple[tuple[str, int], ...] | None:
        """The values the team was most recognised for this month, if owners chose to show them."""
        if not ws.show_monthly_recognition:
            return None
        return top_values(recognitions.values_posted_since(s, team_id, month_start), 3)

    def unrecognised(self, team_id: str, members: Iterable[str], weeks: int = FAIRNESS_WEEKS) -> list[str]:
        """Of `members`, who nobody has recognised in the last `weeks` weeks."""
        since = self._clock.now() - timedelta(weeks=weeks)
        with self._sessions() as s:
            recognised = recognitions.recognised_since(s, team_id, since)
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
            recent = recognitions.count_live_since(s, team_id, now - timedelta(weeks=FAIRNESS_WEEKS))
        return period if recent else None

    def send_fairness_nudges(self, team_id: str, members: Iterable[str]) -> int:
        """Once a month: DM each manager the teammates nobody recognised in 6 weeks. Claimed per month."""
        period = self.fairness_period(team_id)
        if period is None:
            return 0
        names = self.unrecognised(team_id, list(members))
        ws = self._settings.get(team_id)
        managers = ws.managers or ws.owners
        sent = 0
        with self._sessions.begin() as s:
            if not claim_period(s, team_id, FAIRNESS_KIND, period, self._clock.now()):
                return 0
            for manager in managers:
                theirs = tuple(n for n in names if n != manager)
                if not theirs:
                    continue
                note = FairnessNote(theirs[:MAX_NAMES], FAIRNESS_WEEKS)
                self._postbox.send(
                    s, team_id, Post(to=manager, content=note, key=f"kudos-fairness:{period}:{manager}")
                )
                sent += 1
        return sent
