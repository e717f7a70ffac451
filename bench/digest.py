"""Digest assembly time as history grows: 10^4, 10^5, 10^6 feedback rows, a tenth as many kudos, and
fortnightly eNPS rounds with a thousandth as many responses per round as there are feedback rows.

Run by hand:  python -m bench.digest [--sizes 10000,100000,1000000] [--database-url URL] [--history]
By default rows are spread over two years, so a week holds about 1/104 of them and grows with the total.
With --history the digest's week always holds the same 1 000 feedback items, 100 kudos and an eNPS
round of 100, while the history outside the 8 weeks the digest reads grows around it: the time should
then stay flat, since every aggregate reads its window through an index, never the whole table.
Reports the median of 5 assemblies of last week's digest at each size.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from bot.clock import FixedClock
from bot.config import EnvConfig
from bot.container import build_container
from bot.domain.digest import TREND_WEEKS
from bot.domain.digest_period import Week, week_of
from storage.db import create_db_engine, is_postgres
from storage.migrate import upgrade
from storage.models import Feedback, Kudos, KudosRecipient, Survey, SurveyParticipation, SurveyResponse

TEAM = "T0BENCH1"
NOW = datetime(2026, 11, 16, 10, tzinfo=UTC)
SPAN = timedelta(days=728)
STATES = ("new", "acknowledged", "taken", "resolved", "imported", "imported", "imported", "resolved")
WORDS = ("late", "delivery", "refund", "rude", "lovely", "quick", "broken", "helpful", "price", "app")
IN_WEEK = 1_000  # --history: feedback items in the digest's week, whatever the total
ENPS = [{"key": "q1", "kind": "0-10", "text": "How likely are you to recommend us as a place to work?"}]

Moments = Callable[[int], datetime]  # row number -> when it happened


def spread(rng: random.Random) -> Moments:
    return lambda _n: NOW - SPAN + timedelta(seconds=rng.randrange(int(SPAN.total_seconds())))


def around(rng: random.Random, week: Week, in_week: int) -> Moments:
    """The first `in_week` rows inside the digest's week, every other row outside the 8 weeks it reads."""
    anywhere = spread(rng)
    length = int((week.end - week.start).total_seconds())
    reach = week.previous(TREND_WEEKS - 1).start

    def moment(n: int) -> datetime:
        if n < in_week:
            return week.start + timedelta(seconds=rng.randrange(length))
        while reach <= (at := anywhere(n)) < week.end:
            pass
        return at

    return moment


def seed(  # type: ignore[no-untyped-def]
    container, start: int, stop: int, rng: random.Random, feedback_at: Moments, kudos_at: Moments
) -> None:
    for chunk in range(start, stop, 20_000):
        rows = []
        for n in range(chunk, min(stop, chunk + 20_000)):
            received = feedback_at(n)
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
                "created_at": (at := kudos_at(n)),
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


def seed_surveys(container, responses_per_round: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Fortnightly anonymous eNPS rounds over the span (one closed in the digest's week), topped up to
    `responses_per_round` each."""
    with container.sessions.begin() as s:
        rounds = s.scalars(select(Survey).where(Survey.team_id == TEAM)).all()
        closes = NOW - SPAN + timedelta(days=8)
        while not rounds and closes < NOW:
            s.add(
                Survey(
                    team_id=TEAM,
                    title="eNPS",
                    template="enps",
                    questions=ENPS,
                    audience={"channel": "CBENCH"},
                    anonymous=True,
                    min_responses=5,
                    comment_min_responses=5,
                    state="closed",
                    created_by="UOWNER",
                    created_at=closes - timedelta(days=3),
                    closes_at=closes,
                    closed_at=closes,
                )
            )
            closes += timedelta(days=14)
        s.flush()
        for survey in rounds or s.scalars(select(Survey).where(Survey.team_id == TEAM)).all():
            more = responses_per_round - survey.invited_count
            if more <= 0:
                continue
            survey.invited_count = responses_per_round
            s.execute(
                insert(SurveyResponse),
                [
                    {
                        "id": str(uuid.uuid4()),
                        "survey_id": survey.id,
                        "token_hash": uuid.uuid4().hex,
                        "anonymous": True,
                        "respondent_id": None,
                        "answers": {"q1": rng.randrange(11)},
                        "comments": {},
                        "answered_on": survey.closes_at.date(),
                    }
                    for _ in range(more)
                ],
            )
            s.execute(
                insert(SurveyParticipation),
                [{"survey_id": survey.id, "participant": uuid.uuid4().hex} for _ in range(more)],
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--history", action="store_true", help=f"keep the week at {IN_WEEK:,} items; grow only the rest"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/digest.db"
        engine = create_db_engine(url)
        upgrade(engine)
        settings = EnvConfig(
            bot_token="xoxb-bench", signing_secret="s", secret_key="b" * 64, database_url=url
        )
        container = build_container(settings, clock=FixedClock(NOW), engine=engine)
        container.workspaces.ensure(TEAM)
        week = week_of(NOW - timedelta(days=7), container.workspace_settings.get(TEAM).tz)
        rng = random.Random(1)
        if args.history:
            feedback_at = around(rng, week, IN_WEEK)
            kudos_at = around(rng, week, IN_WEEK // 10)
        else:
            feedback_at = kudos_at = spread(rng)
        done = 0
        print(f"database: {'PostgreSQL' if is_postgres(engine) else 'SQLite'}")
        for size in (int(x) for x in args.sizes.split(",")):
            started = time.perf_counter()
            seed(container, done, size, rng, feedback_at, kudos_at)
            seed_surveys(container, 100 if args.history else max(5, size // 1000), rng)
            done = size
            if is_postgres(engine):  # as autovacuum would have by then: statistics and the visibility map
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
            seeded = time.perf_counter() - started
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                digest = container.digests.build(TEAM, week)
                timings.append(time.perf_counter() - started)
            count = digest.sentiment.count if digest.sentiment else 0
            kudos = digest.wins.total if digest.wins else 0
            responses = digest.team.results.responded if digest.team and digest.team.results else 0
            median_ms = statistics.median(timings) * 1000
            print(
                f"{size:>9,} feedback rows ({size // 10:,} kudos): digest in {median_ms:.0f} ms "
                f"(median of 5; week holds {count:,} items, {kudos:,} kudos, an eNPS round of {responses:,}; "
                f"seeding took {seeded:.0f} s)"
            )
        container.close()


if __name__ == "__main__":
    main()
