"""Driving Speak up as people do: the member's modal and DM buttons, the receivers' card buttons."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.clock import FixedClock
from bot.container import Container
from bot.views import ids
from storage.models import SpeakupCard
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver, response_json
from tests.slack_standin import Call, SlackStandIn

MEMBER, BOSS, DEPUTY = "UMEMBER1", "UBOSS001", "UDEPUTY1"
LEADERSHIP = "GLEADERS"


def set_up(container: Container, team_id: str = TEAM_ID, **changes: Any) -> None:
    container.workspace_settings.update(
        container.actors.of(team_id, OWNER), {"speakup_channel": LEADERSHIP, **changes}
    )


def form(text: str, topic: str = "workload", how: str = "anonymous") -> dict[str, dict[str, dict[str, Any]]]:
    return {
        ids.SPEAKUP_TOPIC_BLOCK: {
            ids.SPEAKUP_VALUE: {"type": "static_select", "selected_option": {"value": topic}}
        },
        ids.SPEAKUP_TEXT_BLOCK: {ids.SPEAKUP_VALUE: {"type": "plain_text_input", "value": text}},
        ids.SPEAKUP_HOW_BLOCK: {
            ids.SPEAKUP_VALUE: {"type": "radio_buttons", "selected_option": {"value": how}}
        },
    }


def reply_form(text: str) -> dict[str, dict[str, dict[str, Any]]]:
    return {ids.SPEAKUP_REPLY_BLOCK: {ids.SPEAKUP_VALUE: {"type": "plain_text_input", "value": text}}}


def send(
    driver: SlackDriver,
    text: str,
    *,
    user: str = MEMBER,
    topic: str = "workload",
    how: str = "anonymous",
    **kw: Any,
) -> dict[str, Any]:
    """Submit the Speak up modal; returns Slack's answer (an update to the 'Sent' notice, or errors)."""
    return response_json(driver.submit(ids.SPEAKUP_MODAL, form(text, topic, how), user=user, **kw))


@dataclass
class Relay:
    """Time passes (past the longest delay) and the relay and the outbox run."""

    container: Container
    clock: FixedClock

    def run(self, minutes: int = 0) -> None:
        if minutes:
            self.clock.advance(minutes=minutes)
        self.container.speakup.relay_due()
        self.container.outbox.drain()

    def after_delay(self) -> None:
        self.run(31)


def cards(slack: SlackStandIn, channel: str = LEADERSHIP) -> list[Call]:
    return [m for m in slack.messages(channel) if not m.get("thread_ts")]


def thread(slack: SlackStandIn, card_ts: str, channel: str = LEADERSHIP) -> list[Call]:
    return [m for m in slack.messages(channel) if m.get("thread_ts") == card_ts]


def card_ts(container: Container, cid: int) -> str:
    """Where the stand-in put a conversation's card, as the bot recorded it."""
    with container.sessions() as s:
        return s.scalars(select(SpeakupCard.ts).where(SpeakupCard.conversation_id == cid)).one()


def conversation_id(card: Call) -> int:
    for block in card["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == ids.SPEAKUP_REPLY:
                return int(element["value"])
    raise AssertionError("no Reply button on the card")


def text_of(call: Call) -> str:
    return json.dumps(call.params.get("blocks")) + str(call.params.get("text"))


def open_modal(slack: SlackStandIn, callback_id: str) -> dict[str, Any]:
    return next(
        c["view"]
        for c in reversed(slack.calls_to("views.open"))
        if c["view"].get("callback_id") == callback_id
    )


def receiver_reply(
    driver: SlackDriver,
    slack: SlackStandIn,
    cid: int,
    ts: str,
    text: str,
    *,
    user: str = BOSS,
    channel: str = LEADERSHIP,
) -> dict[str, Any]:
    driver.action(
        ids.SPEAKUP_REPLY, user=user, value=str(cid), channel=channel, message={"ts": ts, "text": ""}
    )
    meta = open_modal(slack, ids.SPEAKUP_REPLY_MODAL)["private_metadata"]
    return response_json(
        driver.submit(ids.SPEAKUP_REPLY_MODAL, reply_form(text), user=user, private_metadata=meta)
    )


def member_answer(
    driver: SlackDriver, slack: SlackStandIn, cid: int, text: str, *, user: str = MEMBER
) -> dict[str, Any]:
    dm = "D" + user[1:]
    driver.action(
        ids.SPEAKUP_ANSWER, user=user, value=str(cid), channel=dm, message={"ts": "1.1", "text": ""}
    )
    meta = open_modal(slack, ids.SPEAKUP_ANSWER_MODAL)["private_metadata"]
    return response_json(
        driver.submit(ids.SPEAKUP_ANSWER_MODAL, reply_form(text), user=user, private_metadata=meta)
    )
