"""CSV import throughput, sentiment included. Run by hand: python -m bench.import [--rows 100000] [--no-id].

--no-id writes a shop-style export (Date, Review, Stars, Email; no id column): columns are guessed and each
row's id is the stable hash. The time to read the file alone (dialect, columns, rows; no database) is
reported too."""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time

from bot.clock import SystemClock
from bot.config import EnvConfig
from bot.container import build_container
from bot.domain.actor import Actor
from bot.domain.intake import csv_columns
from bot.feedback_import import import_csv
from storage.db import create_db_engine
from storage.models import Base

PHRASES = [
    "Great support, thank you so much",
    "The app keeps crashing, terrible",
    "Delivery was late again",
    "Okay experience overall",
    "Love the new feature!",
    "Very slow export, disappointed",
    "Staff were kind and helpful",
    "I waited three weeks for an answer",
]


def _without_column(text: str, name: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    drop = rows[0].index(name)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:drop] + r[drop + 1 :] for r in rows])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--rating-scale",
        default="1-5",
        help="the csv source's declared scale: every rated row is labelled by its rating and learned "
        "(learn_many, once per batch); 'none' for a file without ratings (words scored only)",
    )
    parser.add_argument("--no-id", action="store_true", help="a spreadsheet export without an id column")
    args = parser.parse_args()
    rng = random.Random(7)
    if args.no_id:
        text = "Date,Review,Stars,Email\n" + "".join(
            f'2026-11-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d},"{rng.choice(PHRASES)} (order {i})",'
            f"{rng.randint(1, 5)},c{i % 500}@example.com\n"
            for i in range(args.rows)
        )
    else:
        text = "id,text,customer,rating\n" + "".join(
            f'{i},"{rng.choice(PHRASES)} (order {i})",C{i % 500},{rng.randint(1, 5)}\n'
            for i in range(args.rows)
        )
    if args.rating_scale == "none":  # else the importer guesses the scale from the ratings and learns them
        text = _without_column(text, "Stars" if args.no_id else "rating")
    start = time.perf_counter()
    chosen = csv_columns.plan(text, "csv")
    parsed = sum(1 for _ in csv_columns.rows(text, chosen))
    reading = time.perf_counter() - start
    print(f"reading only: {parsed} rows in {reading:.2f} s = {parsed / reading:,.0f} rows/s")
    print(f"  {chosen.describe()}")
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = create_db_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    container = build_container(
        EnvConfig(database_url=url, secret_key="b" * 64), clock=SystemClock(), engine=engine
    )
    if args.rating_scale != "none":
        container.sources.add(Actor.operator("TBENCH"), "csv", rating_scale=args.rating_scale)
    start = time.perf_counter()
    report = import_csv(container.feedback, "TBENCH", io.StringIO(text))
    elapsed = time.perf_counter() - start
    rate = report.imported / elapsed
    learned = container.sentiment.quality("TBENCH").examples
    print(
        f"{engine.dialect.name}: {report.imported} rows in {elapsed:.1f} s = {rate:,.0f} rows/s "
        f"(rating scale {args.rating_scale}; {learned} examples learned)"
    )


if __name__ == "__main__":
    main()
