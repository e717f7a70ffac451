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


def test_an_outbox_run_outlasting_its_interval_is_not_a_warning_other_jobs_overlapping_are(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A run sending a launch's invitations outlasts the 2 s interval: APScheduler's "skipped" warning
    would come every 2 s for the whole launch. Other jobs overlapping still warn."""
    import logging

    import jobs  # noqa: F401  (installs the filter)

    log = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        for job in ("work_outbox", "send_weekly_digests"):
            log.warning(
                'Execution of job "%s (trigger: interval[0:00:02])" skipped: maximum number of running '
                "instances reached (%d)",
                job,
                1,
            )
    assert [r.getMessage()[:37] for r in caplog.records] == ['Execution of job "send_weekly_digests']
