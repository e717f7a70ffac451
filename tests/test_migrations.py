"""Migrations and models agree, on the database under test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from storage import migrate
from storage.db import create_db_engine
from storage.models import Base


@pytest.fixture
def empty_engine(scratch_database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(scratch_database_url)
    yield engine
    engine.dispose()


def test_migrations_build_exactly_the_models_schema(empty_engine: Engine) -> None:
    applied = migrate.upgrade(empty_engine)
    assert applied, "a fresh database gets every migration"
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert migrate.current(empty_engine) == migrate.heads()


def test_upgrade_twice_applies_nothing_the_second_time(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert migrate.upgrade(empty_engine) == []
