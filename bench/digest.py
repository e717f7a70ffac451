"""Digest assembly time as history grows: 10^4, 10^5, 10^6 feedback rows (and a tenth as many kudos).

Run by hand:  python -m bench.digest [--sizes 10000,100000,1000000] [--database-url URL]
Rows are spread over two years, so a week holds about 1/104 of them; the digest reads one week (plus
the 8-week trend and the open items), so its time should follow the week's volume, not the total.
Reports the median of 5 assemblies of last week's digest at each size.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bot.clock import FixedClock
from bot.config import Settings
from bot.container import build_container
from bot.services.digest_period import week_of
from storage.db import create_db_engine, is_postgres
from storage.migrate import upgrade
from storage.models import Feedback, Kudos, KudosRecipient

TEAM = "T0BENCH1"
NOW = datetime(2026, 11, 16, 10, tzinfo=UTC)
SPAN = timedelta(days=728)
STATES = ("new", "acknowledged", "taken", "resolved", "imported", "imported", "imported", "resolved")
WORDS = ("late", "delivery", "refund", "rude", "lovely", "quick", "broken", "helpful", "price", "app")


def seed(container, start: int, stop: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    for chunk in range(start, stop, 20_000):
        rows = []
        for n in range(chunk, min(stop, chunk + 20_000)):
            received = NOW - SPAN + timedelta(seconds=rng.randrange(int(SPAN.total_seconds())))
            polarity = rng.uniform(-1, 1)
            state = STATES[n % len(STATES)]
            responded = received + timedelta(hours=rng.uniform(0.2, 30)) if state != "new" else None
            rows.append(
                {
                    "team_id": TEAM,
                    "source": "bench",
                    "external_id": f"b-{n}",
                    "text": " ".join(rng.choice(WORDS) for _ in range(8)),
                    "customer": None,
                    "rating": None,
                    "tags": [],
                    "polarity": polarity,
                    "subjectivity": 0.5,
                    "label": "positive" if polarity > 0.1 else "negative" if polarity < -0.1 else "neutral",
                    "state": state,
                    "assignee": None,
                    "first_response_at": responded,
                    "resolved_at": responded + timedelta(hours=5)
                    if state == "resolved" and responded
                    else None,
                    "resolution": "Fixed" if state == "resolved" else None,
                    "received_at": received,
                    "created_at": received,
                }
            )
        kudos = [
            {
                "team_id": TEAM,
                "giver": f"UG{rng.randrange(300):05d}",
                "source": "command",
                "source_key": f"k-{n}",
                "status": "posted",
                "reason": "stayed late for a customer",
                "impact": None,
                "values": [rng.choice(("owned-it", "extra-mile", "active-listening"))],
                "beneficiary": "customer",
                "created_at": (
                    at := NOW - SPAN + timedelta(seconds=rng.randrange(int(SPAN.total_seconds())))
                ),
                "posted_at": at,
            }
            for n in range(chunk // 10, min(stop, chunk + 20_000) // 10)
        ]
        with container.sessions.begin() as s:
            s.execute(insert(Feedback), rows)
            if kudos:
                ids = s.scalars(insert(Kudos).returning(Kudos.id), kudos).all()
                s.execute(
                    insert(KudosRecipient),
                    [
                        {
                            "team_id": TEAM,
                            "kudos_id": i,
                            "giver": "UG00000",
                            "receiver": f"UR{i % 300:05d}",
                            "message_ref": None,
                            "created_at": NOW,
                        }
                        for i in ids
                    ],
                )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/digest.db"
        engine = create_db_engine(url)
        upgrade(engine)
        settings = Settings(bot_token="xoxb-bench", signing_secret="s", secret_key="b" * 64, database_url=url)
        container = build_container(settings, clock=FixedClock(NOW), engine=engine)
        container.workspaces.ensure(TEAM)
        week = week_of(NOW - timedelta(days=7), container.workspace_settings.get(TEAM).tz)
        rng = random.Random(1)
        done = 0
        print(f"database: {'PostgreSQL' if is_postgres(engine) else 'SQLite'}")
        for size in (int(x) for x in args.sizes.split(",")):
            started = time.perf_counter()
            seed(container, done, size, rng)
            done = size
            if is_postgres(engine):
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            seeded = time.perf_counter() - started
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                digest = container.digests.build(TEAM, week)
                timings.append(time.perf_counter() - started)
            count = digest.sentiment.count if digest.sentiment else 0
            kudos = digest.wins.total if digest.wins else 0
            median_ms = statistics.median(timings) * 1000
            print(
                f"{size:>9,} feedback rows ({size // 10:,} kudos): digest in {median_ms:.0f} ms "
                f"(median of 5; week holds {count:,} items and {kudos:,} kudos; seeding took {seeded:.0f} s)"
            )
        container.close()


if __name__ == "__main__":
    main()
