"""App lifecycle events: an uninstalled workspace (or revoked bot token) stops getting scheduled work; the
bot invited to a channel delivers what it could not post there."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.container import Container

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_uninstalled")(deactivate_workspace)
    app.event("tokens_revoked")(note_revoked_tokens)
    app.event("member_joined_channel")(redeliver_when_invited)


def deactivate_workspace(context: BoltContext, services: Container) -> None:
    """Its data is kept for the retention period (the retention job removes it later)."""
    team_id = context.team_id or ""
    services.workspaces.deactivate(team_id)
    if services.installations is not None:
        services.installations.delete_all(enterprise_id=None, team_id=team_id)
    log.info("workspace %s uninstalled the app; its scheduled work stops", team_id)


def note_revoked_tokens(event: dict[str, Any], context: BoltContext, services: Container) -> None:
    if (event.get("tokens") or {}).get("bot"):
        deactivate_workspace(context, services)


def redeliver_when_invited(event: dict[str, Any], context: BoltContext, services: Container) -> None:
    """Anyone joining a channel the bot is in arrives here; only the bot's own arrival matters."""
    if event.get("user") and event.get("user") == context.bot_user_id:
        services.outbox.redeliver_to(context.team_id or "", str(event.get("channel") or ""))
