"""The notifier: renders what services ask to send (bot/domain/outgoing records) with bot/views, and queues
it in the outbox in the caller's transaction. Each capability's renderers live in bot/notify/<cap>.py."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.domain.outgoing import Delete, Outgoing, Post, Sent, Update
from bot.notify.outbox import Outbox, QueuedCall
from bot.views.common import Message

log = logging.getLogger(__name__)

R = TypeVar("R")
Renderer = Callable[[Any], Message]


class Notifier:
    """Implements the services' Postbox: a registry of renderers keyed by content type."""

    def __init__(self, outbox: Outbox, renderers: Mapping[type, Renderer]) -> None:
        self._outbox = outbox
        self._renderers = dict(renderers)

    def render(self, content: object) -> Message:
        renderer = self._renderers.get(type(content))
        if renderer is None:
            raise TypeError(f"no renderer for {type(content).__name__}: add one to bot/notify")
        return renderer(content)

    def send(self, session: Session, team_id: str, *messages: Outgoing) -> int:
        rendered: dict[int, Message] = {}  # by content object: a launch sends one invitation to thousands
        new = self._outbox.enqueue_many(session, team_id, [self._call(m, rendered) for m in messages])
        if new:
            self._wake_after_commit(session)
        return new

    def on_sent(self, name: str, receipt: type[R], handler: Callable[[Session, R, Sent], None]) -> None:
        self._outbox.register_receipt(name, receipt, handler)

    def _render_once(self, content: object, rendered: dict[int, Message]) -> Message:
        """Render `content`, once per object within one `send` (the objects outlive the call)."""
        if id(content) not in rendered:
            rendered[id(content)] = self.render(content)
        return rendered[id(content)]

    def _call(self, message: Outgoing, rendered: dict[int, Message]) -> QueuedCall:
        if isinstance(message, Post):
            payload: dict[str, Any] = {
                "channel": message.to,
                **self._render_once(message.content, rendered).as_kwargs(),
                "unfurl_links": False,
                "unfurl_media": False,
            }
            if message.thread_ts:
                payload["thread_ts"] = message.thread_ts
            return QueuedCall(
                message.key, "chat.postMessage", payload, message.receipt, message.forget_recipient
            )
        if isinstance(message, Update):
            payload = {
                "channel": message.channel,
                "ts": message.ts,
                **self._render_once(message.content, rendered).as_kwargs(),
            }
            return QueuedCall(message.key, "chat.update", payload)
        if isinstance(message, Delete):
            return QueuedCall(message.key, "chat.delete", {"channel": message.channel, "ts": message.ts})
        raise TypeError(f"cannot send {message!r}")

    def _wake_after_commit(self, session: Session) -> None:
        """Wake the outbox sender once the transaction commits (not before: the rows must be visible).

        The listeners stay on the session and look at a flag: removing a listener while SQLAlchemy
        runs the session's listeners fails ("deque mutated during iteration")."""
        session.info["notify_wake"] = True
        if session.info.get("notify_hooked"):
            return
        session.info["notify_hooked"] = True

        def wake(committed: Session) -> None:
            if committed.info.pop("notify_wake", None):
                self._outbox.wake()

        def forget(rolled_back: Session) -> None:
            rolled_back.info.pop("notify_wake", None)

        event.listen(session, "after_commit", wake)
        event.listen(session, "after_rollback", forget)


def receipt_fields(receipt: object) -> dict[str, Any]:
    """A receipt record as stored with its outbox row."""
    if not dataclasses.is_dataclass(receipt) or isinstance(receipt, type):
        raise TypeError(f"a receipt must be a dataclass instance, not {receipt!r}")
    return dataclasses.asdict(receipt)
