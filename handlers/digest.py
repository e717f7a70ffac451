"""/digest: an ephemeral preview of the weekly digest for managers and owners, for any week."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.container import Container
from bot.domain.digest_period import parse_week
from bot.views.digest import digest_message


def register(app: App) -> None:
    app.command("/digest")(preview_digest)


def preview_digest(ack: Ack, command: dict[str, Any], context: BoltContext, services: Container) -> None:
    team_id, user_id = context.team_id or "", context.user_id or ""
    services.roles.require_manager(team_id, user_id, "preview the digest")
    week = parse_week(
        command.get("text") or "", services.clock.now(), services.workspace_settings.get(team_id).tz
    )
    ack(response_type="ephemeral", **digest_message(services.digests.build(team_id, week)).as_kwargs())
