"""Polling the App Store's public reviews feed: fetch pages until the cursor, parse, pick what is new; the
vendor's 429/503 becomes a back-off (Retry-After honoured). PolledSources runs it for every App Store
source: once per source per period across replicas (a claim in the database), the cursor and back-off
kept per source, the first poll's history stored without cards under one summary card. HTTP is
injected (tests use a fake fetch; `http_fetch` is the real one)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.feedback import FeedbackInput
from bot.domain.intake import app_store
from bot.domain.intake.common import PayloadInvalid
from bot.domain.intake.source import APP_STORE, BackfillSummary, Source
from bot.domain.outgoing import Post
from bot.services.feedback import FeedbackService
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from bot.services.sources import source_record
from storage.repositories import idempotency
from storage.repositories import sources as repo

MAX_BACKOFF_SECONDS = 6 * 3600
BASE_BACKOFF_SECONDS = 60
POLL_MINUTES = 15  # how often each App Store source is polled (the job runs every minute)
BACKFILL = 20  # cards a first poll posts; older reviews are stored as history under one summary card
CLAIM_KIND = "source-poll"
FETCH_TIMEOUT = 15.0


@dataclass(frozen=True)
class FetchResponse:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names


Fetch = Callable[[str], FetchResponse]


def http_fetch(url: str) -> FetchResponse:
    """GET `url` (the App Store feed); HTTP errors are answers too (429 with its Retry-After)."""
    request = urllib.request.Request(url, headers={"User-Agent": "empathy-bot (feedback relay)"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310 - https only
            return FetchResponse(response.status, response.read(), _lower(response.headers))
    except urllib.error.HTTPError as error:
        return FetchResponse(error.code, b"", _lower(error.headers))
    except OSError:
        return FetchResponse(0)


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers is not None else {}


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


def period_of(now: datetime, minutes: int = POLL_MINUTES) -> str:
    """The polling period `now` falls in (UTC), e.g. "2026-11-30T09:15"."""
    start = now.replace(minute=now.minute - now.minute % minutes, second=0, microsecond=0)
    return start.strftime("%Y-%m-%dT%H:%M")


class PolledSources:
    """Every App Store source polled once per period, whichever replica gets there first."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        feedback: FeedbackService,
        settings: SettingsService,
        postbox: Postbox,
        polling: ReviewPolling,
        *,
        backfill: int = BACKFILL,
        minutes: int = POLL_MINUTES,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._feedback = feedback
        self._settings = settings
        self._postbox = postbox
        self._polling = polling
        self._backfill = backfill
        self._minutes = minutes

    def poll_all(self) -> dict[str, str]:
        """Poll each source whose period is unclaimed; (team:name) -> what happened, for the log."""
        with self._sessions() as s:
            sources = [source_record(row) for row in repo.of_kind(s, APP_STORE)]
        return {f"{src.team_id}:{src.name}": self.poll(src) for src in sources}

    def poll(self, source: Source) -> str:
        now = self._clock.now()
        with self._sessions.begin() as s:
            period = period_of(now, self._minutes)
            if not idempotency.claim_period(s, source.team_id, f"{CLAIM_KIND}:{source.id}", period, now):
                return "polled by another process this period"
            state: dict[str, Any] = dict(repo.poll_state(s, source.id) or {})
        retry_at = state.get("retry_at")
        if retry_at and now < datetime.fromisoformat(retry_at):
            return f"backing off until {retry_at}"
        cursor = app_store.cursor_from_json(state.get("cursor"))
        failures = int(state.get("failures", 0))
        outcome = self._polling.app_store(
            str(source.options.get("app_id", "")),
            str(source.options.get("country", "us")),
            cursor,
            source=source.name,
            backfill=self._backfill,
            failures=failures,
        )
        if outcome.retry_after is not None or outcome.error is not None:
            wait = outcome.retry_after if outcome.retry_after is not None else 0.0
            state.update(
                failures=failures + 1,
                retry_at=(now + timedelta(seconds=wait)).isoformat() if wait else None,
                error=outcome.error or f"the App Store asked us to wait {wait:.0f} s",
            )
            self._save(source, state)
            return str(state["error"])
        new = [self._tagged(source, data) for data in outcome.new]
        history = [self._tagged(source, data) for data in outcome.history]
        stored = 0
        if history:
            plan = self._feedback.plan_import(source.team_id, post_cards=False)
            stored = self._feedback.ingest_batch(plan, list(enumerate(history, start=1))).imported
        created = sum(1 for data in new if self._feedback.ingest(source.team_id, data)[1])
        state = {"cursor": app_store.cursor_to_json(outcome.cursor) if outcome.cursor else None}
        state.update(failures=0, polled_at=now.isoformat())
        summary = BackfillSummary(source.name, stored, len(new)) if cursor is None and stored else None
        self._save(source, state, summary)
        return f"{created} new, {stored} earlier stored as history"

    @staticmethod
    def _tagged(source: Source, data: FeedbackInput) -> FeedbackInput:
        tags = tuple(dict.fromkeys([*data.tags, *source.default_tags]))
        return replace(data, tags=tags, rating_scale=data.rating_scale or source.rating_scale)

    def _save(self, source: Source, state: dict[str, Any], summary: BackfillSummary | None = None) -> None:
        """The cursor (and back-off) kept; the first poll's one summary card queued with it."""
        with self._sessions.begin() as s:
            repo.set_poll_state(s, source.id, state)
            channel = self._settings.get(source.team_id, s).feedback_channel if summary else None
            if summary is not None and channel:
                key = f"source-backfill:{source.id}"
                self._postbox.send(s, source.team_id, Post(to=channel, content=summary, key=key))
