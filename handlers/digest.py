"""/digest: an ephemeral preview of the weekly digest for managers and owners, for any week."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.container import Container
from bot.domain.actor import Actor
from bot.views.digest import digest_message


def register(app: App) -> None:
    app.command("/digest")(preview_digest)


def preview_digest(ack: Ack, command: dict[str, Any], actor: Actor, services: Container) -> None:
    digest = services.digests.preview(actor, command.get("text") or "")
    ack(response_type="ephemeral", **digest_message(digest).as_kwargs())
