"""Models every capability relies on: workspaces, their settings, the outbox, idempotency and claims."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Workspace(Base):
    """A Slack workspace the bot serves (one in the embedded setup, many with OAuth installs)."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkspaceSetting(Base):
    """One owner-edited setting of a workspace, stored as JSON; defaults live in bot.services.settings."""

    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A Slack Web API call to make, kept until it succeeds so nothing is dropped silently.

    `dedupe_key` is unique per workspace: enqueueing the same message twice stores it once, which is
    what keeps fan-outs and retried jobs from sending anyone the same thing twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "dedupe_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    on_sent: Mapped[str | None] = mapped_column(String(64))
    # The typed receipt (a record's fields) handed to the `on_sent` handler once Slack accepted the call.
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Empty payload and result once sent (survey reminders: who was reminded must not stay on record).
    scrub_after_send: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Fencing: the claimer's token; a send is recorded only while the row still carries it.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessedEvent(Base):
    """Side effects already done for a Slack event or action: Slack retries, we must not repeat."""

    __tablename__ = "processed_events"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PeriodClaim(Base):
    """A scheduled piece of work (digest of a week, a reminder round) claimed by exactly one process."""

    __tablename__ = "period_claims"
    __table_args__ = (UniqueConstraint("team_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
