"""The App Store polling job on a real database: two schedulers poll a source once per period, a restart
resumes from the stored cursor, a 429 backs off for its Retry-After, and a first poll of 500 reviews posts
the newest as cards under ONE summary card with the rest stored as history. No network: a fake feed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.config import EnvConfig
from bot.container import Container, build_container
from bot.domain.actor import Actor
from bot.domain.errors import FieldError
from bot.domain.intake.source import NewSource
from bot.services.review_polling import BACKFILL, POLL_MINUTES
from jobs.intake import poll_review_sources
from storage.models import Feedback, FeedbackSource
from tests.intake_helpers import configure
from tests.slack_requests import TEAM_ID
from tests.slack_standin import SlackStandIn
from tests.test_intake_review_polling import FeedStandIn

APP_ID = "922693504"


def app_store_source(container: Container, name: str = "ios") -> NewSource:
    configure(container)
    return container.sources.add(
        Actor.operator(TEAM_ID), name, "app_store", options={"app_id": APP_ID, "country": "de"}
    )


def stored(container: Container) -> dict[str, int]:
    with container.sessions() as s:
        rows = s.execute(select(Feedback.state, func.count()).group_by(Feedback.state)).all()
    return {state: count for state, count in rows}


def test_two_schedulers_on_one_database_poll_each_source_once_per_period(
    container: Container, settings: EnvConfig, clock: FixedClock, engine: Engine
) -> None:
    app_store_source(container)
    replica = build_container(settings, clock=clock, engine=engine)
    feed = FeedStandIn(30)
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda c: poll_review_sources(c, feed), [container, replica]))
    outcomes = sorted(run[f"{TEAM_ID}:ios"] for run in runs)
    assert outcomes == [
        f"{BACKFILL} new, 10 earlier stored as history",
        "polled by another process this period",
    ]
    first_pages = [url for url in feed.urls if "/page=1/" in url]
    assert first_pages == [
        "https://itunes.apple.com/de/rss/customerreviews/page=1/id=922693504/sortby=mostrecent/json"
    ], "the feed was read by one replica only"
    assert stored(container) == {"new": BACKFILL, "imported": 10}
    clock.advance(minutes=POLL_MINUTES)
    feed.add()
    assert poll_review_sources(replica, feed) == {f"{TEAM_ID}:ios": "1 new, 0 earlier stored as history"}
    assert poll_review_sources(container, feed)[f"{TEAM_ID}:ios"] == "polled by another process this period"


def test_a_restart_resumes_from_the_stored_cursor(
    container: Container, settings: EnvConfig, clock: FixedClock, engine: Engine, slack: SlackStandIn
) -> None:
    app_store_source(container)
    feed = FeedStandIn(5)
    poll_review_sources(container, feed)
    container.outbox.drain()
    assert len(slack.messages("CFEED01")) == 5
    for _ in range(3):
        feed.add()
    clock.advance(minutes=POLL_MINUTES)
    restarted = build_container(settings, clock=clock, engine=engine)  # a new process: only the DB remains
    feed.urls.clear()
    assert poll_review_sources(restarted, feed)[f"{TEAM_ID}:ios"] == "3 new, 0 earlier stored as history"
    assert len(feed.urls) == 1, "the first page reached the cursor: no more pages fetched"
    restarted.outbox.drain()
    texts = [m["text"] for m in slack.messages("CFEED01")[5:]]
    assert len(texts) == 3 and all(f"Review {i}" in text for i, text in zip((5, 6, 7), texts, strict=True))
    assert stored(container) == {"new": 8}


def test_a_429_backs_off_for_its_retry_after(container: Container, clock: FixedClock) -> None:
    app_store_source(container)
    feed = FeedStandIn(3)
    feed.status, feed.headers = 429, {"retry-after": "3600"}
    outcome = poll_review_sources(container, feed)[f"{TEAM_ID}:ios"]
    assert outcome == "the App Store asked us to wait 3600 s" and len(feed.urls) == 1
    feed.status, feed.headers = 200, {}
    clock.advance(minutes=POLL_MINUTES)
    assert poll_review_sources(container, feed)[f"{TEAM_ID}:ios"].startswith("backing off until ")
    assert len(feed.urls) == 1, "nothing asked of the vendor while backing off"
    clock.advance(minutes=60)
    assert poll_review_sources(container, feed)[f"{TEAM_ID}:ios"] == "3 new, 0 earlier stored as history"
    with container.sessions() as s:
        state = s.scalars(select(FeedbackSource.poll_state)).one()
    assert state["failures"] == 0 and state["cursor"]["ids"] == ["1002"]


def test_first_poll_of_500_reviews_is_one_summary_card_and_history(
    container: Container, slack: SlackStandIn
) -> None:
    app_store_source(container)
    feed = FeedStandIn(500)
    poll_review_sources(container, feed)
    assert len(feed.urls) == 10
    assert stored(container) == {"new": BACKFILL, "imported": 500 - BACKFILL}
    container.outbox.drain()
    posted = slack.messages("CFEED01")
    summaries = [m for m in posted if "earlier reviews" in m["text"]]
    assert len(posted) == BACKFILL + 1 and len(summaries) == 1
    assert summaries[0]["text"].startswith(
        f"{500 - BACKFILL} earlier reviews from ios stored; newest 20 shown"
    )
    container.outbox.drain()
    poll_review_sources(container, feed)  # the same period again: claimed, nothing more
    assert len(slack.messages("CFEED01")) == BACKFILL + 1


def test_an_app_store_source_needs_its_app_id_and_country(container: Container) -> None:
    with pytest.raises(FieldError) as missing:
        container.sources.add(Actor.operator(TEAM_ID), "ios", "app_store", options={"country": "de"})
    assert missing.value.field == "app_id"
    with pytest.raises(FieldError) as bad:
        container.sources.add(
            Actor.operator(TEAM_ID), "ios", "app_store", options={"app_id": "1", "country": "x"}
        )
    assert bad.value.field == "country"
