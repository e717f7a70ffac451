"""Which workspaces the bot serves, and who may do what in each (roles checked on the server)."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.errors import NotAllowed
from bot.services.settings import SettingsService
from storage.repositories import workspaces as repo


class Workspaces:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def ensure(self, team_id: str) -> None:
        """Make sure a row exists for a workspace we hear from (cheap after the first time)."""
        if team_id in self._known:
            return
        with self._sessions.begin() as s:
            repo.ensure_workspace(s, team_id, self._clock.now())
        with self._lock:
            self._known.add(team_id)

    def record_installation(self, team_id: str, name: str, bot_user_id: str | None) -> None:
        with self._sessions.begin() as s:
            repo.record_installation(s, team_id, name, bot_user_id, self._clock.now())
        with self._lock:
            self._known.add(team_id)

    def deactivate(self, team_id: str) -> None:
        with self._sessions.begin() as s:
            repo.deactivate(s, team_id, self._clock.now())
        with self._lock:
            self._known.discard(team_id)

    def active_team_ids(self) -> list[str]:
        with self._sessions() as s:
            return repo.active_team_ids(s)


class Roles:
    """Owners (surveys, settings) and managers (digests, results); owners are managers too."""

    def __init__(self, settings: SettingsService) -> None:
        self._settings = settings

    def is_owner(self, team_id: str, user_id: str) -> bool:
        return user_id in self._settings.get(team_id).owners

    def is_manager(self, team_id: str, user_id: str) -> bool:
        resolved = self._settings.get(team_id)
        return user_id in resolved.owners or user_id in resolved.managers

    def require_owner(self, team_id: str, user_id: str, action: str) -> None:
        if not self.is_owner(team_id, user_id):
            raise NotAllowed(
                f"Only the workspace's empathy-bot owners can {action}. "
                "An owner can add you in the App Home settings."
            )

    def require_manager(self, team_id: str, user_id: str, action: str) -> None:
        if not self.is_manager(team_id, user_id):
            raise NotAllowed(
                f"Only managers and owners can {action}. An owner can add you in the App Home settings."
            )
