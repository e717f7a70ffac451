"""The outbox of Slack calls: enqueue idempotently, claim due rows (SKIP LOCKED on PostgreSQL), settle."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, not_, or_, select, update
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import OutboxMessage
from storage.repositories.common import affected_rows, insert_many_ignoring_conflicts


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
    row = {
        "team_id": team_id,
        "dedupe_key": dedupe_key,
        "method": method,
        "payload": payload,
        "on_sent": on_sent,
        "receipt": receipt,
        "scrub_after_send": scrub_after_send,
    }
    return enqueue_many(session, [row], now) == 1


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> int:
    """Add calls to the outbox (rows shaped as `enqueue` builds them), a few statements for thousands;
    a (team, key) enqueued before is left as it was. Returns how many were added."""
    values = [
        {**row, "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now} for row in rows
    ]
    return insert_many_ignoring_conflicts(session, OutboxMessage, values)


def new_claim_token() -> str:
    return secrets.token_hex(16)


def claim_due(
    session: Session,
    now: datetime,
    limit: int,
    lease: timedelta,
    token: str | None = None,
    skip: Collection[tuple[str, str]] = (),
) -> list[OutboxMessage]:
    """Claim up to `limit` due messages for this process for `lease`, stamping them with `token`.

    The claim is a conditional UPDATE … RETURNING, so two processes can never both claim a row (on
    SQLite the write lock serialises them; the condition is re-checked under it). On PostgreSQL,
    FOR UPDATE SKIP LOCKED makes concurrent claimers pick disjoint rows instead of queueing. The lease
    (claimed_until) lets another process pick a row up if this one dies after claiming it; the token
    fences the old holder out once that happened (see `hold` and `fence`). Rows of the (team id, method)
    pairs in `skip` (rate-limited by Slack just now) are left where they are.
    """
    claimable = (
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        *(not_(and_(OutboxMessage.team_id == team, OutboxMessage.method == method)) for team, method in skip),
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
            .values(claimed_until=now + lease, claim_token=token or new_claim_token())
            .returning(OutboxMessage.id)
        )
    )
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
    )
    return list(rows)


def hold(session: Session, ids: Collection[int], token: str, until: datetime) -> set[int]:
    """Extend the lease of the rows among `ids` this claimer still holds; returns those ids.

    A row is held while it is pending and still carries `token`: once another process reclaimed it
    (the lease ran out) or it was settled, it is not, and its old holder must not send it.
    """
    if not ids:
        return set()
    return set(
        session.scalars(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(ids)),
                OutboxMessage.claim_token == token,
                OutboxMessage.status == "pending",
            )
            .values(claimed_until=until)
            .returning(OutboxMessage.id)
        )
    )


def fence(session: Session, message_id: int, token: str) -> OutboxMessage | None:
    """Release this claimer's hold on a row so its outcome can be recorded; None if the hold was lost.

    The condition on the token is in the same UPDATE that takes the row's write lock, so two claimers
    can never both record an outcome for one row. Commit or roll back with the outcome.
    """
    fenced = session.scalar(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claim_token == token,
            OutboxMessage.status == "pending",
        )
        .values(claimed_until=None, claim_token=None)
        .returning(OutboxMessage.id)
    )
    if fenced is None:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def release(session: Session, ids: Collection[int], token: str) -> None:
    """Give rows this claimer still holds back to the queue now (shutdown) instead of at lease end."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.claim_token == token)
        .values(claimed_until=None, claim_token=None)
    )


def defer(session: Session, ids: Collection[int], token: str, until: datetime) -> None:
    """Hand rows this claimer holds back to the queue, due at `until`, untried (no attempt counted)."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(ids)),
            OutboxMessage.claim_token == token,
            OutboxMessage.status == "pending",
        )
        .values(claimed_until=None, claim_token=None, next_attempt_at=until)
    )


def oldest_due_age(session: Session, now: datetime) -> float | None:
    """Seconds since the oldest pending row became due (None when nothing is due): delivery lag."""
    oldest = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now
        )
    )
    if oldest is None:
        return None
    oldest = oldest.replace(tzinfo=now.tzinfo) if oldest.tzinfo is None else oldest
    return max((now - oldest).total_seconds(), 0.0)


def counts_by_status(session: Session, team_id: str | None = None) -> dict[str, int]:
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if team_id is not None:
        stmt = stmt.where(OutboxMessage.team_id == team_id)
    return {status: count for status, count in session.execute(stmt)}


def by_key(session: Session, team_id: str, dedupe_key: str) -> OutboxMessage | None:
    return session.scalar(
        select(OutboxMessage).where(OutboxMessage.team_id == team_id, OutboxMessage.dedupe_key == dedupe_key)
    )


def requeue_dead_to(
    s: Session, team_id: str, channel: str, errors: Iterable[str], *, since: datetime, now: datetime
) -> int:
    """Dead chat.postMessage calls to `channel` since `since` that failed with one of `errors`: pending
    again, from now. The channel is matched in the JSON payload by SQL (either database)."""
    return affected_rows(
        s,
        update(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.status == "dead",
            OutboxMessage.method == "chat.postMessage",
            OutboxMessage.last_error.in_(list(errors)),
            OutboxMessage.created_at >= since,
            OutboxMessage.payload["channel"].as_string() == channel,
        )
        .values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False),
    )
