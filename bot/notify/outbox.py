"""Slack calls that must happen even if Slack or the process fails for a while.

Services enqueue inside their own transaction (so the message exists if and only if the data does);
the outbox job sends, paced, with retries, and settles each row: sent, rescheduled or dead (logged).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.outgoing import Sent
from bot.slack import SlackClients, retry_after_seconds
from bot.views.alerts import channel_unreachable
from bot.views.common import Message
from storage.models import OutboxMessage
from storage.repositories import outbox as repo

log = logging.getLogger(__name__)

OnSent = Callable[[Session, OutboxMessage, dict[str, Any]], None]
R = TypeVar("R")


@dataclass(frozen=True)
class _ReceiptHandler:
    record: type
    handler: Callable[[Session, Any, Sent], None]


# The bot cannot post in a channel (never invited, removed, or the channel archived): the owners are told,
# and what died there in the last REDELIVER_WITHIN goes out again once the bot is invited back.
CHANNEL_ACCESS_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
REDELIVER_WITHIN = timedelta(days=7)

# Errors that another attempt cannot fix: the row goes to the dead state at once, logged.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_not_visible",
        "cannot_dm_bot",
        "user_disabled",
        "account_inactive",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "message_not_found",
        "cant_update_message",
        "team_access_not_granted",
    }
)


@dataclass
class WorkReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
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
        batch_size: int = 50,
        pace_seconds: float = 0.05,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 10,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._clients = clients
        self._callbacks: dict[str, OnSent] = {}
        self._receipts: dict[str, _ReceiptHandler] = {}
        self.batch_size = batch_size
        self.pace_seconds = pace_seconds
        self.lease = lease
        self.max_attempts = max_attempts
        self.wakeup: Callable[[], None] = lambda: None
        self.owners_of: Callable[[str], Sequence[str]] = lambda _team_id: ()

    def on_sent(self, name: str, callback: OnSent) -> None:
        """Register what to record once a call succeeded (e.g. a card's ts), in the same transaction."""
        self._callbacks[name] = callback

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
        on_sent: str | None = None,
        receipt: object | None = None,
        scrub_after_send: bool = False,
    ) -> bool:
        """Queue a Web API call in the caller's transaction. The same (team, key) is queued once only."""
        if on_sent is not None and on_sent not in self._callbacks:
            raise ValueError(f"no on_sent callback named {on_sent!r}")
        receipt_data: dict[str, Any] | None = None
        if receipt is not None:
            on_sent = self._receipt_name(receipt)
            receipt_data = dataclasses.asdict(receipt)  # type: ignore[call-overload]
        return repo.enqueue(
            session,
            team_id=team_id,
            dedupe_key=key,
            method=method,
            payload=payload,
            on_sent=on_sent,
            receipt=receipt_data,
            scrub_after_send=scrub_after_send,
            now=self._clock.now(),
        )

    def wake(self) -> None:
        """Ask the sender to run soon (new rows were committed)."""
        self.wakeup()

    def post_message(
        self,
        session: Session,
        *,
        team_id: str,
        key: str,
        channel: str,
        message: Message,
        on_sent: str | None = None,
        **options: Any,
    ) -> bool:
        """Queue a chat.postMessage of a built message; `options` are further arguments (thread_ts, …)."""
        return self.enqueue(
            session,
            team_id=team_id,
            key=key,
            method="chat.postMessage",
            payload={"channel": channel, **options, **message.as_kwargs()},
            on_sent=on_sent,
        )

    def redeliver_to(self, team_id: str, channel: str) -> int:
        """The bot was invited to `channel`: messages that died there for want of access in the last
        REDELIVER_WITHIN go out again (cards, kudos, digests). Returns how many were requeued."""
        now = self._clock.now()
        requeued = 0
        with self._sessions.begin() as s:
            dead = s.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.team_id == team_id,
                    OutboxMessage.status == "dead",
                    OutboxMessage.method == "chat.postMessage",
                    OutboxMessage.last_error.in_(CHANNEL_ACCESS_ERRORS),
                    OutboxMessage.created_at >= now - REDELIVER_WITHIN,
                )
            )
            for message in dead:
                if message.payload.get("channel") == channel:
                    message.status, message.attempts, message.next_attempt_at = "pending", 0, now
                    message.last_error = None
                    requeued += 1
        if requeued:
            log.info("outbox: %d message(s) to %s in team %s queued again", requeued, channel, team_id)
            self.wakeup()
        return requeued

    def _tell_owners(self, s: Session, team_id: str, channel: str, error: str, now: datetime) -> None:
        """Once a day per channel and owner: the bot can't post there, and what to do about it."""
        for owner in self.owners_of(team_id):
            self.post_message(
                s,
                team_id=team_id,
                key=f"channel-unreachable:{channel}:{now:%Y-%m-%d}:{owner}",
                channel=owner,
                message=channel_unreachable(channel, error, REDELIVER_WITHIN.days),
            )

    def work(self) -> WorkReport:
        """Send one batch of due calls. Safe to run in several processes at once (rows are claimed)."""
        report = WorkReport()
        with self._sessions.begin() as s:
            claimed = [
                (m.id, m.team_id, m.method, m.payload)
                for m in repo.claim_due(s, self._clock.now(), self.batch_size, self.lease)
            ]
        for index, (message_id, team_id, method, payload) in enumerate(claimed):
            if index:
                self._clock.sleep(self.pace_seconds)
            self._send(message_id, team_id, method, payload, report)
        return report

    def drain(self, max_rounds: int = 1000) -> WorkReport:
        """Work batches until nothing is due now (rescheduled rows wait for their time)."""
        total = WorkReport()
        for _ in range(max_rounds):
            report = self.work()
            total.sent += report.sent
            total.retried += report.retried
            total.dead += report.dead
            total.errors += report.errors
            if report.handled == 0:
                break
        return total

    def _send(
        self, message_id: int, team_id: str, method: str, payload: dict[str, Any], report: WorkReport
    ) -> None:
        client = self._clients.for_team(team_id)
        response: dict[str, Any] | None = None
        error: str | None = None
        retry_in: float | None = None
        permanent = False
        try:
            response = client.api_call(method, json=payload).data  # type: ignore[assignment]
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
            if exc.response.status_code == 429:
                retry_in = retry_after_seconds(exc.response.headers) or 30.0
            permanent = error in PERMANENT_ERRORS
        except (OSError, TimeoutError) as exc:
            error = f"connection: {exc}"

        with self._sessions.begin() as s:
            message = s.get(OutboxMessage, message_id)
            if message is None or message.status != "pending":
                return
            now = self._clock.now()
            message.attempts += 1
            message.claimed_until = None
            if response is not None:
                message.status = "sent"
                message.sent_at = now
                message.result = _result_summary(response)
                message.last_error = None
                self._record_receipt(s, message, response)
                if message.scrub_after_send:
                    message.payload, message.result = {}, {}
                report.sent += 1
                return
            message.last_error = error
            if permanent or message.attempts >= self.max_attempts:
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
            delay = retry_in if retry_in is not None else min(5.0 * 2 ** (message.attempts - 1), 3600.0)
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
            self._callbacks[message.on_sent](s, message, response)
            return
        sent = Sent(
            str(response.get("channel") or message.payload.get("channel") or ""), str(response.get("ts"))
        )
        registered.handler(s, registered.record(**(message.receipt or {})), sent)


def _result_summary(response: dict[str, Any]) -> dict[str, Any]:
    """The parts of a Web API answer worth keeping (ids, not whole messages)."""
    keep: dict[str, Any] = {k: response[k] for k in ("channel", "ts") if k in response}
    if isinstance(response.get("file"), dict):
        keep["file_id"] = response["file"].get("id")
    return keep
