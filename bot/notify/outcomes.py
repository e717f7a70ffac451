"""What a Slack call's answer means for its outbox row: sent, try again later, or dead for good."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The bot cannot post in a channel (never invited, removed, or the channel archived): the owners are told,
# and what died there in the last REDELIVER_WITHIN goes out again once the bot is invited back.
CHANNEL_ACCESS_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})

# Errors that another attempt cannot fix: the row goes to the dead state at once, logged.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_not_visible",
        "cannot_dm_bot",
        "user_disabled",
        "account_inactive",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "message_not_found",
        "cant_update_message",
        "team_access_not_granted",
    }
)


@dataclass(frozen=True)
class Outcome:
    response: dict[str, Any] | None
    error: str | None
    retry_in: float | None
    permanent: bool
    rate_limited: bool = False  # a 429: says nothing about the message, so no attempt is counted


def result_summary(response: dict[str, Any]) -> dict[str, Any]:
    """The parts of a Web API answer worth keeping (ids, not whole messages)."""
    keep: dict[str, Any] = {k: response[k] for k in ("channel", "ts") if k in response}
    if isinstance(response.get("file"), dict):
        keep["file_id"] = response["file"].get("id")
    return keep
