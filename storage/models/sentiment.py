"""The learned sentiment model of each workspace: labelled examples and weights (arrays, never pickle)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class SentimentExample(Base):
    """One labelled text of one workspace: from a customer's rating or a team's correction.

    `predicted` is what the words-only scorer said before learning it (the basis of the agreement figure);
    `customer` lets forget-customer find it; `item_ref` (e.g. the feedback id) makes a correction replace
    the example its item gave before.
    """

    __tablename__ = "sentiment_examples"
    __table_args__ = (
        UniqueConstraint("team_id", "item_ref"),
        Index("ix_sentiment_examples_team_created", "team_id", "created_at"),
        Index("ix_sentiment_examples_team_customer", "team_id", "customer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    item_ref: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16))
    predicted: Mapped[str | None] = mapped_column(String(16))
    predicted_by: Mapped[str | None] = mapped_column(String(16))
    customer: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SentimentModel(Base):
    """A workspace's model: weights as compressed float32 bytes and JSON, with its measured standing.

    `recent` holds the last evaluations on examples the model had not yet trained on, as a list of
    [model_right, base_right, label index] (0/1, 0/1, index in LABELS): the model is used for unrated
    items only when it has seen enough examples and its balanced accuracy there beats the base scorer's.
    """

    __tablename__ = "sentiment_models"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    format: Mapped[int] = mapped_column(Integer)
    classes: Mapped[list[str]] = mapped_column(JSON)
    coef: Mapped[bytes] = mapped_column(LargeBinary)
    intercept: Mapped[bytes] = mapped_column(LargeBinary)
    steps: Mapped[float] = mapped_column(Float)
    # The learner's own state beside its weights (format 2: AdaGrad's sums, examples per class).
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
    examples_seen: Mapped[int] = mapped_column(Integer)
    recent: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    in_use: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
