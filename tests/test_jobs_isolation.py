"""One workspace's database error costs no other workspace its scheduled work, and is retried next run."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.clock import FixedClock
from bot.container import Container
from bot.domain.feedback import FeedbackInput
from bot.domain.kudos import Person
from jobs.housekeeping import apply_retention
from jobs.kudos import send_kudos_fairness_nudges
from storage.models import Feedback
from tests.conftest import OWNER
from tests.slack_standin import SlackStandIn

BROKEN, HEALTHY = "T0BROKEN", "T0TEAM1"
GIVER, ANA, BEN, MANAGER = "UGIVER01", "UANA0001", "UBEN0001", "UMANAGER"


def _fail_for(broken: str, real):  # type: ignore[no-untyped-def]
    """The real service method, except that `broken`'s database is unavailable."""

    def method(team_id: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if team_id == broken:
            raise OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly"))
        return real(team_id, *args, **kwargs)

    return method


def _failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "jobs.workspaces" and r.exc_info]


@pytest.fixture
def two_teams(container: Container, slack: SlackStandIn) -> Container:
    for team in (BROKEN, HEALTHY):
        container.workspaces.ensure(team)
        container.workspace_settings.update(
            container.actors.of(team, OWNER), {"kudos_channel": f"CKUDOS{team[-1]}", "managers": [MANAGER]}
        )
        people = {u: Person(u) for u in (GIVER, ANA, BEN, MANAGER)}
        container.kudos.give(team, GIVER, [ANA], "helped", people=people, bot_user_id="UBOT0001")
    for user in (GIVER, ANA, BEN, MANAGER):
        slack.add_user(user)
    for team in (BROKEN, HEALTHY):
        slack.members[f"CKUDOS{team[-1]}"] = [GIVER, ANA, BEN, MANAGER]
        container.directory.fill_step(container.slack.for_team(team), team)  # the install-time fill
    container.outbox.drain()
    assert slack.messages(MANAGER) == []
    return container


def test_one_workspaces_database_error_does_not_stop_the_kudos_fairness_notes_of_the_others(
    two_teams: Container,
    slack: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = two_teams
    real = container.kudos.fairness_period
    monkeypatch.setattr(container.kudos, "fairness_period", _fail_for(BROKEN, real))
    caplog.set_level(logging.ERROR, logger="jobs.workspaces")

    assert send_kudos_fairness_nudges(container) == 1
    container.outbox.drain()
    [note] = slack.messages(MANAGER)
    assert f"<@{BEN}>" in note["text"]
    [failure] = _failures(caplog)
    assert BROKEN in failure and "kudos fairness" in failure

    monkeypatch.setattr(container.kudos, "fairness_period", real)  # the database is back: retried, once
    assert send_kudos_fairness_nudges(container) == 1
    assert send_kudos_fairness_nudges(container) == 0
    container.outbox.drain()
    assert len(slack.messages(MANAGER)) == 2


def test_one_workspaces_database_error_does_not_stop_the_retention_of_the_others(
    container: Container, clock: FixedClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for team in (BROKEN, HEALTHY):
        container.workspaces.ensure(team)
        container.workspace_settings.update(container.actors.of(team, OWNER), {"feedback_channel": "CFEED01"})
        container.feedback.ingest(
            team,
            FeedbackInput(
                source="api",
                external_id="old-1",
                text="The courier left my parcel in the rain",
                received_at=datetime(2025, 1, 10, tzinfo=UTC),
            ),
        )
    clock.advance(timedelta(days=400))
    real = container.retention.apply
    monkeypatch.setattr(container.retention, "apply", _fail_for(BROKEN, real))
    caplog.set_level(logging.ERROR, logger="jobs.workspaces")

    apply_retention(container)

    with container.sessions() as s:
        texts = dict(s.execute(select(Feedback.team_id, Feedback.text)).all())
    assert "parcel" not in texts[HEALTHY]
    assert "parcel" in texts[BROKEN]  # kept for the next run, which retries it
    [failure] = _failures(caplog)
    assert BROKEN in failure and "retention" in failure

    monkeypatch.setattr(container.retention, "apply", real)
    apply_retention(container)
    with container.sessions() as s:
        assert not any("parcel" in t for t in s.scalars(select(Feedback.text)))
