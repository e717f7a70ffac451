"""Peer recognition listeners: /kudos, its modal, the recognition reaction, +1, and kudos from praise."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.container import Container
from bot.domain.directory import DirectoryPerson
from bot.domain.errors import UserFacingError
from bot.domain.kudos import KudosRefused, ParsedKudos, Person
from bot.services.kudos.parsing import (
    check_addressing,
    check_group_size,
    group_unreadable,
    parse_kudos_text,
    receivers_from,
)
from bot.views import ids
from bot.views.common import notice_modal
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

log = logging.getLogger(__name__)

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


# Who people are: the directory (bot/directory.py) before ack; Slack (users.info for people the directory
# has not heard of yet, user groups' members) only after it.

WORKING = "Giving kudos…"


def _person(user_id: str, found: DirectoryPerson | None) -> Person:
    if found is None:
        return Person(user_id, found=False)
    return Person(user_id, is_bot=found.is_bot, deleted=found.deleted, name=found.shown_name)


def known_people(
    services: Container, context: BoltContext, user_ids: Iterable[str]
) -> dict[str, Person] | None:
    """The rules' view of `user_ids` from the directory alone (this bot is known: a bot); None if any
    of them is not in it yet."""
    wanted = [u for u in dict.fromkeys(user_ids) if u != context.bot_user_id]
    found = services.directory.people(context.team_id or "", wanted)
    if any(u not in found for u in wanted):
        return None
    people = {u: _person(u, found[u]) for u in wanted}
    if context.bot_user_id:
        people[context.bot_user_id] = Person(context.bot_user_id, is_bot=True)
    return people


def lookup_people(
    services: Container, client: WebClient, team_id: str, user_ids: Iterable[str]
) -> dict[str, Person]:
    """The directory, and one users.info per person it lacks: only ever called after ack."""
    found = services.directory.look_up(client, team_id, user_ids)
    return {u: _person(u, p) for u, p in found.items()}


def group_members(client: WebClient, group_ids: Iterable[str]) -> list[str]:
    """Members of the mentioned user groups (a Slack call: only after ack)."""
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
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    services: Container,
) -> None:
    team_id, giver = context.team_id or "", context.user_id or ""
    text = (command.get("text") or "").strip()
    if not text:
        # The trigger_id lives 3 s: the modal opens first, from what is at hand (values are one cached read).
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
    except KudosRefused as refused:
        ack(response_type="ephemeral", text=refused.message)
        return
    # Giving writes the recognition, checks the allowance and queues the card: after the ack, with the
    # answer through response_url (as for user groups and people the directory has not heard of yet,
    # which Slack must be asked about).
    ack()
    try:
        people = None if parsed.groups else known_people(services, context, parsed.users)
        from_groups: list[str] = []
        if people is None:
            from_groups = group_members(client, parsed.groups)
            people = lookup_people(services, client, team_id, parsed.users)
        answer = _give_from_command(services, context, parsed, from_groups, people)
    except KudosRefused as refused:
        answer = {"text": refused.message}
    _tell_giver(respond, answer)


def _tell_giver(respond: Respond, answer: dict[str, Any]) -> None:
    """The kudos is given (or refused) by now: an answer that cannot be delivered is logged, not turned
    into the error handler's "nothing was saved", which would have the giver give it again."""
    try:
        sent = respond(response_type="ephemeral", replace_original=False, **answer)
    except OSError as exc:
        log.warning("could not show the giver the answer to /kudos: %s", exc)
        return
    if sent.status_code != 200:
        log.warning("Slack refused the answer to /kudos: HTTP %s %s", sent.status_code, sent.body)


def _give_from_command(
    services: Container,
    context: BoltContext,
    parsed: ParsedKudos,
    from_groups: list[str],
    people: dict[str, Person],
) -> dict[str, Any]:
    giver = context.user_id or ""
    try:
        if from_groups:  # group members the directory knows as bots or deactivated are left out
            people = {**known_people_or_empty(services, context.team_id or "", from_groups), **people}
        receivers = receivers_from(parsed.users, from_groups, people, giver, context.bot_user_id)
        result = services.kudos.give(
            context.team_id or "",
            giver,
            receivers,
            parsed.reason,
            parsed.values,
            people=people,
            bot_user_id=context.bot_user_id,
            source="command",
        )
    except KudosRefused as refused:
        return {"text": refused.message}
    return given_notice(result.kudos, result.card_channel, result.remaining).as_kwargs()


def known_people_or_empty(services: Container, team_id: str, user_ids: Iterable[str]) -> dict[str, Person]:
    found = services.directory.people(team_id, user_ids)
    return {u: _person(u, p) for u, p in found.items()}


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

    def give(people: dict[str, Person]) -> None:
        services.kudos.give(
            team_id,
            giver,
            receivers,
            story,
            chosen,
            people=people,
            bot_user_id=context.bot_user_id,
            beneficiary=beneficiary or "colleague",
            impact=impact or None,
            source=meta.get("source", "modal"),
            source_key=meta.get("key") or f"modal:{view['id']}",
        )

    people = known_people(services, context, receivers)
    if people is None:  # someone the directory has not heard of: close the form first, ask Slack after
        ack(response_action="update", view=notice_modal("Kudos", WORKING))
        try:
            give(lookup_people(services, client, team_id, receivers))
            done = "Kudos given. Thank you for noticing!"
        except KudosRefused as refused:
            done = f"Not given: {refused.message}"
        client.views_update(view_id=view["id"], view=notice_modal("Kudos", done))
        return
    try:
        give(people)
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
    people = lookup_people(services, client, context.team_id or "", [giver, author])
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
    name = lookup_people(services, client, team_id, kudos.receivers[:1]).get(kudos.receivers[0])
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
