"""Kudos offered from feedback: a resolved complaint gets its own offer, never dressed up as praise."""

from __future__ import annotations

import json

import pytest

from bot.container import Container
from bot.domain.feedback import FeedbackInput
from bot.views import ids
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn

CAT, DAN = "UCAT0001", "UDAN0001"
COMPLAINT = "The refund never arrived, support was rude and the whole thing was awful"


@pytest.fixture
def configured(container: Container, slack: SlackStandIn) -> Container:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01", "kudos_channel": "CKUDOS1"}
    )
    slack.add_user(CAT, "cat", real_name="Cat Lee")
    slack.add_user(DAN, "dan", real_name="Dan Ode")
    return container


def _resolve(driver: SlackDriver, feedback_id: int, user: str) -> None:
    form = {
        ids.FEEDBACK_RESOLUTION_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Refunded"}}
    }
    driver.submit(ids.FEEDBACK_RESOLVE_MODAL, form, user=user, private_metadata=str(feedback_id))


def test_resolving_a_complaint_offers_kudos_for_the_owners_work_not_for_praise(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    item, _ = configured.feedback.ingest(
        TEAM_ID, FeedbackInput(source="api", external_id="c-1", text=COMPLAINT, customer="Jane Roe")
    )
    assert item.label == "negative"
    driver.action(ids.FEEDBACK_TAKE, user=CAT, value=str(item.id), channel="CFEED01")
    _resolve(driver, item.id, DAN)
    configured.outbox.drain()

    [offer] = slack.messages(DAN)
    shown = offer["text"] + json.dumps(offer["blocks"])
    assert "praised" not in shown and "on their behalf" not in shown
    assert "refund never arrived" not in shown  # the complaint is not quoted as if it were praise
    assert "You resolved Jane Roe's complaint, which <@UCAT0001> had taken on" in offer["text"]
    assert "Recognise <@UCAT0001>'s work on it?" in offer["text"]

    button = next(b for b in offer["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == ids.KUDOS_FROM_FEEDBACK
    driver.action(ids.KUDOS_FROM_FEEDBACK, user=DAN, value=button["value"], channel="DDAN")
    [opened] = slack.calls_to("views.open")
    modal = opened["view"]
    story = next(b for b in modal["blocks"] if b["block_id"] == ids.KUDOS_STORY_BLOCK)
    assert story["element"]["initial_value"] == (
        "Took on Jane Roe's complaint and saw it through to a resolution."
    )
    assert "refund never arrived" not in json.dumps(modal) and "wrote:" not in json.dumps(modal)
    users = next(b for b in modal["blocks"] if b["block_id"] == ids.KUDOS_USERS_BLOCK)
    assert users["element"]["initial_users"] == [CAT]


def test_resolving_what_you_took_yourself_offers_nothing(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    item, _ = configured.feedback.ingest(
        TEAM_ID, FeedbackInput(source="api", external_id="c-2", text=COMPLAINT, customer="Jane Roe")
    )
    driver.action(ids.FEEDBACK_TAKE, user=CAT, value=str(item.id), channel="CFEED01")
    _resolve(driver, item.id, CAT)
    configured.outbox.drain()
    assert slack.messages(CAT) == []
