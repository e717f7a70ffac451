"""Fenced outbox claims under forced interleavings: slow Slack, lost leases, crashes, database outages."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.clock import FixedClock
from bot.container import Container, build_container
from storage.models import OutboxMessage
from storage.repositories import outbox as repo
from tests.slack_standin import SlackStandIn

TEAM = "T0TEAM1"


def _enqueue(container: Container, count: int) -> None:
    with container.sessions.begin() as s:
        for i in range(count):
            container.outbox.enqueue(
                s,
                team_id=TEAM,
                key=f"dm:{i}",
                method="chat.postMessage",
                payload={"channel": f"U{i:06d}", "text": f"hello {i}"},
            )


class SlowSlack:
    """chat.postMessage blocks until released, for the first `blocked` calls: a slow Slack on demand."""

    def __init__(self, slack: SlackStandIn, blocked: int = 1) -> None:
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self._blocked = blocked
        self._lock = threading.Lock()
        self._ts = 0
        slack.respond_with("chat.postMessage", self._answer)

    def _answer(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            block = self._blocked > 0
            self._blocked -= 1
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
        if block:
            self.entered.release()
            assert self.release.wait(10), "the test never released the slow call"
        return {"ok": True, "channel": params.get("channel"), "ts": ts}


def _sent_per_channel(slack: SlackStandIn) -> Counter[str]:
    return Counter(c["channel"] for c in slack.messages())


def _statuses(container: Container) -> Counter[str]:
    with container.sessions() as s:
        return Counter(s.scalars(select(OutboxMessage.status)))


def _other(container: Container) -> Container:
    return build_container(container.config, clock=container.clock, engine=container.engine)


def test_two_senders_and_a_slow_slack_never_send_a_row_twice(
    container: Container, slack: SlackStandIn, clock: FixedClock
) -> None:
    """The old failure: a batch leased once for 2 minutes outlived its lease behind a slow Slack, and a
    second replica sent the tail again. Now the holder renews while it works, and the other replica
    only gets rows nobody holds."""
    _enqueue(container, 30)
    slow = SlowSlack(slack)
    first = threading.Thread(target=container.outbox.drain)
    first.start()
    assert slow.entered.acquire(timeout=10)  # sender 1 is inside Slack with its batch claimed
    other = _other(container)
    lease = container.outbox.lease
    for _ in range(4):  # Slack takes over two leases; sender 1's heartbeat keeps its rows
        clock.advance(lease * 0.6)
        assert container.outbox.renew_leases() == container.outbox.batch_size
        other.outbox.drain()
    slow.release.set()
    first.join(10)
    container.outbox.drain()
    counts = _sent_per_channel(slack)
    assert len(counts) == 30 and set(counts.values()) == {1}
    assert _statuses(container) == {"sent": 30}


def test_a_lost_lease_stops_the_send(container: Container, slack: SlackStandIn, clock: FixedClock) -> None:
    """Sender 1 stalls for a whole lease without renewing (a frozen process): sender 2 takes the rows
    over, and sender 1, back, neither records the call it had in flight nor sends the next row."""
    _enqueue(container, 2)
    container.outbox.batch_size = 2
    slow = SlowSlack(slack)
    reports: list[Any] = []
    first = threading.Thread(target=lambda: reports.append(container.outbox.work()))
    first.start()
    assert slow.entered.acquire(timeout=10)
    clock.advance(container.outbox.lease * 1.5)
    assert _other(container).outbox.drain().sent == 2
    slow.release.set()
    first.join(10)
    [report] = reports
    assert (report.sent, report.lost) == (0, 2)
    counts = _sent_per_channel(slack)
    assert counts["U000001"] == 1, "the row whose lease was lost before its call was not sent again"
    assert counts["U000000"] == 2, "the call in flight when the lease was lost is the documented window"
    assert _statuses(container) == {"sent": 2}


def test_a_crash_between_slacks_answer_and_the_record_is_resent_at_most_once(
    container: Container, slack: SlackStandIn, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _enqueue(container, 5)

    class Killed(BaseException):
        pass

    def die(*_args: Any, **_kwargs: Any) -> None:
        raise Killed

    monkeypatch.setattr(container.outbox, "_record_retrying", die)
    with pytest.raises(Killed):
        container.outbox.work()
    assert len(slack.messages()) == 1  # Slack accepted the first call; the record never happened
    restarted = _other(container)
    assert restarted.outbox.drain().sent == 0, "the dead process's batch waits for its lease..."
    clock.advance(container.outbox.lease + container.outbox.lease / 3)
    assert restarted.outbox.drain().sent == 5, "...which is seconds, not minutes"
    assert restarted.outbox.drain().handled == 0
    counts = _sent_per_channel(slack)
    assert len(counts) == 5 and counts["U000000"] == 2 and sum(counts.values()) == 6
    assert _statuses(container) == {"sent": 5}


def test_a_dead_process_rows_are_reclaimable_within_seconds(
    container: Container, slack: SlackStandIn, clock: FixedClock
) -> None:
    _enqueue(container, 3)
    with container.sessions.begin() as s:  # a process claims, then dies
        assert len(repo.claim_due(s, clock.now(), 10, container.outbox.lease)) == 3
    assert container.outbox.drain().sent == 0
    clock.advance(seconds=container.outbox.lease.total_seconds() + 1)
    assert container.outbox.lease.total_seconds() <= 30
    assert container.outbox.drain().sent == 3


def test_recording_a_send_waits_for_the_database_instead_of_sending_again(
    container: Container, slack: SlackStandIn, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _enqueue(container, 3)
    real_fence = repo.fence
    outage = {"left": 4}

    def flaky_fence(session: Any, message_id: int, token: str) -> Any:
        if outage["left"]:
            outage["left"] -= 1
            raise OperationalError("UPDATE outbox", {}, Exception("server closed the connection"))
        return real_fence(session, message_id, token)

    monkeypatch.setattr(repo, "fence", flaky_fence)
    started = clock.now()
    report = container.outbox.drain()
    assert report.sent == 3 and outage["left"] == 0
    assert (clock.now() - started).total_seconds() < container.outbox.lease.total_seconds()
    monkeypatch.setattr(repo, "fence", real_fence)
    clock.advance(minutes=5)
    assert container.outbox.drain().handled == 0
    assert set(_sent_per_channel(slack).values()) == {1} and len(slack.messages()) == 3


def test_a_database_outage_fails_the_run_with_one_log_line(
    container: Container, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    from jobs.outbox import work_outbox

    _enqueue(container, 3)

    def down(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("SELECT outbox", {}, Exception("connection refused\nline 2\nline 3"))

    monkeypatch.setattr(repo, "claim_due", down)
    work_outbox(container)
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "database is unavailable" in errors[0].getMessage() and "line 2" not in errors[0].getMessage()
    assert slack.messages() == []


def test_stop_hands_unsent_rows_back_at_once(
    container: Container, slack: SlackStandIn, clock: FixedClock
) -> None:
    _enqueue(container, 5)
    container.outbox.batch_size = 5
    slow = SlowSlack(slack)
    first = threading.Thread(target=container.outbox.drain)
    first.start()
    assert slow.entered.acquire(timeout=10)
    container.outbox.stop()
    slow.release.set()
    first.join(10)
    assert len(slack.messages()) == 1, "the call in flight finished, nothing more was sent"
    assert _other(container).outbox.drain().sent == 4, "the rest is claimable at once, not after the lease"
    assert set(_sent_per_channel(slack).values()) == {1}
