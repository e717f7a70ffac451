"""Actor: who asks for something, in which workspace, and with which roles there."""

from __future__ import annotations

from dataclasses import dataclass

OWNER = "owner"
MANAGER = "manager"
OPERATOR = "operator"


@dataclass(frozen=True)
class Actor:
    """A person in a workspace, or the operator at the server's command line (every role).

    Services take an Actor rather than a bare user id, so the same permission rules hold whether a
    request comes from Slack, the CLI or a scheduled job."""

    team_id: str
    user_id: str
    roles: frozenset[str] = frozenset()

    @classmethod
    def operator(cls, team_id: str) -> Actor:
        """Whoever runs `empathy-bot` commands on the server: they hold the database already."""
        return cls(team_id, "", frozenset({OWNER, MANAGER, OPERATOR}))

    @property
    def is_owner(self) -> bool:
        return OWNER in self.roles

    @property
    def is_manager(self) -> bool:
        """Managers read digests and results; owners are managers too."""
        return MANAGER in self.roles or OWNER in self.roles
