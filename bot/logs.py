"""Logging set-up: one format, and tokens redacted wherever a library would print them."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\b(xox[abpre]|xapp)-[A-Za-z0-9-]+")


class RedactTokens(logging.Filter):
    """slack_sdk logs request headers at DEBUG; no Slack token may reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub(r"\1-***", message)
            record.args = ()
        return True


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The scheduler logs every run at INFO; its warnings and errors still show.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
    # Alembic narrates its set-up at INFO on every start; `migrate` and `run` report what was applied.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
