"""The /kudos text: who it addresses, which values, the why; and the rules on whom it may address."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.kudos import (
    MAX_GROUP_SIZE,
    KudosRefused,
    ParsedKudos,
    infer_beneficiary,
    parse_kudos_text,
    receivers_from,
)

__all__ = [
    "check_addressing",
    "check_group_size",
    "group_unreadable",
    "infer_beneficiary",
    "parse_kudos_text",
    "receivers_from",
]


def check_addressing(parsed: ParsedKudos) -> None:
    """Kudos go to people by name: no broadcasts, no names Slack could not turn into mentions."""
    if parsed.broadcast:
        raise KudosRefused("users", "Kudos go to people by name, not to @here, @channel or @everyone.")
    if parsed.unresolved and not (parsed.users or parsed.groups):
        raise KudosRefused(
            "users",
            f"I couldn't find @{parsed.unresolved[0][:40]}. Pick people from the @ suggestions so "
            "Slack turns them into mentions.",
        )


def check_group_size(members: Sequence[str]) -> None:
    """Kudos land best on specific people: a user group is expanded only up to MAX_GROUP_SIZE people."""
    if len(set(members)) > MAX_GROUP_SIZE:
        raise KudosRefused(
            "users",
            f"That group has more than {MAX_GROUP_SIZE} people. Kudos land best on specific people: "
            "mention the ones whose work you noticed.",
        )


def group_unreadable() -> KudosRefused:
    """The refusal when Slack does not let the bot see who is in a user group."""
    return KudosRefused(
        "users",
        "I can't see who is in that user group, so I can't recognise them. "
        "Please mention the people themselves.",
    )
