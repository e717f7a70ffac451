"""Pulse survey listeners: /pulse and its subcommands, the launch modal, answer buttons, text answers."""

from __future__ import annotations

import json
import logging
import re
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import audience, policy
from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.errors import UserFacingError
from bot.domain.pulse import SurveyInvalid
from bot.domain.pulse_questions import TEMPLATES
from bot.policy import Permission
from bot.views import ids
from bot.views.common import WORKING, Message
from bot.views.pulse import (
    list_message,
    parse_button_value,
    results_message,
    survey_message,
    usage_message,
)
from bot.views.pulse_bank import bank_item_added, bank_message
from bot.views.pulse_governor import away_message
from bot.views.pulse_modals import (
    launch_block_of,
    launch_modal,
    read_launch,
    response_note_modal,
    text_answer_modal,
)
from bot.views.pulse_preview import (
    preview_failed_modal,
    preview_modal,
    preview_problems_modal,
    preview_waiting_modal,
)

log = logging.getLogger(__name__)

COMMAND = "/pulse"
DEFAULT_OPEN = timedelta(days=3)
DEFAULT_TEMPLATE = "enps"
BANK_ADD_USAGE = "/pulse bank add <theme> <1-5|0-10|text> [reverse] <wording>"


def register(app: App) -> None:
    app.command(COMMAND)(pulse_command)
    app.action(ids.PULSE_TEMPLATE)(change_template)
    app.view(ids.PULSE_MODAL)(submit_launch)
    app.action(ids.PULSE_PREVIEW)(preview_launch)
    app.action(re.compile(f"^{ids.PULSE_ANSWER_PREFIX}\\d+$"))(answer_button)
    app.action(ids.PULSE_WRITE)(open_text_answer)
    app.view(ids.PULSE_TEXT_MODAL)(submit_text_answer)
    app.view(ids.PULSE_FOLLOW_UP_MODAL)(submit_response_note)


def _survey_id(sub: str, arg: str) -> int:
    if not arg.strip().isdigit():
        raise UserFacingError(
            f"`/pulse {sub}` needs a survey number, like `/pulse {sub} 3` (`/pulse list` shows them)."
        )
    return int(arg)


def _away_until(arg: str) -> date | None:
    words = arg.lower().split()
    if words == ["off"]:
        return None
    if len(words) == 2 and words[0] == "until":
        try:
            return date.fromisoformat(words[1])
        except ValueError:
            pass
    raise UserFacingError("Say until when, like `/pulse away until 2026-12-28`, or `/pulse away off`.")


def _usergroups(client: WebClient) -> list[tuple[str, str]]:
    try:
        return audience.usergroups(client)
    except SlackApiError:
        return []  # no usergroups:read, or a plan without user groups: the modal simply omits them


