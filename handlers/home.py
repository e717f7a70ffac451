"""App Home: publish the tab when opened; owners open and save settings from it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels import posting_problems
from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.settings import SettingsInvalid
from bot.manifest import COMMANDS
from bot.views import ids
from bot.views.feedback import sentiment_quality_home_section
from bot.views.home import first_owner_section, home_view, privacy_summary
from bot.views.kudos import kudos_home_section
from bot.views.routing import routing_home_section
from bot.views.settings import (
    read_settings_form,
    settings_checking,
    settings_modal,
    settings_outcome,
    settings_saved,
)
from bot.views.sources import sources_home_section
from bot.views.speakup import speakup_home_section

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
    app.action(ids.OPEN_SETTINGS)(open_settings)
    app.action(ids.CLAIM_OWNERSHIP)(claim_ownership)
    app.view(ids.SETTINGS_MODAL)(save_settings)


def publish_home(event: dict[str, Any], context: BoltContext, client: WebClient, services: Container) -> None:
    if event.get("tab", "home") != "home":
        return
    render_home(services, client, context.team_id or "", event["user"])


def render_home(services: Container, client: WebClient, team_id: str, user_id: str) -> None:
    """Publish the Home tab for one person (also after settings change, so owners see them at once)."""
    settings = services.workspace_settings.get(team_id)
    is_owner = user_id in settings.owners
    sections = [
        first_owner_section() if not settings.owners else [],
        kudos_home_section(services.kudos.home(team_id, user_id)),
        routing_home_section(is_owner=is_owner),
        privacy_summary(settings.pulse_min_responses),
        speakup_home_section(),
        sources_home_section(is_owner=is_owner),
    ]
    if is_owner:
        sections.append(sentiment_quality_home_section(services.sentiment.quality(team_id).describe()))
    client.views_publish(
        user_id=user_id, view=home_view(is_owner=is_owner, commands=COMMANDS, sections=sections)
    )


def claim_ownership(ack: Ack, actor: Actor, client: WebClient, services: Container) -> None:
    """Anyone may press it; the settings service lets only the first claim of a workspace win."""
    ack()
    services.workspace_settings.claim_first_owner(actor.team_id, actor.user_id)
    render_home(services, client, actor.team_id, actor.user_id)


def open_settings(
    ack: Ack, body: dict[str, Any], actor: Actor, client: WebClient, services: Container
) -> None:
    ack()
    current = services.workspace_settings.for_editing(actor)
    client.views_open(trigger_id=body["trigger_id"], view=settings_modal(current))


def save_settings(
    ack: Ack, view: dict[str, Any], actor: Actor, client: WebClient, services: Container
) -> None:
    """A form that moves a channel is answered at once with "checking…"; the bot then asks Slack whether
    it can post in each new channel and updates the modal: saved, or the form again with the problem
    under each refused channel."""
    settings = services.workspace_settings
    changes = read_settings_form(view["state"]["values"])
    try:
        pending = settings.save_form(actor, changes)
    except SettingsInvalid as invalid:
        ack(response_action="errors", errors=_field_errors(invalid.errors))
        return
    if pending is None:
        ack()
        render_home(services, client, actor.team_id, actor.user_id)
        return
    ack(response_action="update", view=settings_checking())
    outcome = settings.save_checked_form(pending, posting_problems(client, pending.channels))
    shown = (
        settings_modal(outcome.entered, outcome.problems, rest_saved=outcome.rest_saved)
        if outcome.problems
        else settings_saved(pending.channels)
    )
    try:
        client.views_update(view_id=view["id"], view=shown)
    except SlackApiError as exc:  # the modal was closed meanwhile: tell the owner in the bot's DM
        log.info("settings modal gone (%s): telling %s by DM", exc.response.get("error"), actor.user_id)
        client.chat_postMessage(
            channel=actor.user_id, **settings_outcome(outcome.problems, outcome.rest_saved).as_kwargs()
        )
    render_home(services, client, actor.team_id, actor.user_id)


def _field_errors(errors: dict[str, str]) -> dict[str, str]:
    return {ids.SETTINGS_BLOCK_PREFIX + key: message for key, message in errors.items()}
