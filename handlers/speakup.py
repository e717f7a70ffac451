"""Speak up listeners: /speakup and the Home button (the modal), the leadership card's buttons and reply
modal, and the member's DM buttons (answer, agree to share, close)."""

from __future__ import annotations

import html
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.speakup import ACKNOWLEDGED, RESOLVED, SpeakupRefused
from bot.services.speakup.conversations import NOT_SET_UP
from bot.views import ids
from bot.views.common import notice_modal
from bot.views.speakup import (
    MODAL_FIELDS,
    done_notice,
    parse_reply_modal,
    parse_speakup_modal,
    reply_modal,
    sent_notice,
    speakup_modal,
)
from handlers.payload import action_record_id

COMMAND = "/speakup"


def register(app: App) -> None:
    app.command(COMMAND)(open_speakup_modal)
    app.action(ids.SPEAKUP_OPEN)(open_speakup_from_home)
    app.view(ids.SPEAKUP_MODAL)(submit_speakup)
    app.action(ids.SPEAKUP_REPLY)(open_reply_modal)
    app.view(ids.SPEAKUP_REPLY_MODAL)(submit_reply)
    app.action(ids.SPEAKUP_ACKNOWLEDGE)(acknowledge_conversation)
    app.action(ids.SPEAKUP_RESOLVE)(resolve_conversation)
    app.action(ids.SPEAKUP_SHARE)(ask_to_share)
    app.action(ids.SPEAKUP_FLAG)(flag_conversation)
    app.action(ids.SPEAKUP_ANSWER)(open_answer_modal)
    app.view(ids.SPEAKUP_ANSWER_MODAL)(submit_answer)
    app.action(ids.SPEAKUP_CLOSE)(close_conversation)
    app.action(ids.SPEAKUP_AGREE_SHARE)(agree_to_share)


def _channel(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")


# The member's modal


def open_speakup_modal(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    setup = services.speakup.setup(context.team_id or "")
    if not setup.ready:
        ack(response_type="ephemeral", text=NOT_SET_UP)
        return
    ack()
    # Slack escapes &, < and > in command text (should_escape); the modal shows what the person typed.
    typed = html.unescape(command.get("text") or "")
    client.views_open(trigger_id=command["trigger_id"], view=speakup_modal(setup, typed))


def open_speakup_from_home(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    ack()
    setup = services.speakup.setup(context.team_id or "")
    modal = speakup_modal(setup) if setup.ready else notice_modal("Speak up", NOT_SET_UP)
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def submit_speakup(ack: Ack, view: dict[str, Any], actor: Actor, services: Container) -> None:
    text, topic, named = parse_speakup_modal(view["state"]["values"])
    try:
        started = services.speakup.start(actor, text, topic, named)
    except SpeakupRefused as refused:
        ack(
            response_action="errors",
            errors={MODAL_FIELDS.get(refused.field, ids.SPEAKUP_TEXT_BLOCK): refused.message},
        )
        return
    ack(response_action="update", view=notice_modal("Sent", sent_notice(started)))


# The leadership card


def open_reply_modal(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
    ack()
    modal = reply_modal(ids.SPEAKUP_REPLY_MODAL, action_record_id(action), _channel(body), to_member=True)
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def submit_reply(ack: Ack, view: dict[str, Any], actor: Actor, services: Container) -> None:
    conversation_id, channel, text = parse_reply_modal(view)
    try:
        services.speakup.reply(actor, conversation_id, channel, text)
    except SpeakupRefused as refused:
        ack(response_action="errors", errors={ids.SPEAKUP_REPLY_BLOCK: refused.message})
        return
    ack()


def acknowledge_conversation(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], actor: Actor, services: Container
) -> None:
    ack()
    services.speakup.set_status(actor, action_record_id(action), _channel(body), ACKNOWLEDGED)


def resolve_conversation(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], actor: Actor, services: Container
) -> None:
    ack()
    services.speakup.set_status(actor, action_record_id(action), _channel(body), RESOLVED)


def ask_to_share(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], actor: Actor, services: Container
) -> None:
    ack()
    services.speakup.request_share(actor, action_record_id(action), _channel(body))


def flag_conversation(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    actor: Actor,
    services: Container,
    respond: Respond,
) -> None:
    ack()
    outcome = services.speakup.flag(actor, action_record_id(action), _channel(body))
    respond(response_type="ephemeral", replace_original=False, text=done_notice(outcome))


# The member's DM


def open_answer_modal(ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
    ack()
    modal = reply_modal(ids.SPEAKUP_ANSWER_MODAL, action_record_id(action), _channel(body), to_member=False)
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def submit_answer(ack: Ack, view: dict[str, Any], actor: Actor, services: Container) -> None:
    conversation_id, _channel_id, text = parse_reply_modal(view)
    try:
        services.speakup.answer(actor, conversation_id, text)
    except SpeakupRefused as refused:
        ack(response_action="errors", errors={ids.SPEAKUP_REPLY_BLOCK: refused.message})
        return
    ack(response_action="update", view=notice_modal("Sent", done_notice("answered")))


def close_conversation(
    ack: Ack, action: dict[str, Any], actor: Actor, services: Container, respond: Respond
) -> None:
    ack()
    closed = services.speakup.close(actor, action_record_id(action))
    respond(
        response_type="ephemeral",
        replace_original=False,
        text=done_notice("closed" if closed else "already_closed"),
    )


def agree_to_share(
    ack: Ack, action: dict[str, Any], actor: Actor, services: Container, respond: Respond
) -> None:
    ack()
    shared = services.speakup.agree_to_share(actor, action_record_id(action))
    respond(
        response_type="ephemeral",
        replace_original=False,
        text=done_notice("shared" if shared else "not_shared"),
    )
