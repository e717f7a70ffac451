"""Peer recognition: a kudos (one story, one card), the people it recognises, and the +1s it gathered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Kudos(Base):
    """One act of recognition by one giver; `source_key` makes a submission or an offer count once.

    status: "pending" (a reaction waiting for its why), "posted" (has a story, card queued), "withdrawn".
    """

    __tablename__ = "kudos"
    __table_args__ = (
        UniqueConstraint("team_id", "source_key"),
        Index("ix_kudos_team_created", "team_id", "created_at"),
        Index("ix_kudos_team_posted", "team_id", "posted_at"),  # the digest's week of posted kudos
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    giver: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text)
    values: Mapped[list[str]] = mapped_column(JSON, default=list)
    beneficiary: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(1024))
    card_channel: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KudosRecipient(Base):
    """One person recognised by a kudos. A reaction recognises a message's author once per giver:
    unique (team, giver, receiver, message_ref); message_ref is NULL (never equal) for other kudos."""

    __tablename__ = "kudos_recipients"
    __table_args__ = (
        UniqueConstraint("team_id", "giver", "receiver", "message_ref"),
        UniqueConstraint("kudos_id", "receiver"),
        Index("ix_kudos_recipients_giver", "team_id", "giver", "created_at"),
        Index("ix_kudos_recipients_receiver", "team_id", "receiver", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kudos_id: Mapped[int] = mapped_column(ForeignKey("kudos.id", ondelete="CASCADE"))
    giver: Mapped[str] = mapped_column(String(32))
    receiver: Mapped[str] = mapped_column(String(32))
    message_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KudosPlusOne(Base):
    """Someone adding their voice ("+1 / me too") to a kudos; once each."""

    __tablename__ = "kudos_plus_ones"
    __table_args__ = (UniqueConstraint("kudos_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kudos_id: Mapped[int] = mapped_column(ForeignKey("kudos.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
