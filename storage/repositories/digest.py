"""Aggregates for the weekly digest, computed in SQL over (team_id, received_at) and (team_id, state, label).

Every query is bounded by a week window or by the open items, so the cost grows with a week's volume,
not with the history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from bot.domain.digest import OpenFeedback, WindowStats
from storage.models import Feedback, FeedbackNudge

LABELS = ("positive", "neutral", "negative", "needs_review")


def window_stats(s: Session, team_id: str, start: datetime, end: datetime) -> WindowStats:
    """The week's counts; by_label holds every label present (the label column carries the team's
    correction when there was one), the three base labels always, at zero when absent."""
    in_window = and_(Feedback.team_id == team_id, Feedback.received_at >= start, Feedback.received_at < end)
    row = s.execute(
        select(
            func.count(),
            func.avg(Feedback.polarity),
            func.sum(case((Feedback.label_corrected_by.is_not(None), 1), else_=0)),
        ).where(in_window)
    ).one()
    count, mean, corrected = row
    per_label = s.execute(select(Feedback.label, func.count()).where(in_window).group_by(Feedback.label))
    return WindowStats(
        count=count or 0,
        by_label={label: 0 for label in LABELS} | {label: int(n) for label, n in per_label},
        mean_polarity=None if mean is None else float(mean),
        corrected=int(corrected or 0),
    )


def negative_texts(s: Session, team_id: str, start: datetime, end: datetime, limit: int = 2000) -> list[str]:
    return list(
        s.scalars(
            select(Feedback.text)
            .where(
                Feedback.team_id == team_id,
                Feedback.received_at >= start,
                Feedback.received_at < end,
                Feedback.label == "negative",
            )
            .limit(limit)
        )
    )


def open_negative(
    s: Session, team_id: str, open_states: tuple[str, ...], limit: int
) -> tuple[int, list[OpenFeedback]]:
    """How many negative items are still open, and the oldest `limit` of them."""
    where = (Feedback.team_id == team_id, Feedback.state.in_(open_states), Feedback.label == "negative")
    total = s.scalar(select(func.count()).select_from(Feedback).where(*where)) or 0
    oldest = s.scalars(select(Feedback).where(*where).order_by(Feedback.received_at).limit(limit))
    return total, [
        OpenFeedback(fb.id, fb.received_at, fb.assignee, fb.text, fb.channel_id, fb.ts) for fb in oldest
    ]


def response_pairs(
    s: Session, team_id: str, start: datetime, end: datetime
) -> tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]]:
    """(created, first response) for first responses in the window; (created, resolved) for resolutions."""
    responded = s.execute(
        select(Feedback.created_at, Feedback.first_response_at).where(
            Feedback.team_id == team_id, Feedback.first_response_at >= start, Feedback.first_response_at < end
        )
    ).all()
    resolved = s.execute(
        select(Feedback.created_at, Feedback.resolved_at).where(
            Feedback.team_id == team_id, Feedback.resolved_at >= start, Feedback.resolved_at < end
        )
    ).all()
    return [(a, b) for a, b in responded if b is not None], [(a, b) for a, b in resolved if b is not None]


def resolutions(
    s: Session, team_id: str, start: datetime, end: datetime, limit: int
) -> tuple[int, list[tuple[str, str]]]:
    """How many items were resolved in the window, and (customer said, we did) of the latest `limit`."""
    where = (Feedback.team_id == team_id, Feedback.resolved_at >= start, Feedback.resolved_at < end)
    total = s.scalar(select(func.count()).select_from(Feedback).where(*where)) or 0
    latest = list(
        s.scalars(select(Feedback).where(*where).order_by(Feedback.resolved_at.desc()).limit(limit))
    )
    return total, [(fb.text, fb.resolution or "") for fb in latest]


def sla_breaches(s: Session, team_id: str, start: datetime, end: datetime) -> int:
    return (
        s.scalar(
            select(func.count(func.distinct(FeedbackNudge.feedback_id))).where(
                FeedbackNudge.team_id == team_id,
                FeedbackNudge.stage.like("sla-%"),
                FeedbackNudge.sent_at >= start,
                FeedbackNudge.sent_at < end,
            )
        )
        or 0
    )
