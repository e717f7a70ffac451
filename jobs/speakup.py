"""Speak up's scheduled work: the delayed relay (every minute) and retention (daily)."""

from __future__ import annotations

import logging

from bot.container import Container
from jobs.workspaces import for_each_workspace

log = logging.getLogger(__name__)


def relay_speakup_messages(container: Container) -> int:
    """Relay every message whose random delay has passed; the outbox is woken by the notifier."""
    return container.speakup.relay_due()


def apply_speakup_retention(container: Container) -> int:
    """Delete conversations older than each workspace's comment retention period."""
    removed = for_each_workspace(
        "speak up retention", container.speakup.teams_with_conversations(), container.speakup.apply_retention
    )
    for team_id, count in removed.items():
        if count:
            log.info("speak up: removed %d conversation(s) of %s after the retention period", count, team_id)
    return sum(removed.values())
