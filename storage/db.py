"""Engine and session factory: SQLite (WAL, busy timeout) by default, PostgreSQL via psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

# Seconds a SQLite writer waits behind another one (transactions here are short: milliseconds).
SQLITE_BUSY_TIMEOUT = 1.5


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """Create the one engine of the process.

    SQLite is shared by listener threads and the scheduler thread: WAL lets readers and a writer
    overlap, and a busy timeout makes writers queue briefly instead of failing at once. The timeout is
    well under Slack's 3 s: past it the request fails with "database is locked" and the person is told
    to try again, instead of Slack giving up on an answer that then arrives anyway.
    """
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)}")
    cursor.close()


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def open_connections(engine: Engine, count: int) -> None:
    """Open up to `count` pooled connections now (they stay in the pool), so that the first requests
    after a start do not each pay a new connection (TCP, authentication, the first round trips)."""
    size = engine.pool.size() if hasattr(engine.pool, "size") else 1
    held = []
    try:
        for _ in range(max(1, min(count, size))):
            held.append(engine.connect())
    finally:
        for conn in held:
            conn.close()


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
