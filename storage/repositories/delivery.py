"""Queries of the delivery guarantees: replayed Slack signatures, the health heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from storage.models import HealthBeat, SeenSlackRequest
from storage.repositories.common import dialect_insert, insert_ignoring_conflicts


def first_use(engine: Engine, signature: str, request_ts: int) -> bool:
    """Note a signed request; False if the same signature was seen before (a replay).

    Every Slack request pays this before its ack, so it is one autocommitted statement on a pooled
    connection, not an ORM session's BEGIN … COMMIT: about half the time, and on SQLite the write lock is
    held for the statement alone."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return insert_ignoring_conflicts(
            conn, SeenSlackRequest, {"signature": signature, "request_ts": request_ts}
        )


def forget_seen_before(session: Session, request_ts: int) -> int:
    """Drop noted requests signed before `request_ts` (that old, they fail the signature check anyway).

    Done by a job, not by each request: concurrent requests deleting the same expired rows would wait
    for each other's commit (a row lock) on PostgreSQL."""
    result = session.execute(delete(SeenSlackRequest).where(SeenSlackRequest.request_ts < request_ts))
    return int(getattr(result, "rowcount", 0) or 0)


def beat(session: Session, name: str, now: datetime) -> None:
    """Write the heartbeat row of `name`: raises if the database does not accept writes."""
    stmt = dialect_insert(session, HealthBeat).values(name=name, beat_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"beat_at": now}))
