"""Query helpers shared by every repository."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on either database; True if a row was inserted.

    This is how idempotency is enforced by the schema itself: the unique key decides, not a prior SELECT
    that two processes could both pass.
    """
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # RETURNING, not rowcount: with an autoincrement key SQLAlchemy adds RETURNING itself and psycopg
    # then reports rowcount -1.
    stmt = (
        module.insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    )
    return session.execute(stmt).first() is not None
