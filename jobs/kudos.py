"""Fairness, privately: once a month each manager hears which teammates nobody recognised in 6 weeks."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
    try:
        members = teammates(container.slack.for_team(team_id), channel)
    except SlackApiError as exc:
        log.warning("kudos fairness: cannot list the members of %s in %s: %s", channel, team_id, exc)
        return 0
    return container.kudos.send_fairness_nudges(team_id, members)


def teammates(client: WebClient, channel: str) -> list[str]:
    """The people (no bots, no deactivated accounts) in the kudos channel: the team as the bot knows it."""
    members: list[str] = []
    for page in client.conversations_members(channel=channel, limit=1000):
        members.extend(page["members"])
    people: set[str] = set()
    for page in client.users_list(limit=1000):
        people.update(
            u["id"]
            for u in page["members"]
            if not u.get("is_bot") and not u.get("deleted") and u["id"] != "USLACKBOT"
        )
    return [m for m in members if m in people]
