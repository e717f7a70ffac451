"""Daily tidying that keeps tables small: idempotency keys outlive Slack's retry window by far."""

from __future__ import annotations

import logging
import time

from bot.container import Container
from bot.services.retention import KEEP_EVENT_KEYS
from jobs.workspaces import for_each_workspace

log = logging.getLogger(__name__)


def forget_old_event_keys(container: Container) -> int:
    removed = container.retention.forget_old_event_keys()
    if removed:
        log.info("housekeeping: forgot %d processed event keys older than %s", removed, KEEP_EVENT_KEYS)
    return removed


def forget_seen_slack_requests(container: Container) -> int:
    """Every minute: signed requests noted against replay are forgotten once too old to be replayed."""
    return container.retention.forget_seen_requests(int(time.time()))


def apply_retention(container: Container) -> None:
    """Daily: redact what is older than each workspace's retention settings, and say what was done."""
    reports = for_each_workspace(
        "retention", container.workspaces.active_team_ids(), container.retention.apply
    )
    for report in reports.values():
        log.info("%s", report)
    for team_id, rows in container.retention.purge_uninstalled().items():
        log.info(
            "retention: removed workspace %s (uninstalled past its retention period): %d rows", team_id, rows
        )
    scrubbed = container.retention.scrub_sent_payloads()
    log.info("retention: emptied %d sent Slack call payload(s) older than 30 days", scrubbed)


def drop_lapsed_kudos(container: Container) -> int:
    """Daily: reaction kudos left without their why for a week are dropped (never posted, never counted)."""
    dropped = container.kudos.drop_lapsed()
    if dropped:
        log.info("housekeeping: dropped %d reaction kudos that never got their why", dropped)
    return dropped
