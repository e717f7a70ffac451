"""Speak up's scheduled work: the delayed relay (every minute) and retention (daily)."""

from __future__ import annotations

import logging

from bot.container import Container

log = logging.getLogger(__name__)


def relay_speakup_messages(container: Container) -> int:
    """Relay every message whose random delay has passed; the outbox is woken by the notifier."""
    return container.speakup.relay_due()


def apply_speakup_retention(container: Container) -> int:
    """Delete conversations older than each workspace's comment retention period."""
    removed = 0
    for team_id in container.speakup.teams_with_conversations():
        count = container.speakup.apply_retention(team_id)
        if count:
            log.info("speak up: removed %d conversation(s) of %s after the retention period", count, team_id)
        removed += count
    return removed
