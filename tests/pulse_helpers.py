"""Driving pulse surveys through the real Bolt app: launch from the modal, click answers in a DM."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.container import Container
from bot.views import ids
from jobs.pulse import resolve_pulse_launches
from tests.conftest import OWNER
from tests.slack_requests import SlackDriver, response_json
from tests.slack_standin import SlackStandIn

ENPS_QUESTIONS = "[0-10] How likely are you to recommend working here to a friend?\n[text] Why?"


def people(slack: SlackStandIn, count: int, channel: str = "CTEAM01", prefix: str = "UP") -> list[str]:
    """`count` people in `channel` (plus the bot and a bot user, which must be left out)."""
    users = [f"{prefix}{n:05d}" for n in range(count)]
    for user in users:
        slack.add_user(user)
    slack.add_user("UBOT0001", "empathy-bot", is_bot=True)
    slack.add_user("UOTHERBOT", "zapier", is_bot=True)
    slack.add_user("UGONE001", "left", deleted=True)
    slack.members[channel] = [*users, "UBOT0001", "UOTHERBOT", "UGONE001"]
    return users


def launch_values(
    *,
    channel: str | None = "CTEAM01",
    people: list[str] | None = None,
    questions: str = ENPS_QUESTIONS,
    anonymous: bool = True,
    closes: datetime,
    reminders: str = "1",
    recurrence: str = "none",
    title: str = "How are we doing?",
    template: str = "enps",
) -> dict[str, Any]:
    anon = [{"value": "anonymous"}] if anonymous else []
    values: dict[str, Any] = {
        ids.PULSE_TEMPLATE_BLOCK: {ids.PULSE_TEMPLATE: {"selected_option": {"value": template}}},
        ids.PULSE_TITLE_BLOCK: {ids.PULSE_VALUE: {"type": "plain_text_input", "value": title}},
        f"{ids.PULSE_QUESTIONS_BLOCK}:{template}": {
            ids.PULSE_VALUE: {"type": "plain_text_input", "value": questions}
        },
        ids.PULSE_CHANNEL_BLOCK: {
            ids.PULSE_VALUE: {"type": "conversations_select", "selected_conversation": channel}
        },
        ids.PULSE_PEOPLE_BLOCK: {
            ids.PULSE_VALUE: {"type": "multi_users_select", "selected_users": people or []}
        },
        ids.PULSE_ANONYMOUS_BLOCK: {ids.PULSE_VALUE: {"type": "checkboxes", "selected_options": anon}},
        ids.PULSE_CLOSES_BLOCK: {
            ids.PULSE_VALUE: {"type": "datetimepicker", "selected_date_time": int(closes.timestamp())}
        },
        ids.PULSE_REMINDERS_BLOCK: {
            ids.PULSE_VALUE: {"type": "static_select", "selected_option": {"value": reminders}}
        },
        ids.PULSE_RECURRENCE_BLOCK: {
            ids.PULSE_VALUE: {"type": "static_select", "selected_option": {"value": recurrence}}
        },
    }
    return values


def launch(driver: SlackDriver, container: Container, **kwargs: Any) -> int:
    """Submit the launch modal as the owner; returns the new survey's id (asserts it was accepted)."""
    kwargs.setdefault("closes", container.clock.now() + timedelta(days=3))
    response = driver.submit(ids.PULSE_MODAL, launch_values(**kwargs), user=OWNER)
    assert response.status == 200 and not response_json(response).get("errors"), response.body
    resolve_pulse_launches(container)  # the job that asks Slack who is in the audience (stored before ack)
    return max(info.id for info, _ in container.pulse.list_for(container.actors.of("T0TEAM1", OWNER)))


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def answer_value(blocks: list[dict[str, Any]], key: str, point: int | str) -> str:
    """The value of the button for `point` of question `key` in a rendered survey message."""
    for button in buttons(blocks):
        survey, qkey, value, _token = button["value"].split("|", 3)
        if qkey == key and value == str(point):
            return button["value"]
    raise AssertionError(f"no button {key}={point}")


class Respondent:
    """One person answering in their DM, keeping the message they see (as Slack would)."""

    def __init__(self, driver: SlackDriver, slack: SlackStandIn, user: str, blocks: list[dict[str, Any]]):
        self.driver, self.slack, self.user, self.blocks = driver, slack, user, blocks

    @classmethod
    def from_dm(cls, driver: SlackDriver, slack: SlackStandIn, user: str) -> Respondent:
        dm = slack.messages(user)[-1]
        return cls(driver, slack, user, _blocks(dm["blocks"]))

    def click(self, key: str, point: int) -> Any:
        before = len(self.slack.calls_to("respond"))
        response = self.driver.action(
            f"{ids.PULSE_ANSWER_PREFIX}{point}",
            user=self.user,
            value=answer_value(self.blocks, key, point),
            channel="D" + self.user[1:],
        )
        replies = self.slack.calls_to("respond")[before:]
        for reply in replies:
            if reply.get("replace_original") in (True, "true"):
                self.blocks = _blocks(reply["blocks"])
        return response

    def last_reply_text(self) -> str:
        return str(self.slack.calls_to("respond")[-1].get("text"))


def _blocks(raw: Any) -> list[dict[str, Any]]:
    return json.loads(raw) if isinstance(raw, str) else list(raw)