def pulse_command(
    ack: Ack,
    command: dict[str, Any],
    actor: Actor,
    client: WebClient,
    respond: Respond,
    services: Container,
) -> None:
    sub, _, arg = (command.get("text") or "").strip().partition(" ")
    sub = sub.lower()
    if sub == "":
        policy.require(actor, Permission.LAUNCH_SURVEY)  # the modal opens for owners only
        ack()
        closes = services.clock.now() + DEFAULT_OPEN
        client.views_open(
            trigger_id=command["trigger_id"], view=launch_modal(DEFAULT_TEMPLATE, _usergroups(client), closes)
        )
    elif sub == "help":
        ack(response_type="ephemeral", **usage_message().as_kwargs())
    elif sub == "list":
        ack(response_type="ephemeral", **list_message(services.pulse.list_for(actor)).as_kwargs())
    elif sub == "results":
        survey_id = _survey_id(sub, arg)
        policy.require(actor, Permission.SEE_SURVEY_RESULTS)  # refused in the ack; results after it
        ack(response_type="ephemeral", text=WORKING)
        results = services.pulse.results_for(actor, survey_id)
        respond(response_type="ephemeral", replace_original=False, **results_message(results).as_kwargs())
    elif sub == "close":
        survey_id = _survey_id(sub, arg)
        # Closing rewrites every answer row: refused in the ack, done after it.
        policy.require(actor, Permission.CLOSE_SURVEY)
        ack(response_type="ephemeral", text=WORKING)
        closed = services.pulse.close(actor, survey_id)
        if closed.survey.state == "closing":
            text = (
                f"Survey {survey_id} is closing: answers being recorded right now are let in first, then "
                "the results come to you (within a minute or two)."
            )
        elif closed.withheld_reason:  # said up front, not "on their way" followed by "withheld"
            text = f"Survey {survey_id} is closed. {closed.withheld_reason}"
        else:
            text = f"Survey {survey_id} is closed; the results are on their way to you."
        respond(response_type="ephemeral", replace_original=False, text=text)
    elif sub == "away":
        ack(
            response_type="ephemeral",
            **away_message(services.pulse.set_away(actor, _away_until(arg))).as_kwargs(),
        )
    elif sub == "skip":
        survey_id = _survey_id(sub, arg)
        told = services.pulse.skip_response_note(actor, survey_id)
        ack(
            response_type="ephemeral",
            text=f"Skipped the response note for survey {survey_id}; the {told} people asked see that.",
        )
    elif sub == "bank":
        ack(response_type="ephemeral", **_bank(actor, arg, services).as_kwargs())
    elif sub == "respond":
        survey_id = _survey_id(sub, arg)
        policy.require(actor, Permission.WRITE_RESPONSE_NOTE)  # the modal opens for owners only
        info = services.pulse.info(actor.team_id, survey_id)
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=response_note_modal(info))
    else:
        ack(response_type="ephemeral", **usage_message(f"I don't know `/pulse {sub}`.").as_kwargs())


def _bank(actor: Actor, arg: str, services: Container) -> Message:
    """`/pulse bank` lists the bank; `/pulse bank add <theme> <scale> [reverse] <wording>` adds an item."""
    words = arg.split()
    if not words:  # the open bank and the workspace's own items: the questions people are asked anyway
        return bank_message(services.pulse.bank_items(actor.team_id))
    if words[0].lower() != "add" or len(words) < 4:
        return usage_message(f"Try `{BANK_ADD_USAGE}`.")
    theme, scale, rest = words[1].lower(), words[2].lower(), words[3:]
    reverse = rest[0].lower() == "reverse"
    try:
        item = services.pulse.add_bank_item(
            actor, theme, scale, " ".join(rest[1:] if reverse else rest), reverse
        )
    except SurveyInvalid as invalid:
        return usage_message(f"{invalid.message} Usage: `{BANK_ADD_USAGE}`.")
    return bank_item_added(item)


def change_template(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, services: Container
) -> None:
    ack()
    template = action.get("selected_option", {}).get("value", DEFAULT_TEMPLATE)
    if template not in TEMPLATES:
        template = DEFAULT_TEMPLATE
    current = body["view"]
    closes = services.clock.now() + DEFAULT_OPEN
    client.views_update(
        view_id=current["id"],
        hash=current.get("hash"),
        view=launch_modal(template, _usergroups(client), closes),
    )


