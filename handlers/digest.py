"""/digest: an ephemeral preview of the weekly digest for managers and owners, for any week."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot import policy
from bot.container import Container
from bot.domain.actor import Actor
from bot.policy import Permission
from bot.views.common import WORKING
from bot.views.digest import digest_message


def register(app: App) -> None:
    app.command("/digest")(preview_digest)


def preview_digest(
    ack: Ack, command: dict[str, Any], actor: Actor, respond: Respond, services: Container
) -> None:
    """Assembling a week takes a while: the refusal (if any) comes with the ack, the preview after it."""
    policy.require(actor, Permission.PREVIEW_DIGEST)  # no database, no Slack: refused in the ack
    ack(response_type="ephemeral", text=WORKING)
    digest = services.digests.preview(actor, command.get("text") or "")
    respond(response_type="ephemeral", replace_original=False, **digest_message(digest).as_kwargs())
