"""The daily kudos allowance holds when one giver's /kudos arrive at once (listeners run on 8 threads).

The interleaving is forced, not hoped for: the first give stops right after reading the allowance; the
second runs until it has read the allowance too, or until it is about to wait for the first's lock; only
then does the first go on. Without a lock taken before the read (SQLite took its write lock only at the
insert), both read "1 left" and both were stored.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.container import Container
from storage.models import Kudos
from storage.repositories import kudos as recognitions
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver, response_json
from tests.slack_standin import SlackStandIn

GIVER, ANA, BEN = "UGIVER01", "UANA0001", "UBEN0001"
WAIT = 10  # seconds: only ever reached if the code under test hangs


def _is_lock(statement: str) -> bool:
    """The statements that make a second give wait for the first (PostgreSQL, SQLite)."""
    return "pg_advisory_xact_lock" in statement or statement.strip().upper().startswith("BEGIN IMMEDIATE")


@pytest.fixture
def limited(container: Container, slack: SlackStandIn) -> Container:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"kudos_channel": "CKUDOS1", "kudos_daily_limit": 1}
    )
    for user, name in ((GIVER, "gina"), (ANA, "ana"), (BEN, "ben")):
        slack.add_user(user, name)
    # Everyone is in the people directory: no Slack look-up races the two.
    container.directory.record(
        TEAM_ID,
        [
            {"id": u, "name": n, "profile": {"real_name": n}}
            for u, n in ((GIVER, "gina"), (ANA, "ana"), (BEN, "ben"))
        ],
    )
    return container


def test_two_kudos_at_once_with_one_left_store_only_one(
    limited: Container, driver: SlackDriver, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_read, first_may_go, second_ready = threading.Event(), threading.Event(), threading.Event()
    threads: dict[str, threading.Thread] = {}
    real_read = recognitions.people_given_since

    def read_allowance(*args: Any, **kwargs: Any) -> int:
        used = real_read(*args, **kwargs)
        if threading.current_thread() is threads["first"]:
            first_read.set()
            assert first_may_go.wait(WAIT)
        elif threading.current_thread() is threads["second"]:
            second_ready.set()  # it read the allowance while the first has not written yet
        return used

    def before_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is threads.get("second") and _is_lock(statement):
            second_ready.set()  # about to wait for the first's lock: let the first finish

    monkeypatch.setattr(recognitions, "people_given_since", read_allowance)
    event.listen(limited.engine, "before_cursor_execute", before_execute)
    try:

        def give(name: str, receiver: str) -> None:
            response = driver.command(
                "/kudos",
                f"<@{receiver}> for the calm call",
                user=GIVER,
                response_url=f"{slack.base}/respond?to={name}",
            )
            assert response.status == 200 and response_json(response) == {}

        threads["first"] = threading.Thread(target=give, args=("first", ANA))
        threads["second"] = threading.Thread(target=give, args=("second", BEN))
        threads["first"].start()
        assert first_read.wait(WAIT)
        threads["second"].start()
        assert second_ready.wait(WAIT)
        first_may_go.set()
        for thread in threads.values():
            thread.join(WAIT)
    finally:
        event.remove(limited.engine, "before_cursor_execute", before_execute)

    answers = {call["to"]: call.params for call in slack.calls_to("respond")}
    assert set(answers) == {"first", "second"}
    with limited.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Kudos)) == 1
    assert "Kudos for" in answers["first"]["text"]
    assert "You've given all 1 kudos for today" in answers["second"]["text"]
