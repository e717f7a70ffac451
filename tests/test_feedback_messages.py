"""Issue 21 items 9, 10 and the card part of 11: a confirmation for every logged item, Slack markup shown
as names, and a card that says who acknowledged and who resolved."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.container import Container
from bot.domain.feedback import FeedbackInput, readable
from bot.views import ids
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn

MARKUP = "<!here> <@U0GUS|gus> says the refund on <#C0SUPPORT|support> took 3 weeks &amp; more"
READABLE = "@here @gus says the refund on #support took 3 weeks & more"


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    return container


def form(text: str) -> dict[str, Any]:
    return {ids.FEEDBACK_LOG_TEXT_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": text}}}


def shortcut(slack: SlackStandIn, text: str) -> dict[str, Any]:
    return {
        "type": "message_action",
        "callback_id": ids.FEEDBACK_LOG_SHORTCUT,
        "trigger_id": "trigger.shortcut",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": "UAGENT1", "team_id": TEAM_ID},
        "channel": {"id": "CSUPPORT", "name": "support"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": text},
        "response_url": f"{slack.base}/respond",
    }


def initial_text(slack: SlackStandIn) -> str:
    modal = slack.calls_to("views.open")[-1]["view"]
    [block] = [b for b in modal["blocks"] if b["block_id"] == ids.FEEDBACK_LOG_TEXT_BLOCK]
    return str(block["element"]["initial_value"])


def test_submitting_the_feedback_form_confirms_it_to_the_submitter(
    configured: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    assert driver.submit(ids.FEEDBACK_LOG_MODAL, form("Love the new export!"), user="UAGENT1").status == 200
    [notice] = slack.messages("UAGENT1")
    assert "Logged as positive customer feedback" in notice["text"]


def test_the_message_shortcut_confirms_once_and_says_when_it_was_logged_already(
    configured: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    driver.interactive(shortcut(slack, "Customer says the app is awful"))
    meta = slack.calls_to("views.open")[-1]["view"]["private_metadata"]
    for _ in range(2):
        driver.submit(
            ids.FEEDBACK_LOG_MODAL,
            form("Customer says the app is awful"),
            user="UAGENT1",
            private_metadata=meta,
        )
    first, second = slack.messages("UAGENT1")
    assert "Logged as negative customer feedback" in first["text"]
    assert second["text"] == "That feedback was already logged."


def test_slack_markup_in_the_shortcut_and_the_command_is_shown_as_names_on_the_form_and_card(
    configured: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    driver.interactive(shortcut(slack, MARKUP))
    assert initial_text(slack) == READABLE
    driver.command("/feedback", MARKUP, user="UAGENT1")
    assert initial_text(slack) == READABLE
    driver.submit(ids.FEEDBACK_LOG_MODAL, form(initial_text(slack)), user="UAGENT1")
    configured.outbox.drain()
    card = json.dumps(slack.messages("CFEED01")[-1]["blocks"])
    assert "@gus" in card and "#support" in card and "@here" in card
    assert "U0GUS" not in card and "C0SUPPORT" not in card and "!here" not in card


def test_a_bare_mention_is_named_from_the_workspace_and_links_read_as_text() -> None:
    assert readable("ask <@U0GUS> about <https://x.example/a|the doc>", {"U0GUS": "Gus"}) == (
        "ask @Gus about the doc (https://x.example/a)"
    )
    assert readable("<!subteam^S123|@support> and <!channel>") == "@support and @channel"


def test_the_card_says_who_acknowledged_and_who_resolved_an_item_someone_else_took(
    configured: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    item, _ = configured.feedback.ingest(
        TEAM_ID,
        FeedbackInput("api", "A-1", "The app crashed again, terrible."),
    )
    configured.outbox.drain()
    driver.action(ids.FEEDBACK_ACKNOWLEDGE, user="UANN001", value=str(item.id), channel="CFEED01")
    configured.outbox.drain()
    assert "acknowledged by <@UANN001>" in json.dumps(slack.calls_to("chat.update")[-1]["blocks"])
    driver.action(ids.FEEDBACK_TAKE, user="UCAT001", value=str(item.id), channel="CFEED01")
    resolution = {
        ids.FEEDBACK_RESOLUTION_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Refunded"}}
    }
    driver.submit(ids.FEEDBACK_RESOLVE_MODAL, resolution, user="UDAN001", private_metadata=str(item.id))
    configured.outbox.drain()
    final = json.dumps(slack.calls_to("chat.update")[-1]["blocks"])
    assert "Resolved by <@UDAN001>" in final
    assert "owner <@UCAT001>" not in final and "taken by <@UCAT001>" in final
