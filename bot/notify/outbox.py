"""Slack calls that must happen even if Slack or the process fails for a while.

Services enqueue inside their own transaction (so the message exists if and only if the data does);
the outbox job sends, paced, with retries, and settles each row: sent, rescheduled or dead (logged).

Delivery is at least once, with one known duplicate window. Slack's Web API has no idempotency key, so
a call Slack accepted whose outcome never reached the database is sent again by whoever takes the row
over. That happens only when (a) the process dies between Slack's answer and the commit of the record
(a few milliseconds; at most one row per process, the one in flight), or (b) the process cannot write
its record for longer than LEASE and another process reclaims the row first (the sender keeps
retrying the record in memory for `record_retry_seconds` and its heartbeat renews the lease, so this
needs a database outage longer than the lease that ends for another replica before this one). In
every other case the fencing token keeps a row from being sent by two processes: a slow Slack cannot
make a lease run out while its holder is alive, and a holder that lost its lease does not send.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.outgoing import Sent
from bot.notify.holds import RateHolds
from bot.notify.leases import LEASE, Leases
from bot.notify.outcomes import CHANNEL_ACCESS_ERRORS, PERMANENT_ERRORS, Outcome, result_summary
from bot.notify.wakeup import Wakeup as Wakeup  # re-exported from its former home
from bot.slack import SlackClients, retry_after_seconds
from bot.views.alerts import channel_unreachable
from storage.models import OutboxMessage
from storage.repositories import outbox as repo

log = logging.getLogger(__name__)

R = TypeVar("R")


@dataclass(frozen=True)
class QueuedCall:
    """One Web API call to queue: `key` unique per workspace; `receipt` handed back once it is sent."""

    key: str
    method: str
    payload: dict[str, Any]
    receipt: object | None = None
    scrub_after_send: bool = False


@dataclass(frozen=True)
class _ReceiptHandler:
    record: type
    handler: Callable[[Session, Any, Sent], None]


# What died there in the last REDELIVER_WITHIN goes out again once the bot is invited back.
REDELIVER_WITHIN = timedelta(days=7)


@dataclass
class WorkReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    lost: int = 0  # rows whose lease another process took over: left to it
    deferred: int = 0  # rows handed back untried: Slack rate-limited their workspace's method just now
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.dead


class Outbox:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        clients: SlackClients,
        *,
        wakeup: Callable[[], None] = lambda: None,
        owners_of: Callable[[str], Sequence[str]] = lambda _team_id: (),
        batch_size: int = 10,
        pace_seconds: float = 0.05,
        lease: timedelta = LEASE,
        max_attempts: int = 10,
        record_retry_seconds: float = 60.0,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._clients = clients
        self._receipts: dict[str, _ReceiptHandler] = {}
        self.batch_size = batch_size
        self.pace_seconds = pace_seconds
        self.max_attempts = max_attempts
        self.record_retry_seconds = record_retry_seconds
        self._leases = Leases(sessions, clock, lease)
        self._holds = RateHolds(clock)
        self._stopping = threading.Event()
        self._wakeup = wakeup
        self._owners_of = owners_of  # who hears that the bot cannot post in a channel

    @property
    def lease(self) -> timedelta:
        return self._leases.lease

    @lease.setter
    def lease(self, lease: timedelta) -> None:
        self._leases.lease = lease

    def register_receipt(
        self, name: str, record: type[R], handler: Callable[[Session, R, Sent], None]
    ) -> None:
        """Once a call queued with a `record` receipt is accepted, `handler` gets it (same transaction)."""
        known = self._receipts.get(name)
        if known is not None and known.record is not record:
            raise ValueError(f"receipt name {name!r} is taken by {known.record.__name__}")
        self._receipts[name] = _ReceiptHandler(record, handler)

    def _receipt_name(self, receipt: object) -> str:
        for name, registered in self._receipts.items():
            if type(receipt) is registered.record:
                return name
        raise ValueError(f"no handler registered for receipts of type {type(receipt).__name__}")

    def enqueue(
        self,
        session: Session,
        *,
        team_id: str,
        key: str,
        method: str,
        payload: dict[str, Any],
        receipt: object | None = None,
        scrub_after_send: bool = False,
    ) -> bool:
        """Queue a Web API call in the caller's transaction. The same (team, key) is queued once only."""
        call = QueuedCall(key, method, payload, receipt, scrub_after_send)
        return self.enqueue_many(session, team_id, [call]) == 1

    def enqueue_many(self, session: Session, team_id: str, calls: Sequence[QueuedCall]) -> int:
        """`enqueue` for many calls in a few statements (a launch's thousands of invitations); returns
        how many were new."""
        rows = [
            {
                "team_id": team_id,
                "dedupe_key": call.key,
                "method": call.method,
                "payload": call.payload,
                "on_sent": None if call.receipt is None else self._receipt_name(call.receipt),
                "receipt": None if call.receipt is None else dataclasses.asdict(call.receipt),  # type: ignore[call-overload]
                "scrub_after_send": call.scrub_after_send,
            }
            for call in calls
        ]
        return repo.enqueue_many(session, rows, self._clock.now()) if rows else 0

    def wake(self) -> None:
        """Ask the sender to run soon (new rows were committed)."""
        self._wakeup()

    def redeliver_to(self, team_id: str, channel: str) -> int:
        """The bot was invited to `channel`: messages that died there for want of access in the last
        REDELIVER_WITHIN go out again (cards, kudos, digests). Returns how many were requeued."""
        now = self._clock.now()
        with self._sessions.begin() as s:
            # One UPDATE with the channel matched in SQL: a week of other channels' dead messages is
            # never loaded.
            requeued = repo.requeue_dead_to(
                s, team_id, channel, CHANNEL_ACCESS_ERRORS, since=now - REDELIVER_WITHIN, now=now
            )
        if requeued:
            log.info("outbox: %d message(s) to %s in team %s queued again", requeued, channel, team_id)
            self._wakeup()
        return requeued

    def _tell_owners(self, s: Session, team_id: str, channel: str, error: str, now: datetime) -> None:
        """Once a day per channel and owner: the bot can't post there, and what to do about it."""
        message = channel_unreachable(channel, error, REDELIVER_WITHIN.days)
        for owner in self._owners_of(team_id):
            self.enqueue(
                s,
                team_id=team_id,
                key=f"channel-unreachable:{channel}:{now:%Y-%m-%d}:{owner}",
                method="chat.postMessage",
                payload={"channel": owner, **message.as_kwargs()},
            )

    def work(self) -> WorkReport:
        """Send one batch of due calls. Safe to run in several processes at once (rows are claimed).

        Fencing: the batch is claimed with a fresh token and a short lease, which a heartbeat thread
        renews while this process works; just before each call the row's hold is checked (and renewed)
        and the outcome is recorded only while the row still carries the token. A row whose lease was
        lost (this process stalled for a whole lease) is left to whoever reclaimed it.
        """
        report = WorkReport()
        token = repo.new_claim_token()
        with self._sessions.begin() as s:
            claimed = [
                (m.id, m.team_id, m.method, m.payload)
                for m in repo.claim_due(
                    s, self._clock.now(), self.batch_size, self.lease, token, skip=self._holds.held()
                )
            ]
        if not claimed:
            return report
        with self._leases.holding([m for m, *_ in claimed], token, release=self._stopping.is_set):
            called = False
            for message_id, team_id, method, payload in claimed:
                if self._stopping.is_set():
                    break
                if (until := self._holds.until(team_id, method)) is not None:
                    self._defer(message_id, token, until, report)
                    continue
                if called:
                    self._clock.sleep(self.pace_seconds)
                called = True
                if not self._leases.still_held(message_id, token):
                    report.lost += 1
                    continue
                self._send(message_id, token, team_id, method, payload, report)
                self._leases.forget(message_id)
        return report

    def _defer(self, message_id: int, token: str, until: datetime, report: WorkReport) -> None:
        """A row of a method Slack rate-limited earlier in this batch: back to the queue, untried."""
        with self._sessions.begin() as s:
            repo.defer(s, [message_id], token, until)
        self._leases.forget(message_id)
        report.deferred += 1

    def stop(self) -> None:
        """Shutting down: finish the call in flight, send nothing more, hand the rest back at once."""
        self._stopping.set()

    def renew_leases(self) -> int:
        """Extend the lease of every row this process holds (what the heartbeat does every
        `heartbeat_seconds`); returns how many it still holds."""
        return self._leases.renew()

    @property
    def heartbeat_seconds(self) -> float:
        return self._leases.heartbeat_seconds

    def drain(self, max_rounds: int = 1000) -> WorkReport:
        """Work batches until nothing is due now (rescheduled rows wait for their time)."""
        total = WorkReport()
        for _ in range(max_rounds):
            report = self.work()
            total.sent += report.sent
            total.retried += report.retried
            total.dead += report.dead
            total.lost += report.lost
            total.deferred += report.deferred
            total.errors += report.errors
            if (report.handled == 0 and report.lost == 0) or self._stopping.is_set():
                break
        return total

    def _send(
        self,
        message_id: int,
        token: str,
        team_id: str,
        method: str,
        payload: dict[str, Any],
        report: WorkReport,
    ) -> None:
        client = self._clients.for_team(team_id)
        response: dict[str, Any] | None = None
        error: str | None = None
        retry_in: float | None = None
        permanent = limited = False
        try:
            response = client.api_call(method, json=payload).data  # type: ignore[assignment]
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
            if limited := exc.response.status_code == 429:
                retry_in = retry_after_seconds(exc.response.headers) or 30.0
                until = self._holds.hold(team_id, method, retry_in)
                log.info(
                    "outbox: Slack rate-limits %s for team %s; holding it until %s", method, team_id, until
                )
            permanent = error in PERMANENT_ERRORS
        except (OSError, TimeoutError) as exc:
            error = f"connection: {exc}"
        outcome = Outcome(response, error, retry_in, permanent, rate_limited=limited)
        self._record_retrying(message_id, token, team_id, method, payload, outcome, report)

    def _record_retrying(
        self,
        message_id: int,
        token: str,
        team_id: str,
        method: str,
        payload: dict[str, Any],
        outcome: Outcome,
        report: WorkReport,
    ) -> None:
        """Record the outcome; while the database is unreachable, keep trying (in memory, bounded).

        Slack has already acted on a successful call: losing its record would send it again once the
        lease runs out, so the sender waits for the database rather than moving on. The heartbeat keeps
        renewing the lease meanwhile; another process can only take the row over if this one still
        cannot write after the lease ran out and it claims first (the documented duplicate window).
        """
        deadline = self._clock.now() + timedelta(seconds=self.record_retry_seconds)
        wait = 0.25
        while True:
            try:
                self._record(message_id, token, team_id, method, payload, outcome, report)
                return
            except (OperationalError, InterfaceError) as exc:
                if self._clock.now() >= deadline:
                    log.error(
                        "outbox message %s: outcome not recorded, the database is still unreachable "
                        "(%s); it may be sent again after its lease",
                        message_id,
                        type(exc).__name__,
                    )
                    raise
                log.warning("outbox message %s: database unreachable, recording again", message_id)
                self._clock.sleep(wait)
                wait = min(wait * 2, 2.0)

    def _record(
        self,
        message_id: int,
        token: str,
        team_id: str,
        method: str,
        payload: dict[str, Any],
        outcome: Outcome,
        report: WorkReport,
    ) -> None:
        response, error = outcome.response, outcome.error
        with self._sessions.begin() as s:
            message = repo.fence(s, message_id, token)
            if message is None:
                report.lost += 1
                log.warning("outbox message %s: lease lost during the call; outcome not recorded", message_id)
                return
            now = self._clock.now()
            if not outcome.rate_limited:
                message.attempts += 1
            if response is not None:
                message.status = "sent"
                message.sent_at = now
                message.result = result_summary(response)
                message.last_error = None
                self._record_receipt(s, message, response)
                if message.scrub_after_send:
                    message.payload, message.result = {}, {}
                report.sent += 1
                return
            message.last_error = error
            if outcome.permanent or message.attempts >= self.max_attempts:
                message.status = "dead"
                report.dead += 1
                report.errors.append(f"{method}: {error}")
                log.error(
                    "outbox message %s (%s to team %s) failed for good after %d attempt(s): %s",
                    message_id,
                    method,
                    team_id,
                    message.attempts,
                    error,
                )
                channel = str(payload.get("channel") or "")
                if method == "chat.postMessage" and error in CHANNEL_ACCESS_ERRORS and channel[:1] in "CG":
                    self._tell_owners(s, team_id, channel, str(error), now)
                return
            delay = (
                outcome.retry_in
                if outcome.retry_in is not None
                else min(5.0 * 2 ** (message.attempts - 1), 3600.0)
            )
            message.next_attempt_at = now + timedelta(seconds=delay)
            report.retried += 1
            log.warning(
                "outbox message %s (%s) will be retried in %.0fs: %s", message_id, method, delay, error
            )

    def _record_receipt(self, s: Session, message: OutboxMessage, response: dict[str, Any]) -> None:
        if message.on_sent is None:
            return
        registered = self._receipts.get(message.on_sent)
        if registered is None:
            log.error("outbox message %s: no receipt handler named %r", message.id, message.on_sent)
            return
        sent = Sent(
            str(response.get("channel") or message.payload.get("channel") or ""), str(response.get("ts"))
        )
        registered.handler(s, registered.record(**(message.receipt or {})), sent)
