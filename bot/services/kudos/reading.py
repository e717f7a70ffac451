"""Reading recognition: one recognition, a person's App Home stats, and a period's summary for the digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.kudos import (
    KudosHome,
    KudosSummary,
    Recognition,
    month_label,
    month_start,
    summarise,
    top_values,
)
from bot.services.kudos.fairness import Fairness
from bot.services.kudos.giving import get_recognition
from bot.services.kudos.rules import KudosRules
from bot.services.settings import SettingsService
from storage.repositories import kudos as recognitions

LATEST = 5


class Reading:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        rules: KudosRules,
        fairness: Fairness,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._rules = rules
        self._fairness = fairness

    def get(self, team_id: str, recognition_id: int) -> Recognition:
        with self._sessions() as s:
            return recognitions.recognition(s, get_recognition(s, team_id, recognition_id))

    def home(self, team_id: str, user_id: str) -> KudosHome:
        """This month's kudos received and given, what they are recognised for, the team's latest."""
        now = self._clock.now()
        with self._sessions() as s:
            ws = self._settings.get(team_id, s)
            start = month_start(now, ws.tz)
            latest = recognitions.latest_posted(s, team_id, LATEST)
            return KudosHome(
                month_label=month_label(now, ws.tz),
                received=recognitions.times_received_since(s, team_id, user_id, start),
                given=recognitions.people_given_since(s, team_id, user_id, start),
                my_values=top_values(recognitions.values_received(s, team_id, user_id), 5),
                latest=tuple(recognitions.recognitions(s, latest)),
                allowance=self._rules.allowance_in(s, team_id, user_id, ws),
                team_values=self._fairness.monthly_recognition(s, team_id, ws, start),
            )

    def kudos_summary(self, team_id: str, start: datetime, end: datetime) -> KudosSummary:
        """Posted kudos in [start, end): counts by value and person, and up to 3 highlighted stories."""
        with self._sessions() as s:
            posted = recognitions.recognitions(s, recognitions.posted_between(s, team_id, start, end))
        return summarise(posted, start, end)
