"""Polled feedback sources: every App Store source polled once per period, whichever replica runs first."""

from __future__ import annotations

import logging

from bot.container import Container
from bot.services.review_polling import Fetch, PolledSources, ReviewPolling, http_fetch

log = logging.getLogger("empathy_bot.jobs.intake")


def poll_review_sources(container: Container, fetch: Fetch | None = None) -> dict[str, str]:
    """Each source's period is claimed in the database before polling, so two schedulers poll it once;
    the cursor and any back-off are kept per source, so a restart resumes where the last poll stopped."""
    polled = PolledSources(
        container.sessions,
        container.clock,
        container.feedback,
        container.workspace_settings,
        container.notifier,
        ReviewPolling(fetch or http_fetch, container.clock),
    )
    outcomes = polled.poll_all()
    for source, outcome in outcomes.items():
        log.info("polled %s: %s", source, outcome)
    return outcomes
