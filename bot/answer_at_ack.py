"""Answer Slack the moment a listener calls `ack()`, not at Bolt's next poll.

Bolt runs each listener on its listener executor and has the request's thread look for the ack every
10 ms (`ThreadListenerRunner`), so a listener that acks 1 ms in is answered 10 ms in, and one that acks
at 11 ms is answered at 20. Here the request's Ack signals an event, and the executor's `submit`, called
by that same thread right before it starts polling, waits on that event (or on the listener finishing,
whichever comes first): by the time the poll begins the ack is there and the answer leaves at once.

Nothing else changes: the listener still runs on the executor, its work after `ack()` goes on there, and
a request whose Ack was made elsewhere (or a submit from another thread) just falls back to Bolt's poll.
Lazy listeners (this app has none: Bolt deep-copies their context, and the container is not copied)
are submitted after the listener, with its ack given: they do not wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, BoltContext, BoltResponse

# Bolt's own limit for a listener to ack (Listener.ack_timeout); past it Bolt stops waiting too.
ACK_TIMEOUT = 3.0

_pending = threading.local()


class SignallingAck(Ack):
    """Bolt's Ack, which also sets `called` once the response is in place."""

    def __init__(self) -> None:
        super().__init__()
        self.called = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.called.set()

    def __deepcopy__(self, _memo: dict[int, Any]) -> Ack:
        """Bolt deep-copies a request's context for its lazy listeners (which cannot ack): they get a plain
        Ack with the same response; an Event cannot be copied."""
        copied = Ack()
        copied.response = self.response
        return copied


def signal_ack(context: BoltContext, next: Callable[[], None]) -> None:
    """Global middleware: give the request an Ack that signals, and leave it for this thread's submit.

    Bolt's `next()` only notes that the chain may go on (the listener runs after every middleware has
    returned), so the Ack stays with the thread until the submit takes it or the next request replaces it.
    """
    ack = SignallingAck()
    context["ack"] = ack
    _pending.ack = ack
    next()


class AckAwareExecutor(ThreadPoolExecutor):
    """The listener executor: `submit` returns once the request's listener has acked (or ended)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        ack: SignallingAck | None = getattr(_pending, "ack", None)
        if ack is not None:
            _pending.ack = None  # one listener per request; anything submitted later does not wait
            future.add_done_callback(lambda _done: ack.called.set())  # failed or never acked
            ack.called.wait(ACK_TIMEOUT)
        return future
