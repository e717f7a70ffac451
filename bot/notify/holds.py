"""Slack's rate limits, remembered by the sender.

Slack answers 429 with Retry-After per workspace and method (chat.postMessage, views.update, …). A
launch to thousands of people queues thousands of chat.postMessage rows at once; without memory the
sender would try each of them in turn and meet a 429 for every one (a 429 storm, and rows counted as
failed attempts). After a 429 the sender instead leaves that workspace's method alone until Retry-After
has passed: its rows stay queued, untouched, and other workspaces and methods go on. Each process learns
its holds from its own 429s (a replica that has not met one yet meets at most one per window).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from bot.clock import Clock

Key = tuple[str, str]  # (team id, Web API method)


class RateHolds:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until: dict[Key, datetime] = {}
        self._lock = threading.Lock()

    def hold(self, team_id: str, method: str, seconds: float) -> datetime:
        """Slack asked to wait `seconds` before calling `method` for `team_id` again."""
        until = self._clock.now() + timedelta(seconds=seconds)
        with self._lock:
            key = (team_id, method)
            self._until[key] = max(until, self._until.get(key, until))
            return self._until[key]

    def until(self, team_id: str, method: str) -> datetime | None:
        """When `method` may be called for `team_id` again; None: now."""
        with self._lock:
            until = self._until.get((team_id, method))
        return until if until is not None and until > self._clock.now() else None

    def held(self) -> list[Key]:
        """The (team, method) pairs to leave alone now; forgets the holds that ran out."""
        now = self._clock.now()
        with self._lock:
            for key in [k for k, until in self._until.items() if until <= now]:
                del self._until[key]
            return list(self._until)
