"""Can the bot post where an owner points it? Asked when a channel is chosen, so that cards, kudos and
digests are not lost later to a channel the bot was never invited to."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

INVITE = "invite me there first (`/invite @empathy-bot` in the channel), then save again"


def posting_problem(client: WebClient, channel_id: str) -> str | None:
    """Why the bot could not post in `channel_id`, in words for the owner; None if it can."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        if error in ("channel_not_found", "not_in_channel"):
            return f"I can't see that channel: if it is private, {INVITE}."
        return f"I couldn't check that channel (Slack said {error}); please try again."
    if channel.get("is_archived"):
        return "That channel is archived; pick another one."
    if not channel.get("is_member"):
        return f"I'm not in that channel yet: {INVITE}."
    return None


def posting_problems(client: WebClient, channels: Mapping[str, str]) -> dict[str, str]:
    """posting_problem for each (field, channel id) pair; only the fields with a problem."""
    found = {field: posting_problem(client, channel) for field, channel in channels.items()}
    return {field: problem for field, problem in found.items() if problem}
