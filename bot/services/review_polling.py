"""Polling the App Store's public reviews feed: fetch pages until the cursor, parse, pick what is new; the
vendor's 429/503 becomes a back-off. HTTP is injected (tests use a local stand-in); storing the cursor,
the scheduler job and exactly-once across replicas are the caller's (phase 2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from bot.clock import Clock
from bot.domain.feedback import FeedbackInput
from bot.domain.intake import app_store
from bot.domain.intake.common import PayloadInvalid

MAX_BACKOFF_SECONDS = 6 * 3600
BASE_BACKOFF_SECONDS = 60


@dataclass(frozen=True)
class FetchResponse:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names


Fetch = Callable[[str], FetchResponse]


@dataclass(frozen=True)
class PollOutcome:
    """`new` (cards, oldest first) and `history` (stored, no cards) inputs and the cursor to keep; or
    `retry_after` seconds when the vendor asked us to slow down; or `error` when the feed is unusable."""

    new: tuple[FeedbackInput, ...] = ()
    history: tuple[FeedbackInput, ...] = ()
    cursor: app_store.Cursor | None = None
    retry_after: float | None = None
    error: str | None = None
    pages: int = 0


class ReviewPolling:
    def __init__(self, fetch: Fetch, clock: Clock) -> None:
        self._fetch = fetch
        self._clock = clock

    def backoff(self, response: FetchResponse, failures: int) -> float:
        """Retry-After (seconds or an HTTP date) when given, else doubling from a minute, capped."""
        given = response.headers.get("retry-after", "").strip()
        if given.isdigit():
            return float(min(int(given), MAX_BACKOFF_SECONDS))
        if given:
            try:
                when = parsedate_to_datetime(given)
                return max(0.0, min((when - self._clock.now()).total_seconds(), MAX_BACKOFF_SECONDS))
            except (TypeError, ValueError):
                pass
        return float(min(BASE_BACKOFF_SECONDS * 2**failures, MAX_BACKOFF_SECONDS))

    def app_store(
        self,
        app_id: str,
        country: str,
        cursor: app_store.Cursor | None,
        *,
        source: str = app_store.SOURCE,
        backfill: int = 20,
        failures: int = 0,
        max_pages: int = app_store.MAX_PAGES,
    ) -> PollOutcome:
        """One poll: pages newest first until one reaches the cursor (or the feed ends)."""
        reviews: list[app_store.Review] = []
        pages = 0
        for page in range(1, max_pages + 1):
            response = self._fetch(app_store.feed_url(app_id, country, page))
            pages += 1
            if response.status in (429, 503):
                return PollOutcome(retry_after=self.backoff(response, failures), pages=pages)
            if response.status == 404 and page > 1:
                break  # past the last page
            if response.status != 200:
                return PollOutcome(error=f"the App Store answered HTTP {response.status}", pages=pages)
            try:
                found = app_store.parse_feed(response.body)
            except PayloadInvalid as invalid:
                return PollOutcome(error=f"the App Store feed changed shape: {invalid.message}", pages=pages)
            reviews += found
            reached = (
                cursor is not None
                and cursor.updated is not None
                and found
                and found[-1].updated <= cursor.updated
            )
            if not found or reached:
                break
        batch = app_store.select(reviews, cursor, backfill)
        return PollOutcome(
            new=tuple(app_store.to_input(r, source, country) for r in batch.new),
            history=tuple(app_store.to_input(r, source, country) for r in batch.history),
            cursor=batch.cursor,
            pages=pages,
        )
