"""The outbox: queued once, sent once, retried on 429/5xx with Retry-After honoured, dead-lettered visibly."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select

from bot.container import Container, build_container
from storage.models import OutboxMessage
from tests.slack_standin import SlackStandIn

TEAM = "T0TEAM1"


def _enqueue(container: Container, count: int, prefix: str = "dm") -> None:
    with container.sessions.begin() as s:
        for i in range(count):
            container.outbox.enqueue(
                s,
                team_id=TEAM,
                key=f"{prefix}:{i}",
                method="chat.postMessage",
                payload={"channel": f"U{i:06d}", "text": f"hello {i}"},
            )


def test_the_same_key_is_queued_and_sent_once(container: Container, slack: SlackStandIn) -> None:
    _enqueue(container, 3)
    _enqueue(container, 3)
    report = container.outbox.drain()
    assert report.sent == 3
    assert len(slack.messages()) == 3
    assert container.outbox.drain().handled == 0


def test_rate_limits_and_server_errors_are_retried_until_every_message_is_sent(
    container: Container, slack: SlackStandIn
) -> None:
    slack.fail_every(5, status=429, retry_after=2)
    slack.fail_every(11, status=503)
    _enqueue(container, 300)
    container.outbox.drain()
    sent = [c["channel"] for c in slack.messages()]
    assert len(sent) == 300 and len(set(sent)) == 300
    with container.sessions() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
    assert 2 in container.clock.slept, "Retry-After was waited out (on the test clock)"  # type: ignore[attr-defined]


def test_a_long_retry_after_reschedules_instead_of_blocking(
    container: Container, slack: SlackStandIn
) -> None:
    slack.fail_every(1, status=429, retry_after=120, methods={"chat.postMessage"})
    _enqueue(container, 1)
    report = container.outbox.drain()
    assert report.retried == 1 and slack.messages() == []
    with container.sessions() as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert (row.next_attempt_at - container.clock.now()).total_seconds() == 120
    slack.reset()
    container.clock.advance(seconds=121)  # type: ignore[attr-defined]
    assert container.outbox.drain().sent == 1


def test_a_fan_out_is_queued_in_bulk_each_key_once(container: Container, slack: SlackStandIn) -> None:
    from bot.notify.outbox import QueuedCall

    _enqueue(container, 5)  # queued earlier: a retried job asks again
    calls = [
        QueuedCall(f"dm:{i}", "chat.postMessage", {"channel": f"U{i:06d}", "text": f"hello {i}"})
        for i in [*range(1200), 7, 8]  # the same key twice in one batch, too
    ]
    with container.sessions.begin() as s:
        assert container.outbox.enqueue_many(s, TEAM, calls) == 1195
    container.outbox.drain()
    sent = [c["channel"] for c in slack.messages()]
    assert len(sent) == 1200 and len(set(sent)) == 1200


def test_after_a_429_the_method_is_left_alone_until_retry_after_not_tried_row_by_row(
    container: Container, slack: SlackStandIn
) -> None:
    """A launch queues hundreds of DMs at once: one 429 holds that workspace's chat.postMessage until
    Retry-After, instead of a 429 for every queued row; other methods go on meanwhile."""
    slack.fail_every(1, status=429, retry_after=120, methods={"chat.postMessage"})
    _enqueue(container, 30)
    with container.sessions.begin() as s:
        container.outbox.enqueue(
            s, team_id=TEAM, key="home", method="views.publish", payload={"user_id": "U1", "view": {}}
        )
    report = container.outbox.drain()
    assert slack.limited == 1, "one 429, not one per queued row"
    assert report.retried == 1 and report.sent == 1 and report.dead == 0
    assert [c.method for c in slack.calls if c.method != "auth.test"] == ["views.publish"]
    with container.sessions() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.method == "chat.postMessage")).all()
    assert {(r.status, r.attempts) for r in rows} == {("pending", 0)}, "a 429 is not a failed attempt"
    assert container.outbox.drain().handled == 0, "still held: Slack is not asked again"
    assert slack.limited == 1

    slack.reset()
    container.clock.advance(seconds=121)  # type: ignore[attr-defined]
    container.outbox.drain()
    sent = [c["channel"] for c in slack.messages()]
    assert len(sent) == 30 and len(set(sent)) == 30


def test_rate_limits_never_dead_letter_a_message(container: Container, slack: SlackStandIn) -> None:
    container.outbox.max_attempts = 2
    slack.fail_every(1, status=429, retry_after=60, methods={"chat.postMessage"})
    _enqueue(container, 1)
    for _ in range(5):
        assert container.outbox.drain().dead == 0
        container.clock.advance(seconds=61)  # type: ignore[attr-defined]
    assert slack.limited == 5
    slack.reset()
    assert container.outbox.drain().sent == 1


def test_permanent_errors_are_dead_lettered_and_logged(
    container: Container, slack: SlackStandIn, caplog
) -> None:  # type: ignore[no-untyped-def]
    slack.fail_next("chat.postMessage", "channel_not_found")
    _enqueue(container, 2)
    report = container.outbox.drain()
    assert (report.sent, report.dead) == (1, 1)
    assert "channel_not_found" in caplog.text


@dataclass(frozen=True)
class _Recorded:
    card: str


def test_receipt_handler_records_the_result_in_the_same_transaction(
    container: Container, slack: SlackStandIn
) -> None:
    seen: list[tuple[str, str, bool]] = []
    container.outbox.register_receipt(
        "test.record", _Recorded, lambda s, r, sent: seen.append((r.card, sent.ts, s.in_transaction()))
    )
    with container.sessions.begin() as s:
        container.outbox.enqueue(
            s,
            team_id=TEAM,
            key="card:1",
            method="chat.postMessage",
            payload={"channel": "CFEED", "text": "x"},
            receipt=_Recorded("card:1"),
        )
    container.outbox.drain()
    assert len(seen) == 1 and seen[0][0] == "card:1" and seen[0][1] and seen[0][2]


def test_two_workers_at_once_send_each_message_exactly_once(
    container: Container, slack: SlackStandIn
) -> None:
    _enqueue(container, 120)
    other = build_container(container.config, clock=container.clock, engine=container.engine)
    other.outbox.batch_size = container.outbox.batch_size = 10
    threads = [threading.Thread(target=c.outbox.drain) for c in (container, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [c["channel"] for c in slack.messages()]
    assert len(sent) == 120 and len(set(sent)) == 120
