"""Owners edit feedback routing rules in Slack (App Home > Routing rules); everyone else is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.feedback import FeedbackInput
from bot.views import ids
from tests.conftest import OWNER
from tests.intake_helpers import secret_and_token
from tests.slack_requests import TEAM_ID, SlackDriver, response_json
from tests.slack_standin import SlackStandIn
from tests.test_feedback_relay import ingest_one

HOME = {"id": "VHOME", "type": "home"}
OPERATOR = Actor.operator(TEAM_ID)


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    return container


@pytest.fixture
def source(configured: Container) -> tuple[str, str]:
    return secret_and_token(configured, OPERATOR, "zendesk")


def rule_form(kind: str, pattern: str, channel: str | None) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        ids.FEEDBACK_RULE_KIND_BLOCK: {
            ids.FEEDBACK_VALUE: {"type": "static_select", "selected_option": {"value": kind}}
        },
        ids.FEEDBACK_RULE_PATTERN_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": pattern}},
        ids.FEEDBACK_RULE_CHANNEL_BLOCK: {
            ids.FEEDBACK_VALUE: {"type": "channels_select", "selected_channel": channel}
        },
    }


def test_owners_get_the_routing_button_on_app_home_and_others_do_not(
    driver: SlackDriver, slack: SlackStandIn
) -> None:
    for user in (OWNER, "UEMPLOYEE"):
        driver.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    owner_home, employee_home = (json.dumps(c["view"]) for c in slack.calls_to("views.publish"))
    assert ids.FEEDBACK_OPEN_ROUTING in owner_home
    assert ids.FEEDBACK_OPEN_ROUTING not in employee_home


def test_owner_adds_a_rule_and_matching_feedback_lands_in_its_channel(
    configured: Container, source: tuple[str, str], driver: SlackDriver, slack: SlackStandIn
) -> None:
    driver.action(ids.FEEDBACK_OPEN_ROUTING, user=OWNER, view=HOME, response_url=None)
    [opened] = slack.calls_to("views.open")
    assert opened["view"]["callback_id"] == ids.FEEDBACK_ROUTING_MODAL
    assert "No rules yet" in json.dumps(opened["view"])
    response = driver.submit(
        ids.FEEDBACK_ROUTING_MODAL, rule_form("keyword", "Refund", "CBILL01"), user=OWNER
    )
    body = response_json(response)
    assert body["response_action"] == "update"
    assert "Text contains “Refund” → <#CBILL01>" in json.dumps(body["view"], ensure_ascii=False)
    [rule] = configured.feedback.list_rules(OPERATOR)
    assert (rule.kind, rule.pattern, rule.channel_id) == ("keyword", "Refund", "CBILL01")
    assert ingest_one(configured, source[0]).status == 201  # "…I want a refund."
    configured.outbox.drain()
    [card] = slack.messages("CBILL01")
    assert "keyword “Refund”" in json.dumps(card["blocks"], ensure_ascii=False)
    assert slack.messages("CFEED01") == []


def test_owner_deletes_a_rule_and_the_modal_is_refreshed(
    configured: Container, source: tuple[str, str], driver: SlackDriver, slack: SlackStandIn
) -> None:
    rule = configured.feedback.add_rule(OPERATOR, "keyword", "refund", "CBILL01")
    kept = configured.feedback.add_rule(OPERATOR, "tag", "billing", "CBILL02")
    modal = {"id": "VRULES", "type": "modal", "callback_id": ids.FEEDBACK_ROUTING_MODAL}
    driver.action(ids.FEEDBACK_DELETE_RULE, user=OWNER, value=str(rule.id), view=modal, response_url=None)
    assert configured.feedback.list_rules(OPERATOR) == [kept]
    [update] = slack.calls_to("views.update")
    assert update["view_id"] == "VRULES"
    assert "refund" not in json.dumps(update["view"]) and "billing" in json.dumps(update["view"])
    ingest_one(configured, source[0])
    configured.outbox.drain()
    assert len(slack.messages("CFEED01")) == 1 and slack.messages("CBILL01") == []


@pytest.mark.parametrize(
    ("form", "block"),
    [
        (rule_form("keyword", "   ", "CBILL01"), ids.FEEDBACK_RULE_PATTERN_BLOCK),
        (rule_form("keyword", "refund", None), ids.FEEDBACK_RULE_CHANNEL_BLOCK),
        (rule_form("regex", "refund", "CBILL01"), ids.FEEDBACK_RULE_KIND_BLOCK),
    ],
)
def test_an_incomplete_rule_comes_back_as_a_field_error_and_nothing_is_stored(
    configured: Container, driver: SlackDriver, form: dict[str, Any], block: str
) -> None:
    body = response_json(driver.submit(ids.FEEDBACK_ROUTING_MODAL, form, user=OWNER))
    assert body["response_action"] == "errors" and list(body["errors"]) == [block]
    assert configured.feedback.list_rules(OPERATOR) == []


def test_a_non_owners_crafted_requests_are_refused_and_nothing_changes(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    rule = configured.feedback.add_rule(OPERATOR, "keyword", "refund", "CBILL01")
    driver.action(ids.FEEDBACK_OPEN_ROUTING, user="UCRAFTY", view=HOME, response_url=None)
    [refusal] = slack.calls_to("views.open")
    assert "Only the workspace's empathy-bot owners" in json.dumps(refusal["view"])
    assert refusal["view"].get("callback_id") != ids.FEEDBACK_ROUTING_MODAL
    modal = {"id": "VRULES", "type": "modal", "callback_id": ids.FEEDBACK_ROUTING_MODAL}
    driver.action(ids.FEEDBACK_DELETE_RULE, user="UCRAFTY", value=str(rule.id), view=modal, response_url=None)
    response = driver.submit(
        ids.FEEDBACK_ROUTING_MODAL, rule_form("source", "web", "CEVIL01"), user="UCRAFTY"
    )
    assert "Only the workspace's empathy-bot owners" in response.body
    assert configured.feedback.list_rules(OPERATOR) == [rule]
    assert slack.calls_to("views.update") == []


def test_a_rule_of_another_workspace_cannot_be_deleted(configured: Container) -> None:
    other = configured.feedback.add_rule(Actor.operator("T0OTHER"), "keyword", "refund", "CBILL01")
    assert configured.feedback.delete_rule(OPERATOR, other.id) is False
    assert configured.feedback.list_rules(Actor.operator("T0OTHER")) == [other]


def test_a_rule_to_a_channel_the_bot_is_not_in_says_how_to_fix_it(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    slack.outside.add("CBILL01")
    body = response_json(
        driver.submit(ids.FEEDBACK_ROUTING_MODAL, rule_form("keyword", "refund", "CBILL01"), user=OWNER)
    )
    assert body["response_action"] == "errors"
    assert "I'm not in that channel yet" in body["errors"][ids.FEEDBACK_RULE_CHANNEL_BLOCK]
    assert configured.feedback.list_rules(OPERATOR) == []


def test_owner_moves_a_rule_up_and_it_is_tried_first(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    broad = configured.feedback.add_rule(OPERATOR, "keyword", "order", "CORDERS1")
    middle = configured.feedback.add_rule(OPERATOR, "tag", "vip", "CVIP0001")
    narrow = configured.feedback.add_rule(OPERATOR, "keyword", "refund", "CBILL01")
    modal = {"id": "VRULES", "type": "modal", "callback_id": ids.FEEDBACK_ROUTING_MODAL}
    for _ in range(3):  # the third click finds it first already: harmless
        driver.action(
            ids.FEEDBACK_MOVE_RULE_UP, user=OWNER, value=str(narrow.id), view=modal, response_url=None
        )
    assert [r.id for r in configured.feedback.list_rules(OPERATOR)] == [
        narrow.id,
        broad.id,
        middle.id,
    ]
    shown = json.dumps(slack.calls_to("views.update")[-1]["view"], ensure_ascii=False)
    assert shown.index("refund") < shown.index("order") < shown.index("vip")
    assert shown.count(ids.FEEDBACK_MOVE_RULE_UP) == 2, "no Move up on the first rule"

    driver.action(
        ids.FEEDBACK_MOVE_RULE_UP, user="UCRAFTY", value=str(middle.id), view=modal, response_url=None
    )
    assert [r.id for r in configured.feedback.list_rules(OPERATOR)] == [
        narrow.id,
        broad.id,
        middle.id,
    ]

    configured.feedback.ingest(
        TEAM_ID, FeedbackInput(text="Terrible: my order refund never came", source="web", external_id="o-1")
    )
    configured.outbox.drain()
    assert len(slack.messages("CBILL01")) == 1 and slack.messages("CORDERS1") == []


def test_the_most_rules_a_workspace_may_have_still_fit_in_the_modal(configured: Container) -> None:
    from bot.domain.feedback import MAX_RULES, RuleInvalid
    from bot.views.routing import routing_rules_modal

    for n in range(MAX_RULES):
        configured.feedback.add_rule(OPERATOR, "keyword", f"word{n}", "CBILL01")
    with pytest.raises(RuleInvalid, match=f"at most {MAX_RULES}"):
        configured.feedback.add_rule(OPERATOR, "keyword", "one-too-many", "CBILL01")
    assert len(routing_rules_modal(configured.feedback.list_rules(OPERATOR))["blocks"]) <= 100
