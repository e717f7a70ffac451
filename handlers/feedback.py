"""Customer feedback listeners: /feedback, shortcut, card buttons, resolve modal, threads, routing rules."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.channels import posting_problem
from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.feedback import (
    FeedbackInput,
    FeedbackInvalid,
    FeedbackItem,
    RuleInvalid,
    bare_mentions,
)
from bot.domain.praise import named_people
from bot.views import ids
from bot.views.feedback import feedback_help, log_feedback_modal, logged_notice, resolve_modal
from bot.views.routing import FIELD_BLOCKS, read_rule_form, routing_rules_modal
from handlers.payload import action_record_id

COMMAND = "/feedback"
SHORTCUT_SOURCE = "slack"


def register(app: App) -> None:
    app.command(COMMAND)(open_feedback_modal)
    app.shortcut(ids.FEEDBACK_LOG_SHORTCUT)(open_feedback_modal_from_message)
    app.view(ids.FEEDBACK_LOG_MODAL)(submit_feedback)
    app.action(ids.FEEDBACK_ACKNOWLEDGE)(acknowledge_feedback)
    app.action(ids.FEEDBACK_TAKE)(take_feedback)
    app.action(ids.FEEDBACK_RESOLVE)(open_resolve_modal)
    app.action(ids.FEEDBACK_RELABEL)(correct_feedback_label)
    app.view(ids.FEEDBACK_RESOLVE_MODAL)(submit_resolution)
    app.action(ids.FEEDBACK_OPEN_ROUTING)(open_routing_rules)
    app.action(ids.FEEDBACK_DELETE_RULE)(edit_routing_rule)
    app.action(ids.FEEDBACK_MOVE_RULE_UP)(edit_routing_rule)
    app.view(ids.FEEDBACK_ROUTING_MODAL)(add_routing_rule)
    # Matchers keep these listeners to our cards: Bolt runs only the first listener matching an event, so
    # other capabilities' reaction/message listeners still get everything else.
    app.event("reaction_added", matchers=[reaction_on_a_card])(note_card_reaction)
    app.event("message", matchers=[reply_in_a_card_thread])(note_card_reply)


def open_feedback_modal(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    """`/feedback` opens the form; `/feedback what they said` opens it with that text filled in."""
    text = (command.get("text") or "").strip()
    if text.lower() == "help":
        ack(response_type="ephemeral", **feedback_help().as_kwargs())
        return
    ack()
    modal = log_feedback_modal(text, names=_names_for(services, context.team_id or "", text))
    client.views_open(trigger_id=command["trigger_id"], view=modal)


def _names_for(services: Container, team_id: str, text: str) -> dict[str, str]:
    """Names of the people mentioned by id only (<@U123>) in `text`, so the form shows names, not ids
    (from the people directory: no Slack call before the modal opens)."""
    wanted = set(bare_mentions(text))
    if not wanted:
        return {}
    known = services.directory.people(team_id, wanted)
    return {uid: person.names[0] for uid, person in known.items() if person.names}


def open_feedback_modal_from_message(
    ack: Ack, shortcut: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    ack()
    channel, ts = shortcut["channel"]["id"], shortcut["message"]["ts"]
    permalink = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    meta = json.dumps({"ref": f"{channel}:{ts}", "permalink": permalink})
    text = shortcut["message"].get("text", "")
    modal = log_feedback_modal(text, meta, names=_names_for(services, context.team_id or "", text))
    client.views_open(trigger_id=shortcut["trigger_id"], view=modal)


def _value(values: dict[str, Any], block: str) -> str:
    return (values.get(block, {}).get(ids.FEEDBACK_VALUE, {}).get("value") or "").strip()


def submit_feedback(
    ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    values = view["state"]["values"]
    meta = json.loads(view.get("private_metadata") or "{}")
    data = FeedbackInput(
        source=SHORTCUT_SOURCE,
        external_id=meta.get("ref") or f"modal:{view['id']}",
        text=_value(values, ids.FEEDBACK_LOG_TEXT_BLOCK),
        customer=_value(values, ids.FEEDBACK_LOG_CUSTOMER_BLOCK) or None,
        permalink=meta.get("permalink"),
    )
    try:
        item, created = services.feedback.ingest(context.team_id or "", data)
    except FeedbackInvalid as invalid:
        ack(response_action="errors", errors={ids.FEEDBACK_LOG_TEXT_BLOCK: invalid.message})
        return
    ack()
    if context.user_id:  # a modal has no channel to answer in: the confirmation comes as a DM
        client.chat_postMessage(channel=context.user_id, text=logged_notice(item, created))


def acknowledge_feedback(
    ack: Ack, action: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    ack()
    team_id, user_id = context.team_id or "", context.user_id or ""
    change = services.feedback.acknowledge(team_id, action_record_id(action), user_id)
    _offer_kudos_for_praise(services, client, team_id, user_id, change.item, change.changed)


def take_feedback(
    ack: Ack, action: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    ack()
    team_id, user_id = context.team_id or "", context.user_id or ""
    change = services.feedback.take(team_id, action_record_id(action), user_id)
    _offer_kudos_for_praise(services, client, team_id, user_id, change.item, change.changed)


def _offer_kudos_for_praise(
    services: Container, client: WebClient, team_id: str, clicker: str, item: FeedbackItem, changed: bool
) -> None:
    """Positive feedback that names someone: offer whoever picked it up a kudos for them, on the
    customer's behalf (once per person named; the offer's key makes repeats harmless)."""
    if not changed or item.label != "positive":
        return
    for person in named_people(item.text, services.directory.names(team_id)):
        services.kudos.offer_for_feedback(team_id, item.id, clicker, person, item.customer, item.text)


def correct_feedback_label(
    ack: Ack, action: dict[str, Any], context: BoltContext, services: Container
) -> None:
    ack()
    label = str(action.get("selected_option", {}).get("value", "")).partition(":")[2]
    services.feedback.correct_label(
        context.team_id or "", action_record_id(action), context.user_id or "", label
    )


def open_resolve_modal(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    services: Container,
) -> None:
    ack()
    item = services.feedback.get(context.team_id or "", action_record_id(action))
    client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(item.id))


def submit_resolution(ack: Ack, view: dict[str, Any], context: BoltContext, services: Container) -> None:
    values = view["state"]["values"]
    resolution = _value(values, ids.FEEDBACK_RESOLUTION_BLOCK)
    if not resolution:
        ack(
            response_action="errors",
            errors={ids.FEEDBACK_RESOLUTION_BLOCK: "Please say how it was resolved."},
        )
        return
    ack()
    team_id, user_id = context.team_id or "", context.user_id or ""
    change = services.feedback.resolve(
        team_id,
        int(view["private_metadata"]),
        user_id,
        resolution,
        _value(values, ids.FEEDBACK_ROOT_CAUSE_BLOCK) or None,
    )
    item = change.item
    if change.changed and item.assignee:
        # Closing the loop is worth a thank-you: whoever resolved it may recognise the one who owned it.
        services.kudos.offer_for_resolution(
            team_id, item.id, user_id, item.assignee, item.customer, item.label == "negative"
        )


def open_routing_rules(
    ack: Ack, body: dict[str, Any], actor: Actor, client: WebClient, services: Container
) -> None:
    ack()
    rules = services.feedback.list_rules(actor)
    client.views_open(trigger_id=body["trigger_id"], view=routing_rules_modal(rules))


def edit_routing_rule(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    actor: Actor,
    client: WebClient,
    services: Container,
) -> None:
    """The Delete and Move up buttons of the rules modal; the modal is redrawn with the new order."""
    rule_id = action_record_id(action, fix="please reopen the routing rules")
    ack()
    if action["action_id"] == ids.FEEDBACK_DELETE_RULE:
        services.feedback.delete_rule(actor, rule_id)
    else:
        services.feedback.move_rule_up(actor, rule_id)
    client.views_update(
        view_id=body["view"]["id"], view=routing_rules_modal(services.feedback.list_rules(actor))
    )


def add_routing_rule(
    ack: Ack, view: dict[str, Any], actor: Actor, client: WebClient, services: Container
) -> None:
    kind, pattern, channel = read_rule_form(view["state"]["values"])
    try:
        services.feedback.add_rule(
            actor,
            kind,
            pattern,
            channel,
            channel_check=lambda channel_id: posting_problem(client, channel_id),
        )
    except RuleInvalid as invalid:
        ack(response_action="errors", errors={FIELD_BLOCKS[invalid.field]: invalid.message})
        return
    ack(response_action="update", view=routing_rules_modal(services.feedback.list_rules(actor)))


def reaction_on_a_card(event: dict[str, Any], context: BoltContext) -> bool:
    item, user = event.get("item", {}), event.get("user")
    if item.get("type") != "message" or not user or user == context.bot_user_id:
        return False
    services: Container = context["services"]
    return services.feedback.is_card(context.team_id or "", item.get("channel", ""), item.get("ts", ""))


# A person's new message: plain, also sent to the channel ("thread_broadcast"), or with a file attached.
# Edits, deletions and joins arrive with other subtypes and are not a response.
REPLY_SUBTYPES = (None, "thread_broadcast", "file_share")


def reply_in_a_card_thread(event: dict[str, Any], context: BoltContext) -> bool:
    """Only a person's reply in the thread of a card we posted; other conversations are never looked at."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts") or not event.get("user"):
        return False
    if event.get("subtype") not in REPLY_SUBTYPES:
        return False
    if event.get("bot_id"):
        return False
    services: Container = context["services"]
    return services.feedback.is_card(context.team_id or "", event.get("channel", ""), thread_ts)


def note_card_reaction(event: dict[str, Any], context: BoltContext, services: Container) -> None:
    item = event["item"]
    services.feedback.record_response(
        context.team_id or "", item["channel"], item["ts"], event["user"], "reaction"
    )


def note_card_reply(event: dict[str, Any], context: BoltContext, services: Container) -> None:
    services.feedback.record_response(
        context.team_id or "", event["channel"], event["thread_ts"], event["user"], "reply"
    )
