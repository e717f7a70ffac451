"""The one way to get a Slack WebClient: base URL from settings, slack_sdk retry handlers on the Clock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.clock import Clock
from bot.config import EnvConfig

log = logging.getLogger(__name__)

# Longest Retry-After a job's thread waits out in place; longer ones surface as errors and the outbox
# reschedules the call instead of holding a worker thread. Listeners never wait (LISTENER_* below).
MAX_INLINE_WAIT = 10.0

# Listeners answer a person within Slack's 3 s: their client never sleeps for a Retry-After (a 429 is an
# error at once: the outbox retries what it queued, the user is told about the rest), retries a
# connection error or a 5xx once after a short pause, and gives up on a call after LISTENER_TIMEOUT.
LISTENER_TIMEOUT = 5


def retry_after_seconds(headers: dict[str, Any]) -> float | None:
    """The Retry-After header of a Slack response (names and list values as slack_sdk gives them)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                return None
    return None


class _ClockSleep:
    """Mixin for slack_sdk retry handlers: wait through the Clock instead of time.sleep."""

    def __init__(self, clock: Clock, max_retry_count: int = 2) -> None:
        super().__init__(max_retry_count=max_retry_count)  # type: ignore[call-arg]
        self.clock = clock

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.clock.sleep(self._duration(state, response))
        state.increment_current_attempt()

    def _duration(self, state: RetryState, response: HttpResponse | None) -> float:
        return self.interval_calculator.calculate_sleep_duration(state.current_attempt)  # type: ignore[attr-defined]


class RateLimitRetry(_ClockSleep, RateLimitErrorRetryHandler):
    """Honours Retry-After, waiting through the Clock; gives up on waits longer than `max_wait`."""

    def __init__(self, clock: Clock, max_retry_count: int = 2, max_wait: float = MAX_INLINE_WAIT) -> None:
        super().__init__(clock, max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after_seconds(response.headers)
        return wait is None or wait <= self.max_wait

    def _duration(self, state: RetryState, response: HttpResponse | None) -> float:
        wait = retry_after_seconds(response.headers) if response is not None else None
        return 1.0 if wait is None else wait


class ServerErrorRetry(_ClockSleep, ServerErrorRetryHandler):
    """5xx answers, retried with backoff on the Clock."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


class ConnectionRetry(_ClockSleep, ConnectionErrorRetryHandler):
    """Connection errors, retried with backoff on the Clock."""


def retry_handlers(clock: Clock) -> list[RetryHandler]:
    """Jobs and the outbox: wait out rate limits (up to MAX_INLINE_WAIT) and back off on failures."""
    return [ConnectionRetry(clock), RateLimitRetry(clock), ServerErrorRetry(clock)]


def listener_retry_handlers(clock: Clock) -> list[RetryHandler]:
    """The request path: no rate-limit retry at all, one quick retry of a dropped connection or a 5xx."""
    return [ConnectionRetry(clock, max_retry_count=1), ServerErrorRetry(clock, max_retry_count=1)]


def make_client(
    settings: EnvConfig, clock: Clock, token: str | None = None, *, for_listeners: bool = False
) -> WebClient:
    return WebClient(
        token=token,
        base_url=settings.api_url,
        timeout=LISTENER_TIMEOUT if for_listeners else 15,
        retry_handlers=listener_retry_handlers(clock) if for_listeners else retry_handlers(clock),
        logger=logging.getLogger("slack_sdk.web"),
    )


class SlackClients:
    """WebClients per workspace: the bot token in single-workspace mode, installations with OAuth.

    `base` is the Bolt app's client, so what listeners use (Bolt copies its retry handlers into the
    per-request clients of OAuth installs): it fails fast. `for_team` serves jobs and the outbox,
    whose calls may wait out a rate limit.
    """

    def __init__(
        self,
        settings: EnvConfig,
        clock: Clock,
        token_for_team: Callable[[str], str | None] | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._token_for_team = token_for_team
        self.base = make_client(settings, clock, settings.bot_token, for_listeners=True)
        self._jobs = make_client(settings, clock, settings.bot_token)

    def for_team(self, team_id: str) -> WebClient:
        if self._token_for_team is None:
            return self._jobs
        return make_client(self._settings, self._clock, self._token_for_team(team_id))
