"""The Slack app manifest: every command, shortcut, event and scope the listeners need, and no more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Command:
    command: str
    description: str
    usage_hint: str = ""


@dataclass(frozen=True)
class Shortcut:
    name: str
    callback_id: str
    description: str
    type: str = "message"


# Grow these with the listeners; tests/test_manifest.py compares them with what the app registers.
COMMANDS: tuple[Command, ...] = (
    Command("/empathy", "What empathy-bot stores and who sees what", "privacy | help"),
    Command("/feedback", "Log a piece of customer feedback", "[what the customer said] | help"),
    Command(
        "/pulse",
        "Launch a pulse survey, or see results",
        "list | results <id> | close <id> | respond <id> | help",
    ),
    Command("/digest", "Preview the weekly digest (managers)", "[last-week | 2026-W45]"),
    Command("/kudos", "Recognise someone's empathetic action", "@person for what they did #value | help"),
    Command("/speakup", "Raise something with leadership, anonymously if you like", "[what you want to say]"),
)
SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("Log as customer feedback", "feedback_log_shortcut", "Relay this message as customer feedback"),
)
BOT_EVENTS: tuple[str, ...] = (
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
    # Feedback cards: a reaction or a reply in a card's thread is the first response (SLA clock stops).
    # Slack cannot subscribe to one thread only; the listener ignores every message not in a card's thread.
    "reaction_added",
    "message.channels",
    "message.groups",
    # Kudos: removing the recognition emoji within 10 minutes withdraws the kudos.
    "reaction_removed",
    # Invited to a channel it could not post in: what it could not post there goes out then.
    "member_joined_channel",
    # The people directory (names, time zones, who is a person) stays current without asking Slack.
    "team_join",
    "user_change",
    "user_profile_changed",
)
# Why each scope: chat:write posts cards, DMs and digests; commands for slash commands.
# Feedback: channels:history/groups:history deliver card-thread replies (message.* events), reactions:read
# delivers reactions on cards; nothing else from those conversations is read or stored.
BOT_SCOPES: tuple[str, ...] = (
    "chat:write",
    "commands",
    "channels:history",
    "groups:history",
    "reactions:read",
    # The digest chart is uploaded to the digest channel.
    "files:write",
    # Pulse surveys and kudos: users:read to leave out bots and deactivated accounts; channels:read and
    # groups:read for channel members (survey audiences, the monthly kudos note); usergroups:read for groups.
    "channels:read",
    "groups:read",
    "usergroups:read",
    "users:read",
)

DESCRIPTION = "Keeps empathy at the centre: customer feedback, pulse surveys, peer recognition, digests."
LONG_DESCRIPTION = (
    "empathy-bot relays customer feedback to the people who can act on it, with its emotional tone "
    "visible and the loop tracked until it is closed; runs short anonymous pulse surveys and eNPS; lets "
    "peers recognise each other's empathetic actions; and sends managers a weekly digest. It helps people "
    "respond and never answers customers itself; it never reads employees' own conversations."
)


def build_manifest(request_url: str | None = None, *, app_name: str = "empathy-bot") -> dict[str, Any]:
    """The manifest as a dict. With `request_url` the app uses HTTP mode; without it, Socket Mode."""
    events_url = request_url.rstrip("/") + "/slack/events" if request_url else None
    commands = []
    for c in COMMANDS:
        entry: dict[str, Any] = {"command": c.command, "description": c.description, "should_escape": True}
        if c.usage_hint:
            entry["usage_hint"] = c.usage_hint
        if events_url:
            entry["url"] = events_url
        commands.append(entry)
    features: dict[str, Any] = {
        "app_home": {
            "home_tab_enabled": True,
            "messages_tab_enabled": True,
            "messages_tab_read_only_enabled": True,
        },
        "bot_user": {"display_name": app_name, "always_online": True},
    }
    if commands:
        features["slash_commands"] = commands
    if SHORTCUTS:
        features["shortcuts"] = [
            {"name": s.name, "type": s.type, "callback_id": s.callback_id, "description": s.description}
            for s in SHORTCUTS
        ]
    event_subscriptions: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if events_url:
        event_subscriptions["request_url"] = events_url
        interactivity["request_url"] = events_url
    oauth_config: dict[str, Any] = {"scopes": {"bot": sorted(set(BOT_SCOPES))}}
    if request_url:
        oauth_config["redirect_urls"] = [request_url.rstrip("/") + "/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": app_name,
            "description": DESCRIPTION,
            "long_description": LONG_DESCRIPTION,
            "background_color": "#2c2d30",
        },
        "features": features,
        "oauth_config": oauth_config,
        "settings": {
            "event_subscriptions": event_subscriptions,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": request_url is None,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(request_url: str | None = None) -> str:
    return yaml.safe_dump(build_manifest(request_url), sort_keys=False, allow_unicode=True, width=100)
