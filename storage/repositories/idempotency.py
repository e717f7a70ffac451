"""Keys of side effects already done (Slack event ids, action keys) and claims on scheduled periods."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import PeriodClaim, ProcessedEvent
from storage.repositories.common import affected_rows, insert_ignoring_conflicts


def first_time(session: Session, team_id: str, key: str, now: datetime) -> bool:
    """Record `key` as processed; False if it was already (the caller then does nothing)."""
    return insert_ignoring_conflicts(
        session, ProcessedEvent, {"team_id": team_id, "key": key[:255], "created_at": now}
    )


def forget_processed_before(session: Session, cutoff: datetime) -> int:
    return affected_rows(session, delete(ProcessedEvent).where(ProcessedEvent.created_at < cutoff))


def claim_period(session: Session, team_id: str, kind: str, period: str, now: datetime) -> bool:
    """Claim (team, kind, period) for this process; False if any process claimed it before."""
    return insert_ignoring_conflicts(
        session,
        PeriodClaim,
        {"team_id": team_id, "kind": kind, "period": period, "claimed_at": now},
    )


def mark_period_done(session: Session, team_id: str, kind: str, period: str, now: datetime) -> None:
    session.execute(
        update(PeriodClaim)
        .where(PeriodClaim.team_id == team_id, PeriodClaim.kind == kind, PeriodClaim.period == period)
        .values(done_at=now)
    )


def period_claimed(session: Session, team_id: str, kind: str, period: str) -> bool:
    return (
        session.scalar(
            select(PeriodClaim.id).where(
                PeriodClaim.team_id == team_id, PeriodClaim.kind == kind, PeriodClaim.period == period
            )
        )
        is not None
    )
