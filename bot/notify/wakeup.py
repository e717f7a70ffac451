"""Waking the outbox sender when rows were committed."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Wakeup:
    """Tells whoever sends the outbox that new rows are due. Built once in the container and given to
    the Outbox; the scheduler subscribes when it starts (nothing subscribed: the next regular run sends)."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, wake: Callable[[], None]) -> None:
        with self._lock:
            self._subscribers.append(wake)

    def __call__(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for wake in subscribers:
            wake()
