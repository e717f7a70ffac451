"""The outbox of Slack calls: enqueue idempotently, claim due rows (SKIP LOCKED on PostgreSQL), settle."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import OutboxMessage
from storage.repositories.common import insert_ignoring_conflicts


def enqueue(
    session: Session,
    *,
    team_id: str,
    dedupe_key: str,
    method: str,
    payload: dict[str, Any],
    on_sent: str | None,
    now: datetime,
    receipt: dict[str, Any] | None = None,
    scrub_after_send: bool = False,
) -> bool:
    """Add a call to the outbox; False if one with the same key was enqueued before (nothing changes)."""
    return insert_ignoring_conflicts(
        session,
        OutboxMessage,
        {
            "team_id": team_id,
            "dedupe_key": dedupe_key,
            "method": method,
            "payload": payload,
            "on_sent": on_sent,
            "receipt": receipt,
            "scrub_after_send": scrub_after_send,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )


def claim_due(session: Session, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
    """Claim up to `limit` due messages for this process for `lease`.

    The claim is a conditional UPDATE … RETURNING, so two processes can never both claim a row (on
    SQLite the write lock serialises them; the condition is re-checked under it). On PostgreSQL,
    FOR UPDATE SKIP LOCKED makes concurrent claimers pick disjoint rows instead of queueing. The lease
    (claimed_until) lets another process pick a row up if this one dies after claiming it.
    """
    claimable = (
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )
    candidates = (
        select(OutboxMessage.id)
        .where(*claimable)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if is_postgres(session):
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    claimed = set(
        session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), *claimable)
            .values(claimed_until=now + lease)
            .returning(OutboxMessage.id)
        )
    )
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
    )
    return list(rows)


def counts_by_status(session: Session, team_id: str | None = None) -> dict[str, int]:
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if team_id is not None:
        stmt = stmt.where(OutboxMessage.team_id == team_id)
    return {status: count for status, count in session.execute(stmt)}


def by_key(session: Session, team_id: str, dedupe_key: str) -> OutboxMessage | None:
    return session.scalar(
        select(OutboxMessage).where(OutboxMessage.team_id == team_id, OutboxMessage.dedupe_key == dedupe_key)
    )