def submit_launch(ack: Ack, view: dict[str, Any], actor: Actor, services: Container) -> None:
    """Persist before ack: the survey is stored (its audience to be resolved by the pulse job, which then
    queues the invitations and tells the owner how many were asked, or why nobody was) before the modal
    closes, so an acknowledged launch survives a crash; Slack is not asked anything on the request path."""
    draft, errors = read_launch(view["state"]["values"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        services.pulse.launch(actor, draft)
    except SurveyInvalid as invalid:
        ack(response_action="errors", errors={launch_block_of(invalid.field): invalid.message})
        return
    ack()


def preview_launch(
    ack: Ack, body: dict[str, Any], client: WebClient, actor: Actor, services: Container
) -> None:
    """The launch preview of the form as it stands. Checked first as a launch is (a refusal shows
    nothing else); then a waiting view is pushed at once (a trigger lasts 3 s) and replaced by the
    preview once Slack has said who is in the audience."""
    ack()
    draft, errors = read_launch(body["view"]["state"]["values"])
    problems = list(errors.values())
    if not problems:
        try:
            services.pulse.validate(actor, draft)
        except SurveyInvalid as invalid:
            problems = [invalid.message]
    if problems:
        client.views_push(trigger_id=body["trigger_id"], view=preview_problems_modal(problems))
        return
    pushed = client.views_push(trigger_id=body["trigger_id"], view=preview_waiting_modal())["view"]
    # The request's own client (fails fast on a rate limit), no users.list paging: a person is waiting.
    resolve = audience.resolver(lambda _team: client, services.directory, page_users=False)
    try:
        shown = preview_modal(services.pulse.launch_preview(actor, draft, resolve))
    except UserFacingError as problem:  # the trigger is spent: the waiting view is the place to say so
        shown = preview_failed_modal(problem.message)
    except Exception:
        log.exception("launch preview failed")
        shown = preview_failed_modal()
    try:
        client.views_update(view_id=pushed["id"], hash=pushed.get("hash"), view=shown)
    except SlackApiError as exc:
        if exc.response.get("error") != "not_found":  # not_found: they went back to the form already
            raise


def _button(action: dict[str, Any]) -> tuple[int, str, str, str | None]:
    try:
        return parse_button_value(action.get("value") or "")
    except ValueError as exc:
        raise UserFacingError("That button is out of date; please use your latest survey message.") from exc


def answer_button(
    ack: Ack, action: dict[str, Any], context: BoltContext, respond: Respond, services: Container
) -> None:
    ack()
    survey_id, key, point, token = _button(action)
    answered = services.pulse.answer(
        context.team_id or "", survey_id, context.user_id or "", token, key, int(point)
    )
    respond(
        replace_original=True,
        **survey_message(answered.survey, answered.answers, answered.comments, answered.token).as_kwargs(),
    )


def open_text_answer(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    services: Container,
) -> None:
    ack()
    survey_id, key, _point, token = _button(action)
    question, current = services.pulse.text_question(context.team_id or "", survey_id, key, token)
    container = body.get("container", {})
    metadata = json.dumps(
        {
            "s": survey_id,
            "k": key,
            "t": token,
            "c": container.get("channel_id"),
            "m": container.get("message_ts"),
        }
    )
    client.views_open(trigger_id=body["trigger_id"], view=text_answer_modal(question, current, metadata))


def submit_text_answer(
    ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient, services: Container
) -> None:
    meta = json.loads(view.get("private_metadata") or "{}")
    text = view["state"]["values"].get(ids.PULSE_TEXT_BLOCK, {}).get(ids.PULSE_VALUE, {}).get("value") or ""
    answered = services.pulse.answer(
        context.team_id or "", int(meta["s"]), context.user_id or "", meta.get("t"), meta["k"], text
    )
    ack()
    if meta.get("c") and meta.get("m"):
        # Straight to Slack, never through the outbox: the updated message carries the person's token.
        client.chat_update(
            channel=meta["c"],
            ts=meta["m"],
            **survey_message(
                answered.survey, answered.answers, answered.comments, answered.token
            ).as_kwargs(),
        )


def submit_response_note(ack: Ack, view: dict[str, Any], actor: Actor, services: Container) -> None:
    text = (
        view["state"]["values"].get(ids.PULSE_FOLLOW_UP_BLOCK, {}).get(ids.PULSE_VALUE, {}).get("value") or ""
    )
    try:
        services.pulse.write_response_note(actor, int(view["private_metadata"]), text)
    except SurveyInvalid as invalid:
        ack(response_action="errors", errors={ids.PULSE_FOLLOW_UP_BLOCK: invalid.message})
        return
    ack()
