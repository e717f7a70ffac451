"""Queries of the delivery guarantees: replayed Slack signatures, the health heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import HealthBeat, SeenSlackRequest
from storage.repositories.common import insert_ignoring_conflicts


def first_use(session: Session, signature: str, request_ts: int, forget_before: int) -> bool:
    """Note a signed request; False if the same signature was seen before (a replay).

    Entries whose request timestamp is older than `forget_before` are pruned on the way (requests that
    old fail the signature's timestamp check anyway).
    """
    session.execute(delete(SeenSlackRequest).where(SeenSlackRequest.request_ts < forget_before))
    return insert_ignoring_conflicts(
        session, SeenSlackRequest, {"signature": signature, "request_ts": request_ts}
    )


def beat(session: Session, name: str, now: datetime) -> None:
    """Write the heartbeat row of `name`: raises if the database does not accept writes."""
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    stmt = insert(HealthBeat).values(name=name, beat_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"beat_at": now}))
