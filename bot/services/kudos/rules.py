"""The rules of giving: the recognition emoji, the company's values, paused givers, the daily allowance."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.kudos import Allowance, KudosRefused, allowance_text, day_bounds
from bot.domain.settings import WorkspaceSettings
from bot.services.settings import SettingsService
from storage.repositories import kudos as recognitions


class KudosRules:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings

    def is_recognition_emoji(self, team_id: str, reaction: str) -> bool:
        """The configured emoji, with any skin tone (`heart_hands::skin-tone-3`)."""
        return reaction.split("::")[0] == self._settings.get(team_id).kudos_emoji

    def values(self, team_id: str) -> tuple[str, ...]:
        return self._settings.get(team_id).values

    def allowance(self, team_id: str, giver: str) -> Allowance:
        with self._sessions() as s:
            return self.allowance_in(s, team_id, giver, self._settings.get(team_id, s))

    def allowance_in(self, s: Session, team_id: str, giver: str, ws: WorkspaceSettings) -> Allowance:
        """People recognised by `giver` since local midnight; resets at the next local midnight."""
        midnight, tomorrow = day_bounds(self._clock.now(), ws.tz)
        used = recognitions.people_given_since(s, team_id, giver, midnight)
        return Allowance(ws.kudos_daily_limit, used, tomorrow, ws.timezone)

    def check_giver(self, s: Session, team_id: str, giver: str, ws: WorkspaceSettings, wanted: int) -> int:
        """Paused givers and the daily allowance; returns what is left after this kudos."""
        if giver in ws.kudos_paused:
            raise KudosRefused(
                "users", "Giving kudos is paused for you for now. An owner of empathy-bot can tell you more."
            )
        recognitions.lock_giver(s, team_id, giver)
        allowance = self.allowance_in(s, team_id, giver, ws)
        if wanted > allowance.remaining:
            raise KudosRefused("users", allowance_text(allowance, wanted, self._clock.now()))
        return allowance.remaining - wanted
