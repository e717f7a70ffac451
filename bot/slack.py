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

# Longest Retry-After a thread waits out in place; longer ones surface as errors and the outbox
# reschedules the call instead of holding a worker thread.
MAX_INLINE_WAIT = 10.0


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
    """Honours Retry-After, waiting through the Clock; gives up on waits longer than MAX_INLINE_WAIT."""

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
        return wait is None or wait <= MAX_INLINE_WAIT

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
    return [ConnectionRetry(clock), RateLimitRetry(clock), ServerErrorRetry(clock)]


def make_client(settings: EnvConfig, clock: Clock, token: str | None = None) -> WebClient:
    return WebClient(
        token=token,
        base_url=settings.api_url,
        timeout=15,
        retry_handlers=retry_handlers(clock),
        logger=logging.getLogger("slack_sdk.web"),
    )


class SlackClients:
    """WebClients per workspace: the bot token in single-workspace mode, installations with OAuth."""

    def __init__(
        self,
        settings: EnvConfig,
        clock: Clock,
        token_for_team: Callable[[str], str | None] | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._token_for_team = token_for_team
        self.base = make_client(settings, clock, settings.bot_token)

    def for_team(self, team_id: str) -> WebClient:
        if self._token_for_team is None:
            return self.base
        return make_client(self._settings, self._clock, self._token_for_team(team_id))
