"""Keeps the people directory current: someone joins, is renamed, changes time zone or is deactivated."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.container import Container


def register(app: App) -> None:
    for event in ("team_join", "user_change", "user_profile_changed"):
        app.event(event)(remember_user)


def remember_user(event: dict[str, Any], context: BoltContext, services: Container) -> None:
    """Each of these events carries the whole `user` object: store it as it is now (no Slack call)."""
    user = event.get("user")
    if isinstance(user, dict) and user.get("id"):
        services.directory.record(context.team_id or str(user.get("team_id") or ""), [user])
