"""The request path never waits long: no Retry-After sleeps in listeners, a short SQLite busy timeout."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import text

from bot.clock import FixedClock
from bot.config import EnvConfig
from bot.container import Container
from handlers.errors import BUSY, SLACK_BUSY
from storage.db import SQLITE_BUSY_TIMEOUT
from tests.conftest import OWNER
from tests.slack_requests import SlackDriver, response_json
from tests.slack_standin import SlackStandIn

ANA = "UANA0001"


def test_a_rate_limited_lookup_in_a_listener_answers_within_the_ack_budget(
    driver: SlackDriver, container: Container, slack: SlackStandIn, clock: FixedClock
) -> None:
    slack.add_user(ANA, "ana")  # not in the people directory yet: looked up (after the ack)
    slack.fail_every(1, status=429, retry_after=8, methods={"users.info"})
    started = time.monotonic()
    response = driver.command("/kudos", f"<@{ANA}|ana> for the patient onboarding call", user=OWNER)
    assert time.monotonic() - started < 3
    assert clock.slept == [], "no Retry-After was waited out on the request path"
    assert response_json(response) == {}, "acknowledged before Slack was asked"
    assert SLACK_BUSY in slack.calls_to("respond")[-1]["text"]
    assert container.outbox.drain().handled == 0, "nothing was saved or queued"


def test_jobs_client_still_waits_out_a_short_retry_after(
    container: Container, slack: SlackStandIn, clock: FixedClock
) -> None:
    slack.add_user(ANA, "ana")
    slack.fail_every(2, status=429, retry_after=3, methods={"users.info"})
    container.slack.for_team("T1").users_info(user=ANA)
    container.slack.for_team("T1").users_info(user=ANA)
    assert 3 in clock.slept


def test_sqlite_busy_timeout_is_well_under_slacks_three_seconds(
    settings: EnvConfig, container: Container
) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite only")
    assert SQLITE_BUSY_TIMEOUT <= 2
    with container.engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT * 1000


def test_a_busy_sqlite_says_try_again(
    settings: EnvConfig, driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite only")
    slack.add_user(ANA, "ana")
    container.directory.record("T0TEAM1", slack.users.values())
    path = settings.database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        response = driver.command("/kudos", f"<@{ANA}|ana> for the patient onboarding call", user=OWNER)
    finally:
        other.rollback()
        other.close()
    assert response_json(response) == {}, "acknowledged before the write was tried"
    assert BUSY in slack.calls_to("respond")[-1]["text"]
