"""Survey fan-out: ack time of the launch and invitations per second to N people, with rate limits on.

Run by hand:  python -m bench.fanout [--people 1000] [--every 7] [--database-url URL]
The launch modal is submitted as Slack would (signed view_submission through the real Bolt app, the
listener running after ack as in production); then the outbox sends every invitation against the Slack
stand-in, which answers every `--every`-th call with 429 and Retry-After: 1. Reports the ack time, the
send rate, that every person got exactly one DM, and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import timedelta

from sqlalchemy import func, select

from bench.config import SECRET, bench_config
from bot.app import create_app
from bot.clock import SystemClock
from bot.container import build_container
from bot.views import ids
from jobs.pulse import resolve_pulse_launches
from storage.db import create_db_engine
from storage.migrate import upgrade
from storage.models import OutboxMessage
from tests.pulse_helpers import launch_values, people
from tests.slack_requests import SlackDriver
from tests.slack_standin import SlackStandIn

OWNER = "UOWNER01"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--every", type=int, default=7, help="answer every N-th Slack call with 429")
    parser.add_argument("--database-url")
    args = parser.parse_args()

    slack = SlackStandIn()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/fanout.db"
        engine = create_db_engine(url)
        upgrade(engine)
        settings = bench_config(url, slack.url, OWNER)
        clock = SystemClock()
        container = build_container(settings, clock=clock, engine=engine)
        app = create_app(container, process_before_response=False)
        driver = SlackDriver(app, SECRET, response_url=f"{slack.base}/respond")
        team = people(slack, args.people, channel="CALL0001")

        values = launch_values(channel="CALL0001", closes=clock.now() + timedelta(days=3), reminders="0")
        started = time.perf_counter()
        response = driver.submit(ids.PULSE_MODAL, values, user=OWNER)
        ack_ms = (time.perf_counter() - started) * 1000
        assert response.status == 200, response.body

        deadline = time.time() + 60
        while (
            container.pulse.list_for(container.actors.of("T0TEAM1", OWNER)) == []
            or _queued(container) < args.people
        ):
            if time.time() > deadline:
                raise SystemExit("the launch never queued the invitations")
            resolve_pulse_launches(container)  # the job that settles a stored launch (every 5 s when run)
            time.sleep(0.01)

        if args.every:
            slack.fail_every(args.every, status=429, retry_after=1)
        started = time.perf_counter()
        while _pending(container):
            if container.outbox.work().handled == 0:
                time.sleep(0.05)
        seconds = time.perf_counter() - started

        counts: dict[str, int] = {}
        for call in slack.messages():
            counts[call["channel"]] = counts.get(call["channel"], 0) + 1
        exactly_once = all(counts.get(u) == 1 for u in team)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
        print(f"launch to {args.people} people: ack in {ack_ms:.0f} ms")
        print(
            f"invitations: {args.people} in {seconds:.1f} s = {args.people / seconds:.0f}/s "
            f"(every {args.every}th call answered 429, Retry-After 1 s; {slack.attempts} attempts)"
        )
        print(f"exactly one DM each: {exactly_once}; peak RSS {peak_mb:.0f} MB")
        container.close()
    slack.close()


def _queued(container) -> int:  # type: ignore[no-untyped-def]
    with container.sessions.begin() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def _pending(container) -> int:  # type: ignore[no-untyped-def]
    with container.sessions.begin() as s:
        return (
            s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
            or 0
        )


if __name__ == "__main__":
    main()
