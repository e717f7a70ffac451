"""Customer feedback: items, their state changes, routing rules, webhook sources and nudge stages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from storage.models.base import Base, UTCDateTime


class Feedback(Base):
    """One piece of customer feedback; (team, source, external_id) makes ingestion idempotent."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("team_id", "source", "external_id"),
        # Every message/reaction event in the bot's channels asks "is this one of our cards?"
        Index("ix_feedback_card", "channel_id", "ts"),
        Index("ix_feedback_escalation_card", "escalation_channel_id", "escalation_ts"),
        # The digest's aggregates: one week's window, the open negative items, the week's responses.
        Index("ix_feedback_team_received", "team_id", "received_at"),
        Index("ix_feedback_team_open", "team_id", "label", "state"),
        Index("ix_feedback_team_first_response", "team_id", "first_response_at"),
        Index("ix_feedback_team_resolved", "team_id", "resolved_at"),
        # Rated or corrected items not learned yet (the learning job's queue).
        Index("ix_feedback_learn_pending", "learn_pending", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    customer: Mapped[str | None] = mapped_column(String(255))
    rating: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    polarity: Mapped[float] = mapped_column(Float)
    subjectivity: Mapped[float] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(16))
    label_corrected_by: Mapped[str | None] = mapped_column(String(32))
    label_corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routed_rule: Mapped[str | None] = mapped_column(String(255))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    escalation_channel_id: Mapped[str | None] = mapped_column(String(32))
    escalation_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(String(1024))
    state: Mapped[str] = mapped_column(String(16), default="new")
    assignee: Mapped[str | None] = mapped_column(String(32))
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the label came from (rating | learned | base | not_scored), why in words, and a strong
    # disagreement of the words with the customer's rating ("the words read positive").
    label_source: Mapped[str | None] = mapped_column(String(16))
    label_reason: Mapped[str | None] = mapped_column(String(255))
    disagreement: Mapped[str | None] = mapped_column(String(64))
    # A rated or corrected item whose label the workspace's model has not learned yet.
    learn_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    resolved_by: Mapped[str | None] = mapped_column(String(32))


class FeedbackEvent(Base):
    """A state change of a feedback item: who did what, when."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoutingRule(Base):
    """Send feedback matching a source, tag or keyword to a channel; lowest position wins."""

    __tablename__ = "feedback_routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    pattern: Mapped[str] = mapped_column(String(255))
    channel_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)


class FeedbackSource(Base):
    """A webhook sender: its name, kind (adapter), URL id, HMAC secret and bearer token (shown once).

    `secret`/`token` are the legacy plain-text columns: sources made by bot/services/sources.py leave
    `secret` empty and put the token's hash in `token`; legacy rows are sealed on first use. The HMAC
    secret is kept AES-GCM encrypted in `secret_sealed`, the token only as its SHA-256 in `token_hash`.
    """

    __tablename__ = "feedback_sources"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(128))
    token: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32), default="json", server_default="json")
    url_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    rating_scale: Mapped[str | None] = mapped_column(String(16))
    config: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    secret_sealed: Mapped[str | None] = mapped_column(String(255))
    # Polled sources (App Store): cursor, consecutive failures and the time to try again after a back-off.
    poll_state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The last delivery received: when, a cut of its payload, and what it became or why it was refused.
    last_delivery: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class FeedbackNudge(Base):
    """A nudge already sent for one feedback item at one stage, so each stage fires exactly once."""

    __tablename__ = "feedback_nudges"
    __table_args__ = (UniqueConstraint("feedback_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
