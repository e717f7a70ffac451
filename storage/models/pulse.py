"""Pulse surveys: the survey, who was invited, who took part, and the answers, kept apart by design.

Anonymity is a property of this schema, not of the UI:
- `pulse_participation` says only that *someone* took part: a keyed hash (HMAC with the server secret)
  of survey and person, and no timestamp at all.
- `pulse_responses` holds answers under a random id with the day of answering only. For anonymous
  surveys `respondent_id` is NULL, enforced by a CHECK constraint. The person's way back to their own
  answers (to change them before close) is a random token that lives only in their own DM; the table
  keeps its SHA-256 and nothing else.
- Neither table has an ordering key: on SQLite both are WITHOUT ROWID (stored in primary-key order,
  i.e. random), and on close both are rewritten in random order in one transaction (see PulseService).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Survey(Base):
    __tablename__ = "pulse_surveys"
    __table_args__ = (
        UniqueConstraint("team_id", "series_id", "round"),
        Index("ix_pulse_surveys_due", "state", "closes_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    template: Mapped[str] = mapped_column(String(32))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    min_responses: Mapped[int] = mapped_column(Integer)
    comment_min_responses: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders: Mapped[int] = mapped_column(Integer, default=1)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    recurrence: Mapped[str] = mapped_column(String(16), default="none")
    series_id: Mapped[int | None] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1)
    next_round_launched: Mapped[bool] = mapped_column(Boolean, default=False)
    invited_count: Mapped[int] = mapped_column(Integer, default=0)
    # Answers between their participation and their response transaction; a close waits for them
    # (state "closing") so that no answer lands after the results went out. A count, nothing else.
    answers_in_flight: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note_skipped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fatigue_told: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Small-team pooling: the round whose report covered this round's answers (its own round when it was
    # reported alone); and, on a report's round, what the next pooled report is compared with.
    pooled_into: Mapped[int | None] = mapped_column(Integer)
    report_means: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # A closed round's figures, stored once at close (bot/domain/pulse_figures.py): what the next round's
    # comparison and the digest read instead of this round's answers. Aggregates only, and only what its
    # results show (nothing when they are withheld); NULL until stored (closed before 0017, or cleared
    # by a forget: computed again on first read).
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    enps_score: Mapped[int | None] = mapped_column(Integer)  # the shown eNPS; NULL when none is shown
    enps_answers: Mapped[int | None] = mapped_column(Integer)
    follow_up: Mapped[str | None] = mapped_column(Text)
    follow_up_by: Mapped[str | None] = mapped_column(String(32))
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyInvitee(Base):
    """Who was asked (for the response rate and reminders). Says nothing about who answered."""

    __tablename__ = "pulse_invitees"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_surveys.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Where the invitation DM landed (from the outbox's receipt), so that closing can update it in place.
    dm_channel: Mapped[str | None] = mapped_column(String(32))
    dm_ts: Mapped[str | None] = mapped_column(String(32))


class SurveyParticipation(Base):
    """Someone took part: HMAC(secret, survey, person). No time, no link to what they answered."""

    __tablename__ = "pulse_participation"
    __table_args__ = {"sqlite_with_rowid": False}

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_surveys.id", ondelete="CASCADE"), primary_key=True
    )
    participant: Mapped[str] = mapped_column(String(64), primary_key=True)


class SurveyResponse(Base):
    """One person's answers, under a random id, dated to the day."""

    __tablename__ = "pulse_responses"
    __table_args__ = (
        CheckConstraint("anonymous = (respondent_id IS NULL)", name="anonymous_has_no_respondent"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    respondent_id: Mapped[str | None] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    comments: Mapped[dict[str, str]] = mapped_column(JSON)
    answered_on: Mapped[date] = mapped_column(Date)


class BankItemRow(Base):
    """A workspace's own question bank item, in the shape of the open bank's (bot/domain/pulse_bank.py)."""

    __tablename__ = "pulse_bank_items"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    theme: Mapped[str] = mapped_column(String(32))
    scale: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(200))
    reverse: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AwayRow(Base):
    """A person snoozed pulse surveys until a day (a holiday): they are not asked before then."""

    __tablename__ = "pulse_away"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[date] = mapped_column(Date)
