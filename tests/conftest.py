"""Fixtures: a database per test (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set), a fixed
clock, the Slack stand-in, and the real Bolt app wired to them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import settings as hypothesis_settings
from slack_bolt import App
from sqlalchemy import Engine, text

from bot.app import create_app
from bot.clock import FixedClock
from bot.config import EnvConfig, normalise_database_url
from bot.container import Container, build_container
from storage.db import create_db_engine
from storage.models import Base
from tests.slack_requests import SlackDriver
from tests.slack_standin import SlackStandIn

# Property tests draw the same examples on every run (and keep no example database): a failure they find
# is a failure on every machine, never a one-off in CI.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None)
hypothesis_settings.load_profile("deterministic")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
SIGNING_SECRET = "test-signing-secret"
OWNER = "UOWNER01"
# Monday 16 November 2026, 10:00 UTC
START = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)


def pytest_report_header() -> str:
    return (
        f"database: {'PostgreSQL ' + TEST_DATABASE_URL if TEST_DATABASE_URL else 'SQLite (temporary files)'}"
    )


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[Engine | None]:
    if not TEST_DATABASE_URL:
        yield None
        return
    engine = create_db_engine(normalise_database_url(TEST_DATABASE_URL))
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: os.PathLike[str]) -> str:
    if TEST_DATABASE_URL:
        return normalise_database_url(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path}/test.db"


@pytest.fixture
def engine(_postgres_engine: Engine | None, database_url: str) -> Iterator[Engine]:
    if _postgres_engine is not None:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with _postgres_engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield _postgres_engine
        return
    engine = create_db_engine(database_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """An empty database (SQLite file, or a fresh PostgreSQL schema) for tests that migrate from zero."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path}/scratch.db"
        return
    schema = f"scratch_{uuid.uuid4().hex[:10]}"
    admin = create_db_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{database_url}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="session")
def _standin() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    yield standin
    standin.close()


@pytest.fixture
def slack(_standin: SlackStandIn) -> SlackStandIn:
    _standin.reset()
    return _standin


@pytest.fixture
def settings(slack: SlackStandIn, database_url: str) -> EnvConfig:
    return EnvConfig(
        bot_token="xoxb-test-token",
        signing_secret=SIGNING_SECRET,
        secret_key="k" * 64,
        api_url=slack.url,
        database_url=database_url,
        timezone="Europe/Berlin",
        owners=(OWNER,),
    )


@pytest.fixture
def container(settings: EnvConfig, clock: FixedClock, engine: Engine) -> Iterator[Container]:
    c = build_container(settings, clock=clock, engine=engine)
    yield c


@pytest.fixture
def app(container: Container) -> App:
    return create_app(container, process_before_response=True)


@pytest.fixture
def driver(app: App, slack: SlackStandIn) -> SlackDriver:
    return SlackDriver(app, SIGNING_SECRET, response_url=f"{slack.base}/respond")
