"""Send what the outbox holds: Slack calls queued by services, paced and retried."""

from __future__ import annotations

import logging

from bot.container import Container

log = logging.getLogger(__name__)


def work_outbox(container: Container) -> None:
    report = container.outbox.drain(max_rounds=20)
    if report.handled:
        log.info("outbox: %d sent, %d rescheduled, %d dead", report.sent, report.retried, report.dead)
