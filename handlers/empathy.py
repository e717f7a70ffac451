"""/empathy: about the bot itself (privacy statement, help)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.container import Container
from bot.domain.errors import UserFacingError
from bot.manifest import COMMANDS
from bot.views.home import empathy_help
from bot.views.privacy import privacy_message


def register(app: App) -> None:
    app.command("/empathy")(answer_empathy_command)


def answer_empathy_command(
    ack: Ack, command: dict[str, str], context: BoltContext, services: Container
) -> None:
    subcommand = (command.get("text") or "").strip().lower()
    if subcommand == "privacy":
        answer = privacy_message(services.workspace_settings.get(context.team_id or ""))
    elif subcommand in ("", "help"):
        answer = empathy_help(COMMANDS)
    else:
        raise UserFacingError("I don't know that one. Try `/empathy privacy` or `/empathy help`.")
    ack(response_type="ephemeral", **answer.as_kwargs())
