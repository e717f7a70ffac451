"""Query helpers shared by every repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Delete, Table, Update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session


def affected_rows(session: Session, statement: Update | Delete) -> int:
    """Run a bulk UPDATE or DELETE and say how many rows it changed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount or 0


def claimed(session: Session, statement: Update) -> bool:
    """Run a conditional UPDATE (a claim: its WHERE says what must still hold) and say whether it took a
    row. On PostgreSQL the row stays held until the transaction ends."""
    table: Any = statement.table
    return session.scalars(statement.returning(*table.primary_key.columns)).first() is not None


def dialect_insert(session: Session | Connection, table: Any) -> postgresql.Insert | sqlite.Insert:
    """INSERT into `table` in the database's own dialect: the construct that has ON CONFLICT clauses."""
    bind = session.get_bind() if isinstance(session, Session) else session
    module = postgresql if bind.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_ignoring_conflicts(
    session: Session | Connection, model: type[DeclarativeBase], values: dict[str, Any]
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on either database; True if a row was inserted.

    This is how idempotency is enforced by the schema itself: the unique key decides, not a prior SELECT
    that two processes could both pass.
    """
    table = cast(Table, model.__table__)
    # RETURNING, not rowcount: with an autoincrement key SQLAlchemy adds RETURNING itself and psycopg
    # then reports rowcount -1.
    stmt = (
        dialect_insert(session, table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return session.execute(stmt).first() is not None


def insert_many_ignoring_conflicts(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]], chunk: int = 500
) -> int:
    """`insert_ignoring_conflicts` for many rows (same keys each), sent as a few multi-row INSERTs instead
    of one statement a row; returns how many were inserted. A big fan-out (a launch to thousands) thus holds
    its transaction, and on SQLite the database's write lock, for a fraction of the time."""
    table = cast(Table, model.__table__)
    stmt = dialect_insert(session, table).on_conflict_do_nothing().returning(*table.primary_key.columns)
    inserted = 0
    for start in range(0, len(rows), chunk):
        # executemany: SQLAlchemy batches the rows into multi-row INSERTs itself ("insertmanyvalues"),
        # compiling the statement once.
        inserted += len(session.execute(stmt, list(rows[start : start + chunk])).all())
    return inserted
