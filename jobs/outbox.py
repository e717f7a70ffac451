"""Send what the outbox holds: Slack calls queued by services, paced and retried."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.container import Container

log = logging.getLogger(__name__)


def work_outbox(container: Container) -> None:
    """One run: a few batches. A database outage is one log line per run, not a traceback per row."""
    try:
        report = container.outbox.drain(max_rounds=20)
    except SQLAlchemyError as exc:
        log.error("outbox run failed, the database is unavailable: %s", _first_line(exc))
        return
    if report.handled or report.lost:
        log.info(
            "outbox: %d sent, %d rescheduled, %d dead, %d left to another process",
            report.sent,
            report.retried,
            report.dead,
            report.lost,
        )


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
