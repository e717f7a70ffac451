"""The outbox's hold on the rows it works on: claim tokens, leases renewed by a heartbeat, release."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from storage.repositories import outbox as repo

log = logging.getLogger(__name__)

# A claimed row is this process's for LEASE, renewed every LEASE/3 while it works: a dead process's rows
# are picked up by another within LEASE (plus one run of the outbox job).
LEASE = timedelta(seconds=15)


class Leases:
    """Which rows this process holds (id -> claim token), kept alive while a batch is worked on."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, lease: timedelta) -> None:
        self._sessions = sessions
        self._clock = clock
        self.lease = lease
        # Real seconds between renewals while a batch is worked on (a third of the lease).
        self.heartbeat_seconds = lease.total_seconds() / 3
        self._held: dict[int, str] = {}
        self._lock = threading.Lock()

    @contextmanager
    def holding(self, ids: list[int], token: str, *, release: Callable[[], bool]) -> Iterator[None]:
        """Hold `ids` while the block runs, a heartbeat renewing their lease; afterwards forget them,
        and hand back the unsent ones at once if `release()` says so (shutting down)."""
        with self._lock:
            self._held.update(dict.fromkeys(ids, token))
        stop = threading.Event()
        threading.Thread(target=self._heartbeat, args=(stop,), name="outbox-lease", daemon=True).start()
        try:
            yield
        finally:
            stop.set()
            with self._lock:
                unsent = [i for i in ids if self._held.pop(i, None) == token]
            if unsent and release():
                self._release(unsent, token)

    def forget(self, message_id: int) -> None:
        """The row is settled (or lost): no more renewals, and it is not handed back."""
        with self._lock:
            self._held.pop(message_id, None)

    def renew(self) -> int:
        """Extend the lease of every row held (the heartbeat's tick); returns how many still are.

        Rows another process reclaimed are dropped: this process will not send them.
        """
        with self._lock:
            by_token: dict[str, list[int]] = {}
            for message_id, token in self._held.items():
                by_token.setdefault(token, []).append(message_id)
        until = self._clock.now() + self.lease
        renewed = 0
        with self._sessions.begin() as s:
            for token, ids in by_token.items():
                kept = repo.hold(s, ids, token, until)
                renewed += len(kept)
                with self._lock:
                    for message_id in set(ids) - kept:
                        self._held.pop(message_id, None)
        return renewed

    def still_held(self, message_id: int, token: str) -> bool:
        """Renew one row's lease just before its call; False if the row is no longer ours."""
        with self._lock:
            if self._held.get(message_id) != token:
                return False
        with self._sessions.begin() as s:
            held = bool(repo.hold(s, [message_id], token, self._clock.now() + self.lease))
        if not held:
            self.forget(message_id)
            log.warning("outbox message %s: lease lost before sending; left to its new holder", message_id)
        return held

    def _heartbeat(self, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_seconds):
            try:
                self.renew()
            except SQLAlchemyError as exc:
                log.warning("outbox: could not renew leases: %s", type(exc).__name__)

    def _release(self, ids: list[int], token: str) -> None:
        try:
            with self._sessions.begin() as s:
                repo.release(s, ids, token)
        except SQLAlchemyError as exc:  # their leases run out on their own
            log.warning("outbox: could not release %d claimed row(s): %s", len(ids), type(exc).__name__)
