"""The per-workspace people directory, and where each workspace's paged fill from users.list stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class DirectoryPerson(Base):
    """A Slack user of a workspace: what the request path needs to know without asking Slack."""

    __tablename__ = "directory_people"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    real_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    display_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tz: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DirectoryFill(Base):
    """One row per workspace: the next users.list page to fetch, and when the last full pass ended."""

    __tablename__ = "directory_fills"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(255), default="", server_default="")
    pass_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
