"""SQL statements per `/pulse results` (of a series' last round) and per `/digest` (8 weeks) as a recurring
series grows: 2, 10 and 50 closed rounds, one a day so that every round falls in the digest's 8 weeks.

Run by hand:  python -m bench.rounds [--rounds 2,10,50] [--database-url URL]
Each count is of one request through the real Bolt app (the stand-in answers Slack), measured after one
warm-up request so that per-process caches (settings) are filled. A fresh database per series length.
The last column (branches with stored figures only): the one `/digest` after every round's figures were
cleared (as by a forget, or rounds closed before migration 0017), which computes and stores them again.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, text, update

from bench.config import SECRET, bench_config
from bot.app import create_app
from bot.clock import FixedClock
from bot.container import build_container
from storage.db import create_db_engine, is_postgres
from storage.migrate import upgrade
from storage.models import Survey
from tests.conftest import OWNER
from tests.pulse_rounds import closed_series
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn

START = datetime(2026, 11, 16, 10, tzinfo=UTC)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        self.count += 1


def statements(engine: Engine, driver: SlackDriver, command: str, arg: str) -> int:
    counter = Counter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        driver.command(command, arg, user=OWNER)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count


def measure(url: str, rounds: int, slack: SlackStandIn) -> tuple[int, int, int | None]:
    engine = create_db_engine(url)
    if is_postgres(engine):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    settings = bench_config(url, slack.url, OWNER)
    clock = FixedClock(START)
    container = build_container(settings, clock=clock, engine=engine)
    container.workspaces.ensure(TEAM_ID)
    ids = closed_series(container, clock, rounds)
    driver = SlackDriver(
        create_app(container, process_before_response=True), SECRET, response_url=f"{slack.base}/respond"
    )
    statements(engine, driver, "/pulse", f"results {ids[0]}")  # warm-up
    results = statements(engine, driver, "/pulse", f"results {ids[-1]}")
    statements(engine, driver, "/digest", "this-week")  # warm-up
    digest = statements(engine, driver, "/digest", "this-week")
    first = None
    if hasattr(Survey, "figures"):  # this branch: the first digest once the figures are gone (a forget)
        with engine.begin() as conn:
            conn.execute(update(Survey).values(figures=None, enps_score=None, enps_answers=None))
        first = statements(engine, driver, "/digest", "this-week")
    container.close()
    engine.dispose()
    return results, digest, first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", default="2,10,50")
    parser.add_argument("--database-url", help="an EMPTY scratch database: its public schema is dropped")
    args = parser.parse_args()
    slack = SlackStandIn()
    print("rounds | /pulse results (last round) | /digest this-week | first /digest with no stored figures")
    for rounds in (int(n) for n in args.rounds.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{tmp}/rounds.db"
            results, digest, first = measure(url, rounds, slack)
        print(f"{rounds} | {results} | {digest} | {'-' if first is None else first}")
    slack.close()


if __name__ == "__main__":
    main()
