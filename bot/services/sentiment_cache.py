"""Workspaces' learned models kept in memory for judging, each with the stored version it was read at."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from bot.services.sentiment_learner import Model

# Models kept in memory (weights only: 0.75 MB each); the least recently used is dropped, then reloaded.
CACHED_MODELS = 50


@dataclass(frozen=True)
class Cached:
    version: int
    model: Model | None  # None: not usable at that version (e.g. stored by an earlier learner)
    in_use: bool


class ModelCache:
    """A small LRU of models by workspace, safe across listener threads."""

    def __init__(self, size: int = CACHED_MODELS) -> None:
        self._size = size
        self._items: OrderedDict[str, Cached] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, team_id: str, version: int) -> Cached | None:
        """The cached entry if it was read at `version` (a model saved later has another version)."""
        with self._lock:
            cached = self._items.get(team_id)
            if cached is None or cached.version != version:
                return None
            self._items.move_to_end(team_id)
            return cached

    def put(self, team_id: str, cached: Cached) -> None:
        with self._lock:
            self._items[team_id] = cached
            self._items.move_to_end(team_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._items.pop(team_id, None)
