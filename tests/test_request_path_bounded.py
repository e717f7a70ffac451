"""Work that must not grow with history or with how often a job runs: the weekly digest is assembled once
per week, App Home costs the same statements whatever a person's kudos history, redelivery is one UPDATE."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert

from bot.clock import FixedClock
from bot.container import Container
from bot.services.digest import DigestService
from jobs.digest import send_weekly_digests
from storage.models import Kudos, KudosRecipient, OutboxMessage
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn

MANAGER, ANA = "UMANAGER1", "UANA0001"


class Statements:
    def __init__(self) -> None:
        self.count = 0
        self.sql: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.count += 1
        self.sql.append(statement)


@pytest.fixture
def statements(container: Container) -> Iterator[Statements]:
    counter = Statements()
    event.listen(container.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(container.engine, "before_cursor_execute", counter)


def test_one_digest_build_per_week_however_often_the_job_runs(
    container: Container, clock: FixedClock, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    container.workspaces.ensure(TEAM_ID)
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"digest_channel": "CDIGEST1", "managers": [MANAGER]}
    )
    builds: list[str] = []
    build = DigestService.build

    def counted(self: DigestService, team_id: str, week: Any) -> Any:
        builds.append(week.label)
        return build(self, team_id, week)

    monkeypatch.setattr(DigestService, "build", counted)
    posted = 0
    for _ in range(144):  # every 5 minutes through the 12-hour grace window
        posted += send_weekly_digests(container)
        clock.advance(minutes=5)
    assert posted == 1 and builds == ["2026-W46"]
    container.outbox.drain()
    assert len(slack.messages("CDIGEST1")) == 1


def _kudos_history(container: Container, receiver: str, count: int, now: datetime) -> None:
    with container.sessions.begin() as s:
        for n in range(count):
            at = now - timedelta(days=n)
            kudos_id = s.execute(
                insert(Kudos)
                .values(
                    team_id=TEAM_ID,
                    giver=OWNER,
                    source="command",
                    source_key=f"seed:{receiver}:{n}",
                    status="posted",
                    reason="helped a customer through a hard day",
                    values=["extra-mile"] if n % 2 else ["owned-it"],
                    beneficiary="customer",
                    created_at=at,
                    posted_at=at,
                )
                .returning(Kudos.id)
            ).scalar_one()
            s.execute(
                insert(KudosRecipient).values(
                    team_id=TEAM_ID, kudos_id=kudos_id, giver=OWNER, receiver=receiver, created_at=at
                )
            )


def _home_statements(driver: SlackDriver, statements: Statements, user: str) -> int:
    before = statements.count
    driver.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    return statements.count - before


def test_app_home_costs_the_same_statements_for_a_newcomer_and_for_years_of_kudos(
    container: Container,
    driver: SlackDriver,
    slack: SlackStandIn,
    clock: FixedClock,
    statements: Statements,
) -> None:
    container.workspaces.ensure(TEAM_ID)
    _kudos_history(container, "UOLD0001", 3, clock.now())
    _home_statements(driver, statements, "UWARMUP1")  # caches (settings) filled once
    few = _home_statements(driver, statements, "UOLD0001")
    _kudos_history(container, ANA, 400, clock.now())
    many = _home_statements(driver, statements, ANA)
    assert many == few, statements.sql[-many:]
    assert many <= 20
    [*_, home] = slack.calls_to("views.publish")
    assert home["user_id"] == ANA


def test_redelivery_after_an_invite_is_one_update_for_the_channel_only(
    container: Container, clock: FixedClock, statements: Statements
) -> None:
    now = clock.now()
    rows = [
        {
            "team_id": TEAM_ID,
            "dedupe_key": f"dead:{n}",
            "method": "chat.postMessage",
            "payload": {"channel": "CINVITED" if n % 10 == 0 else f"COTHER{n}", "text": "card"},
            "status": "dead",
            "attempts": 5,
            "next_attempt_at": now,
            "last_error": "not_in_channel",
            "created_at": now - timedelta(hours=n),
        }
        for n in range(150)
    ]
    with container.sessions.begin() as s:
        s.execute(insert(OutboxMessage), rows)
    before = statements.count
    assert container.outbox.redeliver_to(TEAM_ID, "CINVITED") == 15
    run = statements.sql[before:]
    assert [q.split()[0].upper() for q in run if not q.upper().startswith(("BEGIN", "COMMIT"))] == ["UPDATE"]
    assert container.outbox.redeliver_to(TEAM_ID, "CINVITED") == 0
