"""Block Kit for what the bot tells owners about itself (a channel it can no longer post in)."""

from __future__ import annotations

from bot.views.common import Message, context, md_section, message

REASONS = {
    "not_in_channel": "I'm not a member of it",
    "channel_not_found": "I can't see it (a private channel I was never invited to, or it was deleted)",
    "is_archived": "it is archived",
}


def channel_unreachable(channel: str, error: str, redeliver_days: int) -> Message:
    """DM to each owner when a card, kudos or digest could not be posted in a channel."""
    text = (
        f":warning: I couldn't post in <#{channel}>: {REASONS.get(error, error)}. "
        f"Invite me with `/invite @empathy-bot` in that channel, or pick another channel in my Home tab "
        f"settings."
    )
    return message(
        text,
        [
            md_section(text),
            context(
                f"What I couldn't post there in the last {redeliver_days} days goes out as soon as I'm "
                "invited back."
            ),
        ],
    )
