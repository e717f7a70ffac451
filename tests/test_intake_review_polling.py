"""Polling the App Store reviews feed against a local stand-in: first poll backfills at the limit, a
restart resumes from the stored cursor, a 429 backs off, an error is reported; no network."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from bot.clock import FixedClock
from bot.domain.intake import app_store
from bot.services.review_polling import FetchResponse, ReviewPolling

START = datetime(2026, 11, 1, tzinfo=UTC)


class FeedStandIn:
    """Apple's feed for one app: reviews newest first, 50 a page, pages 1-10."""

    def __init__(self, count: int) -> None:
        self.reviews = [self.entry(i) for i in range(count)]
        self.urls: list[str] = []
        self.status = 200
        self.headers: dict[str, str] = {}

    @staticmethod
    def entry(i: int) -> dict[str, object]:
        return {
            "id": {"label": str(1000 + i)},
            "author": {"name": {"label": f"user{i}"}},
            "updated": {"label": (START + timedelta(hours=i)).isoformat()},
            "im:rating": {"label": str(1 + i % 5)},
            "title": {"label": f"Review {i}"},
            "content": {"label": f"Text of review {i}", "attributes": {"type": "text"}},
        }

    def add(self) -> None:
        self.reviews.append(self.entry(len(self.reviews)))

    def __call__(self, url: str) -> FetchResponse:
        self.urls.append(url)
        if self.status != 200:
            return FetchResponse(self.status, b"", self.headers)
        page = int(re.search(r"page=(\d+)", url).group(1))  # type: ignore[union-attr]
        newest_first = list(reversed(self.reviews))[(page - 1) * 50 : page * 50]
        return FetchResponse(200, json.dumps({"feed": {"entry": newest_first}}).encode())


def test_first_poll_backfills_at_the_limit_and_a_restart_resumes_from_the_cursor() -> None:
    feed = FeedStandIn(120)
    polling = ReviewPolling(feed, FixedClock(START))
    first = polling.app_store("922693504", "us", None, backfill=20)
    assert len(first.new) == 20 and len(first.history) == 100 and first.pages == 4
    assert [i.external_id for i in first.new][-1] == "1119"  # the newest is posted last
    assert first.new[0].external_id == "1100" and first.cursor is not None
    stored = json.dumps(app_store.cursor_to_json(first.cursor))  # what the job keeps across restarts
    feed.urls.clear()
    again = polling.app_store("922693504", "us", app_store.cursor_from_json(json.loads(stored)))
    assert again.new == () and again.history == () and len(feed.urls) == 1
    feed.add()
    later = polling.app_store("922693504", "us", again.cursor)
    assert [i.external_id for i in later.new] == ["1120"] and later.new[0].rating_scale == "1-5"


def test_a_429_backs_off_as_the_vendor_asks_and_keeps_the_cursor() -> None:
    feed = FeedStandIn(3)
    polling = ReviewPolling(feed, FixedClock(START))
    feed.status, feed.headers = 429, {"retry-after": "120"}
    limited = polling.app_store("922693504", "us", None)
    assert limited.retry_after == 120 and limited.cursor is None and limited.new == ()
    feed.headers = {}
    assert polling.app_store("922693504", "us", None, failures=3).retry_after == 480
    feed.status = 500
    failed = polling.app_store("922693504", "us", None)
    assert failed.error == "the App Store answered HTTP 500" and failed.retry_after is None
