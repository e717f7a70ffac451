"""Peer recognition listeners: /kudos, its modal, the recognition reaction, +1, and kudos from praise."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.container import Container
from bot.domain.errors import UserFacingError
from bot.domain.kudos import KudosRefused, Person
from bot.services.kudos.parsing import (
    check_addressing,
    check_group_size,
    group_unreadable,
    parse_kudos_text,
    receivers_from,
)
from bot.views import ids
from bot.views.kudos import (
    RESOLUTION,
    given_notice,
    kudos_help,
    kudos_modal,
    offered_story,
    reaction_prompt,
    reaction_reason_modal,
    withdrawn_notice,
)
from handlers.payload import action_record_id

COMMAND = "/kudos"
GROUP_UNREADABLE = ("no_such_subteam", "subteam_not_found", "missing_scope", "not_allowed_token_type")


def register(app: App) -> None:
    app.command(COMMAND)(give_kudos)
    app.view(ids.KUDOS_MODAL)(submit_kudos)
    app.action(ids.KUDOS_PLUS_ONE)(add_plus_one)
    app.action(ids.KUDOS_ADD_REASON)(open_reason_modal)
    app.view(ids.KUDOS_REASON_MODAL)(submit_reaction_reason)
    app.action(ids.KUDOS_FROM_FEEDBACK)(open_kudos_from_feedback)
    # Matchers keep these to the recognition emoji: Bolt runs only the first matching listener, and the
    # feedback capability listens to reactions on its cards.
    app.event("reaction_added", matchers=[recognition_reaction])(recognise_reacted_message)
    app.event("reaction_removed", matchers=[recognition_reaction])(withdraw_reaction_kudos)


# Looking people up in Slack (the rules need is_bot / deleted)


def lookup_people(client: WebClient, user_ids: Iterable[str]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for user_id in dict.fromkeys(user_ids):
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "user_not_visible"):
                people[user_id] = Person(user_id, found=False)
                continue
            raise
        people[user_id] = Person(
            user_id,
            is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
            deleted=bool(user.get("deleted")),
            name=(user.get("profile") or {}).get("display_name")
            or user.get("real_name")
            or user.get("name", ""),
        )
    return people


def group_members(client: WebClient, group_ids: Iterable[str]) -> list[str]:
    members: list[str] = []
    for group in group_ids:
        try:
            users = client.usergroups_users_list(usergroup=group)["users"]
        except SlackApiError as exc:
            if exc.response.get("error") not in GROUP_UNREADABLE:
                raise
            raise group_unreadable() from exc
        members.extend(users)
    check_group_size(members)
    return members


# /kudos and its modal


def give_kudos(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    team_id, giver = context.team_id or "", context.user_id or ""
    text = (command.get("text") or "").strip()
    if not text:
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=kudos_modal(services.kudos.values(team_id)))
        return
    if text.lower() == "help":
        help_text = kudos_help(services.kudos.values(team_id), services.kudos.allowance(team_id, giver))
        ack(response_type="ephemeral", **help_text.as_kwargs())
        return
    parsed = parse_kudos_text(text)
    try:
        check_addressing(parsed)
        from_groups = group_members(client, parsed.groups)
        people = lookup_people(client, parsed.users)
        receivers = receivers_from(parsed.users, from_groups, people, giver, context.bot_user_id)
        result = services.kudos.give(
            team_id,
            giver,
            receivers,
            parsed.reason,
            parsed.values,
            people=people,
            bot_user_id=context.bot_user_id,
            source="command",
        )
    except KudosRefused as refused:
        ack(response_type="ephemeral", text=refused.message)
        return
    ack(
        response_type="ephemeral",
        **given_notice(result.kudos, result.card_channel, result.remaining).as_kwargs(),
    )


def _input(values: dict[str, Any], block: str) -> dict[str, Any]:
    return values.get(block, {}).get(ids.KUDOS_VALUE, {})


def submit_kudos(
    ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    values = view["state"]["values"]
    meta = json.loads(view.get("private_metadata") or "{}")
    team_id, giver = context.team_id or "", context.user_id or ""
    receivers = list(_input(values, ids.KUDOS_USERS_BLOCK).get("selected_users") or [])
    story = (_input(values, ids.KUDOS_STORY_BLOCK).get("value") or "").strip()
    impact = (_input(values, ids.KUDOS_IMPACT_BLOCK).get("value") or "").strip()
    chosen = [o["value"] for o in _input(values, ids.KUDOS_VALUES_BLOCK).get("selected_options") or []]
    beneficiary = (_input(values, ids.KUDOS_BENEFICIARY_BLOCK).get("selected_option") or {}).get("value")
    blocks = {
        "users": ids.KUDOS_USERS_BLOCK,
        "story": ids.KUDOS_STORY_BLOCK,
        "values": ids.KUDOS_VALUES_BLOCK,
        "beneficiary": ids.KUDOS_BENEFICIARY_BLOCK,
    }
    try:
        services.kudos.give(
            team_id,
            giver,
            receivers,
            story,
            chosen,
            people=lookup_people(client, receivers),
            bot_user_id=context.bot_user_id,
            beneficiary=beneficiary or "colleague",
            impact=impact or None,
            source=meta.get("source", "modal"),
            source_key=meta.get("key") or f"modal:{view['id']}",
        )
    except KudosRefused as refused:
        ack(
            response_action="errors",
            errors={blocks.get(refused.field, ids.KUDOS_USERS_BLOCK): refused.message},
        )
        return
    ack()


# Reactions


def recognition_reaction(event: dict[str, Any], context: BoltContext) -> bool:
    item = event.get("item", {})
    if item.get("type") != "message" or not event.get("user"):
        return False
    services: Container = context["services"]
    return services.kudos.is_recognition_emoji(context.team_id or "", event.get("reaction", ""))


def _ignored(event: dict[str, Any], context: BoltContext) -> bool:
    """Our own messages, messages without a person as author (bots, integrations), reactions by bots."""
    giver, author = event.get("user"), event.get("item_user")
    return not author or not giver or context.bot_user_id in (giver, author)


def recognise_reacted_message(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    if _ignored(event, context):
        return
    giver, author = event["user"], event["item_user"]
    channel, ts = event["item"]["channel"], event["item"]["ts"]
    people = lookup_people(client, [giver, author])
    if any(not p.found or p.is_bot or p.deleted for p in people.values()):
        return
    try:
        permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError:  # the link is a convenience; the recognition stands without it
        permalink = None
    result = services.kudos.recognise_reaction(
        context.team_id or "", body.get("event_id") or "", giver, author, channel, ts, permalink
    )
    if result.outcome == "refused" and result.refusal:
        client.chat_postEphemeral(channel=channel, user=giver, text=result.refusal)
    elif result.outcome == "created" and result.kudos_id is not None:
        prompt = reaction_prompt(result.kudos_id, author, permalink, result.remaining)
        client.chat_postEphemeral(channel=channel, user=giver, **prompt.as_kwargs())


def withdraw_reaction_kudos(
    event: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    if _ignored(event, context):
        return
    giver, author = event["user"], event["item_user"]
    channel, ts = event["item"]["channel"], event["item"]["ts"]
    if services.kudos.withdraw_reaction(context.team_id or "", giver, author, channel, ts):
        client.chat_postEphemeral(channel=channel, user=giver, text=withdrawn_notice(author))


def open_reason_modal(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    services: Container,
) -> None:
    ack()
    team_id, user_id = context.team_id or "", context.user_id or ""
    kudos = services.kudos.pending_for(team_id, action_record_id(action), user_id)
    name = lookup_people(client, kudos.receivers).get(kudos.receivers[0])
    modal = reaction_reason_modal(
        kudos.id, name.name if name and name.name else "them", services.kudos.values(team_id)
    )
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def submit_reaction_reason(ack: Ack, view: dict[str, Any], context: BoltContext, services: Container) -> None:
    values = view["state"]["values"]
    reason = (_input(values, ids.KUDOS_STORY_BLOCK).get("value") or "").strip()
    chosen = [o["value"] for o in _input(values, ids.KUDOS_VALUES_BLOCK).get("selected_options") or []]
    beneficiary = (_input(values, ids.KUDOS_BENEFICIARY_BLOCK).get("selected_option") or {}).get("value")
    blocks = {"values": ids.KUDOS_VALUES_BLOCK, "beneficiary": ids.KUDOS_BENEFICIARY_BLOCK}
    try:
        services.kudos.complete_reaction(
            context.team_id or "",
            int(view["private_metadata"]),
            context.user_id or "",
            reason,
            chosen,
            beneficiary or "colleague",
        )
    except KudosRefused as refused:
        ack(
            response_action="errors",
            errors={blocks.get(refused.field, ids.KUDOS_STORY_BLOCK): refused.message},
        )
        return
    ack()


def add_plus_one(ack: Ack, action: dict[str, Any], context: BoltContext, services: Container) -> None:
    ack()
    services.kudos.plus_one(context.team_id or "", action_record_id(action), context.user_id or "")


def open_kudos_from_feedback(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    services: Container,
) -> None:
    """The one-click kudos offered for customer praise, or for resolved feedback: the modal, filled in."""
    ack()
    try:
        offer = json.loads(action.get("value") or "")
        feedback_id, receiver = int(offer["feedback"]), str(offer["user"])
        for_ = offer.get("for")
    except (ValueError, KeyError, TypeError) as exc:
        raise UserFacingError("That button is broken; please reload the message.") from exc
    item = services.feedback.get(context.team_id or "", feedback_id)
    story = offered_story(for_, item.customer, item.text, item.label == "negative")
    kind = "resolution" if for_ == RESOLUTION else "feedback"
    modal = kudos_modal(
        services.kudos.values(context.team_id or ""),
        users=[receiver],
        story=story,
        beneficiary="customer",
        metadata={"source": "feedback", "key": f"{kind}:{feedback_id}:{receiver}:{context.user_id}"},
    )
    client.views_open(trigger_id=body["trigger_id"], view=modal)
