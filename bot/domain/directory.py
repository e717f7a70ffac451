"""The people directory's records: who a Slack user id is (names, bot or person, active, time zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

SLACKBOT = "USLACKBOT"


@dataclass(frozen=True)
class DirectoryPerson:
    """One Slack user as the bot last heard of them (users.list, users.info or a user event)."""

    id: str
    name: str = ""
    real_name: str = ""
    display_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    tz: str | None = None

    @property
    def is_human(self) -> bool:
        """An active person: not a bot, not Slackbot, not deactivated."""
        return not (self.is_bot or self.deleted or self.id == SLACKBOT)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.real_name or self.name

    @property
    def names(self) -> list[str]:
        """The names customers may use for them (real and display), for recognising praise."""
        return [n for n in (self.real_name, self.display_name) if n]


def person_from_slack(user: dict[str, Any]) -> DirectoryPerson:
    """A users.list / users.info / user_change `user` object as a record."""
    profile = user.get("profile") or {}
    return DirectoryPerson(
        id=str(user["id"]),
        name=str(user.get("name") or "")[:255],
        real_name=str(user.get("real_name") or profile.get("real_name") or "")[:255],
        display_name=str(profile.get("display_name") or "")[:255],
        is_bot=bool(user.get("is_bot")) or user.get("id") == SLACKBOT,
        deleted=bool(user.get("deleted")),
        tz=(str(user["tz"])[:64] if user.get("tz") else None),
    )


@dataclass(frozen=True)
class FillState:
    """Where a workspace's paged directory fill stands: `cursor` of the next page ('' to start a pass),
    `filled_at` when the last complete pass ended (None: never)."""

    cursor: str
    pass_started_at: datetime | None
    filled_at: datetime | None
