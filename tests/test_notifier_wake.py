"""The notifier wakes the outbox after each commit that queued something, and never after a rollback."""

from __future__ import annotations

import pytest

from bot.container import Container
from bot.domain.outgoing import Post
from bot.domain.speakup import ThreadNote
from tests.slack_requests import TEAM_ID


def test_each_committed_transaction_that_queued_wakes_the_outbox_once(container: Container) -> None:
    wakes: list[int] = []
    container.wakeup.subscribe(lambda: wakes.append(1))
    session = container.sessions()
    for n in range(3):  # one session, several transactions: the listener must survive each commit
        with session.begin():
            container.notifier.send(
                session, TEAM_ID, Post(to="C1", content=ThreadNote(n, "closed"), key=f"k{n}")
            )
            container.notifier.send(
                session, TEAM_ID, Post(to="C2", content=ThreadNote(n, "closed"), key=f"j{n}")
            )
    assert len(wakes) == 3
    with pytest.raises(RuntimeError), session.begin():
        container.notifier.send(
            session, TEAM_ID, Post(to="C1", content=ThreadNote(9, "closed"), key="rolled")
        )
        raise RuntimeError("the service failed")
    with session.begin():
        pass  # a later commit that queued nothing does not wake
    assert len(wakes) == 3
    session.close()
