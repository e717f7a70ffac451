"""What services need from outside their layer, as protocols: the composition root supplies them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.domain.outgoing import Outgoing, Sent

R = TypeVar("R")


class Postbox(Protocol):
    """Queues messages in the caller's transaction (rendered by the notifier) and reports sends back."""

    def send(self, session: Session, team_id: str, *messages: Outgoing) -> int:
        """Queue `messages`; returns how many were new (a key queued before is not queued again)."""
        ...

    def on_sent(self, name: str, receipt: type[R], handler: Callable[[Session, R, Sent], None]) -> None:
        """Call `handler` with the receipt once a Post carrying one was accepted by Slack."""
        ...
