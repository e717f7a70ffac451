"""Fairness, privately: once a month each manager hears which teammates nobody recognised in 6 weeks."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import audience
from bot.container import Container
from jobs.workspaces import for_each_workspace

log = logging.getLogger(__name__)


def send_kudos_fairness_nudges(container: Container) -> int:
    """Runs hourly; each workspace's month is claimed in the database, so its notes go out once."""
    sent = for_each_workspace(
        "kudos fairness notes",
        container.workspaces.active_team_ids(),
        lambda team_id: _fairness_notes(container, team_id),
    )
    return sum(sent.values())


def _fairness_notes(container: Container, team_id: str) -> int:
    if container.kudos.fairness_period(team_id) is None:
        return 0
    channel = container.workspace_settings.get(team_id).kudos_channel
    if channel is None:
        return 0
    if not container.directory.is_filled(team_id):
        # Who is a person is read from the people directory, never by paging users.list here (Tier 2,
        # which the fill job is using right now); the month is not claimed yet: the next hourly run sends.
        log.info("kudos fairness for %s waits for the people directory to be filled", team_id)
        return 0
    try:
        members = teammates(container, team_id, channel)
    except SlackApiError as exc:
        log.warning("kudos fairness: cannot list the members of %s in %s: %s", channel, team_id, exc)
        return 0
    return container.kudos.send_fairness_nudges(team_id, members)


def teammates(container: Container, team_id: str, channel: str) -> list[str]:
    """The people (no bots, no deactivated accounts) in the kudos channel: the team as the bot knows it.
    Channel members are paged from Slack (Tier 4); who is a person comes from the people directory."""
    target = {"kind": "channel", "ref": channel}
    return audience.resolve(
        container.slack.for_team(team_id), target, team_id=team_id, directory=container.directory
    )
