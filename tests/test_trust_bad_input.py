"""Trust: every slash command and crafted interaction with junk gets a clear answer, nothing half-stored."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from bot.container import Container
from bot.views import ids
from storage.models import Feedback, Kudos, KudosRecipient, OutboxMessage, Survey, SurveyResponse
from tests.conftest import OWNER
from tests.pulse_helpers import launch, people
from tests.slack_requests import SlackDriver, response_json
from tests.slack_standin import SlackStandIn

JUNK = {
    "junk": "¯\\_(ツ)_/¯ $$$ %00 ' OR 1=1 --",
    "10k": "a" * 10_000,
    "unknown user": "<@UNOBODY|nobody> for the help #owned-it",
    "unknown channel": "<#CNOWHERE|nowhere> results 3",
    "emoji": "🎉🎉 for 🚀🚀 #🔥",
    "rtl": "شكرا على المساعدة \u202e<!channel>",
    "markup": "<!channel> *bold* <https://evil.example|your bank> <!subteam^S1|@all>",
}
COMMANDS = ("/feedback", "/kudos", "/pulse", "/empathy", "/digest")
MODELS = (Feedback, Kudos, KudosRecipient, Survey, SurveyResponse, OutboxMessage)


def counts(container: Container) -> dict[str, int]:
    with container.sessions() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in MODELS}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", sorted(JUNK))
def test_every_command_answers_junk_clearly_and_stores_nothing(
    command: str, kind: str, container: Container, driver: SlackDriver, slack: SlackStandIn, caplog
) -> None:
    slack.add_user("UNOBODY", deleted=True)
    before = counts(container)
    with caplog.at_level(logging.ERROR):
        for user in (OWNER, "UEMPLOYEE"):
            sent = len(slack.calls_to("respond"))
            response = driver.command(command, JUNK[kind], user=user)
            assert response.status == 200
            body = response_json(response)
            later = slack.calls_to("respond")[sent:]
            if not body and later:  # acked at once (Slack had to be asked); answered through response_url
                body = later[-1].params
            if body:  # an ephemeral answer; otherwise the command opened a modal (and said nothing)
                assert body.get("response_type") == "ephemeral" and body["text"].strip()
                assert "went wrong" not in body["text"]
            else:
                assert slack.calls_to("views.open"), f"{command} {kind}: no answer and no modal"
    assert "unhandled error" not in caplog.text
    assert counts(container) == before


def test_crafted_interactions_with_malformed_values_are_refused_and_change_nothing(
    container: Container, driver: SlackDriver, slack: SlackStandIn, caplog
) -> None:
    people(slack, 5)
    survey_id = launch(driver, container)
    container.outbox.drain()
    before = counts(container)
    crafted = [
        (ids.FEEDBACK_ACKNOWLEDGE, "not-a-number"),
        (ids.FEEDBACK_TAKE, "999999"),
        (ids.KUDOS_PLUS_ONE, "x"),
        (ids.KUDOS_PLUS_ONE, "424242"),
        (f"{ids.PULSE_ANSWER_PREFIX}3", "garbage"),
        (f"{ids.PULSE_ANSWER_PREFIX}3", f"{survey_id}|q1|3|forged-token"),
        (f"{ids.PULSE_ANSWER_PREFIX}3", f"{survey_id}|q9|3|"),
        (f"{ids.PULSE_ANSWER_PREFIX}3", f"{survey_id}|q1|99|"),
        (ids.PULSE_WRITE, f"{survey_id}|q1||"),
    ]
    with caplog.at_level(logging.WARNING):
        for action_id, value in crafted:
            before_replies = len(slack.calls_to("respond")) + len(slack.calls_to("chat.postEphemeral"))
            response = driver.action(action_id, user="UP00001", value=value, channel="DP0001")
            assert response.status == 200
            replies = slack.calls_to("respond")[-1:] + slack.calls_to("chat.postEphemeral")[-1:]
            assert (
                len(slack.calls_to("respond")) + len(slack.calls_to("chat.postEphemeral")) > before_replies
            ), value
            assert replies and "went wrong" not in json.dumps([r.params for r in replies]), value
        # An owner-only modal submitted by someone else: refused, and the refusal is logged.
        driver.submit(ids.PULSE_FOLLOW_UP_MODAL, {}, user="UP00001", private_metadata=str(survey_id))
    assert "unhandled error" not in caplog.text
    assert "refused view_submission from user UP00001" in caplog.text
    assert counts(container) == before
