"""Speak up: conversations, their messages and cards, flags, blocked senders and the day's send counts.

No column holds a user id. The sender is in `sender_box` only, AES-GCM encrypted with a random nonce
(so two boxes of one sender differ); the keyed hashes in flags, blocks and counts are each keyed for
their own purpose, and none of them is stored beside a conversation of the same person. Times are days.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class SpeakupConversation(Base):
    """One thing a member raised. status: open | acknowledged | resolved | closed."""

    __tablename__ = "speakup_conversations"
    __table_args__ = (Index("ix_speakup_conversations_team_created", "team_id", "created_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(40))
    sender_box: Mapped[bytes] = mapped_column(LargeBinary)
    named: Mapped[bool] = mapped_column(Boolean, server_default=false())
    status: Mapped[str] = mapped_column(String(16))
    share_requested: Mapped[bool] = mapped_column(Boolean, server_default=false())
    shared: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_on: Mapped[date] = mapped_column(Date)
    first_reply_on: Mapped[date | None] = mapped_column(Date)


class SpeakupMessage(Base):
    """A message or state change in a conversation, waiting for (or past) its relay.

    author: sender | receiver. kind: text | acknowledged | resolved | share_requested | closed | shared.
    `relay_after` is the relay's exact time; it is cleared once the relay is queued."""

    __tablename__ = "speakup_messages"
    __table_args__ = (Index("ix_speakup_messages_due", "relayed", "relay_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("speakup_conversations.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[date] = mapped_column(Date)
    relay_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    relayed: Mapped[bool] = mapped_column(Boolean, server_default=false())


class SpeakupCard(Base):
    """Where a conversation's leadership card landed (the receivers' channel, or a receiver's DM)."""

    __tablename__ = "speakup_cards"
    __table_args__ = (UniqueConstraint("conversation_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("speakup_conversations.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))


class SpeakupFlag(Base):
    """A receiver flagged a conversation as abusive; `flagger` is keyed per conversation (not linkable)."""

    __tablename__ = "speakup_flags"
    __table_args__ = (UniqueConstraint("conversation_id", "flagger"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("speakup_conversations.id", ondelete="CASCADE"))
    flagger: Mapped[str] = mapped_column(String(64))


class SpeakupBlock(Base):
    """A sender stopped after flags by two receivers: a keyed hash of the sender, linked to nothing."""

    __tablename__ = "speakup_blocks"
    __table_args__ = (UniqueConstraint("team_id", "sender_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    sender_hash: Mapped[str] = mapped_column(String(64))
    blocked_on: Mapped[date] = mapped_column(Date)


class SpeakupDailyCount(Base):
    """New conversations per sender on one day: keyed hash of (team, day, sender), deleted after the day."""

    __tablename__ = "speakup_daily_counts"
    __table_args__ = (UniqueConstraint("team_id", "day", "sender_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    sender_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
