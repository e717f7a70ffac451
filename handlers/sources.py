"""Feedback sources from Slack: App Home > Feedback sources (owners), Add, the credentials shown once in
the modal, and "send a test" showing the last delivery. The sources service checks the permission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.errors import FieldError
from bot.domain.ratings import SCALES
from bot.services.sources import KINDS
from bot.views import ids
from bot.views.sources import (
    FIELD_BLOCKS,
    add_source_modal,
    created_modal,
    last_delivery_modal,
    read_add_form,
    sources_modal,
)


def register(app: App) -> None:
    app.action(ids.SOURCES_OPEN)(open_sources)
    app.action(ids.SOURCES_ADD)(open_add)
    app.action(ids.SOURCES_TEST)(show_last_delivery)
    app.view(ids.SOURCES_ADD_MODAL)(add_source)


def open_sources(
    ack: Ack, body: dict[str, Any], actor: Actor, client: WebClient, services: Container
) -> None:
    ack()
    sources = services.sources.list_all(actor)
    client.views_open(trigger_id=body["trigger_id"], view=sources_modal(sources))


def open_add(ack: Ack, body: dict[str, Any], actor: Actor, client: WebClient, services: Container) -> None:
    ack()
    services.sources.list_all(actor)  # owners only: refused here, before the form is shown
    client.views_push(trigger_id=body["trigger_id"], view=add_source_modal(KINDS, list(SCALES)))


def add_source(ack: Ack, view: dict[str, Any], actor: Actor, services: Container) -> None:
    """Make the source; the modal is updated in place to show its URL, secret and token this once."""
    form = read_add_form(view["state"]["values"])
    options: dict[str, Any] = {"tags": form["tags"]}
    if form["app_id"] or form["country"]:
        options.update(app_id=form["app_id"], country=form["country"] or "us")
    try:
        made = services.sources.add(
            actor, form["name"], form["kind"], rating_scale=form["rating_scale"] or None, options=options
        )
    except FieldError as invalid:
        block = FIELD_BLOCKS.get(invalid.field, ids.SOURCES_NAME_BLOCK)
        ack(response_action="errors", errors={block: invalid.message})
        return
    ack(response_action="update", view=created_modal(made))


def show_last_delivery(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    actor: Actor,
    client: WebClient,
    services: Container,
) -> None:
    ack()
    name = str(action.get("value") or "")
    last = services.sources.last_delivery(actor, name)
    client.views_push(trigger_id=body["trigger_id"], view=last_delivery_modal(name, last))
