"""Fills each workspace's people directory from users.list, a few pages a run (Slack's Tier 2 allows
about 20 calls a minute), at first start or install, and again every week."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.container import Container

log = logging.getLogger(__name__)


def fill_people_directories(container: Container) -> int:
    """Runs every minute; returns how many people were stored this run. A workspace's progress (the
    next page's cursor) is saved after every page, so runs carry on where the last one stopped."""
    stored = 0
    directory = container.directory
    for team_id in directory.teams_to_fill(container.workspaces.active_team_ids()):
        try:
            report = directory.fill_step(container.slack.for_team(team_id), team_id)
        except SlackApiError as exc:
            log.warning("directory fill for %s failed, retried next run: %s", team_id, exc)
            continue
        stored += report.people
    return stored
