"""Tables of the delivery guarantees: Slack request signatures seen (replay refusal), the health heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class SeenSlackRequest(Base):
    """A signed Slack request already accepted: the same signature is refused within Slack's 5 minutes.

    The signature covers the timestamp and the body, so it identifies the request; rows older than the
    window are pruned (a request that old fails the timestamp check anyway).
    """

    __tablename__ = "seen_slack_requests"
    __table_args__ = (Index("ix_seen_slack_requests_request_ts", "request_ts"),)

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    request_ts: Mapped[int] = mapped_column(BigInteger)


class HealthBeat(Base):
    """One row per process name, rewritten by /healthz to prove the database accepts writes."""

    __tablename__ = "health_beats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
