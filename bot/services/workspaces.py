"""Which workspaces the bot serves, and who may do what in each (roles checked on the server)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.actor import MANAGER, OWNER, Actor
from bot.domain.errors import NotFound
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

    def learn(self, ask: Callable[[], tuple[str, str, str | None]]) -> str | None:
        """With no workspace recorded yet, record the one `ask()` names, (team_id, name, bot_user_id)
        as the bot token's auth.test says, so that a command works before the bot ever ran."""
        with self._sessions() as s:
            if repo.all_team_ids(s):
                return None
        team_id, name, bot_user_id = ask()
        self.record_installation(team_id, name, bot_user_id)
        return team_id

    def pick(self, given: str | None) -> str:
        """The workspace a command-line command means: the one named with --team, which must be known
        here (a typo must not create data under a workspace nobody has), or else the only one."""
        with self._sessions() as s:
            teams = repo.all_team_ids(s)  # uninstalled ones too: their data is kept for retention
        if given in teams or (given is None and len(teams) == 1):
            return given or teams[0]
        known = (
            f"workspaces in this database: {', '.join(teams)}"
            if teams
            else "this database has no workspace yet: set SLACK_BOT_TOKEN (the command asks Slack which "
            "workspace it is) or start the bot once (`empathy-bot run`)"
        )
        if given:
            raise NotFound(f"no workspace {given!r} here ({known}); check --team and DATABASE_URL")
        raise NotFound(f"say which workspace with --team ({known})")


class Actors:
    """Who a Slack user is in a workspace: the Actor services check permissions against."""

    def __init__(self, settings: SettingsService) -> None:
        self._settings = settings

    def of(self, team_id: str, user_id: str) -> Actor:
        resolved = self._settings.get(team_id)
        roles = set()
        if user_id and user_id in resolved.owners:
            roles.add(OWNER)
        if user_id and user_id in resolved.managers:
            roles.add(MANAGER)
        return Actor(team_id, user_id, frozenset(roles))
