"""App Home and owners' settings, through the real Bolt app and the Slack stand-in."""

from __future__ import annotations

import json

from bot.container import Container
from bot.views import ids
from tests.conftest import OWNER
from tests.slack_requests import SlackDriver, response_json
from tests.slack_standin import SlackStandIn


def _home_text(call) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(call["view"])


def test_opening_app_home_publishes_a_view_for_that_user(driver: SlackDriver, slack: SlackStandIn) -> None:
    response = driver.event({"type": "app_home_opened", "user": "UEMPLOYEE", "channel": "D1", "tab": "home"})
    assert response.status == 200
    [publish] = slack.calls_to("views.publish")
    assert publish["user_id"] == "UEMPLOYEE"
    assert publish["view"]["type"] == "home"
    assert ids.OPEN_SETTINGS not in _home_text(publish)


def test_owners_see_the_settings_button(driver: SlackDriver, slack: SlackStandIn) -> None:
    driver.event({"type": "app_home_opened", "user": OWNER, "channel": "D1", "tab": "home"})
    [publish] = slack.calls_to("views.publish")
    assert ids.OPEN_SETTINGS in _home_text(publish)


def test_messages_tab_opening_publishes_nothing(driver: SlackDriver, slack: SlackStandIn) -> None:
    driver.event({"type": "app_home_opened", "user": OWNER, "channel": "D1", "tab": "messages"})
    assert slack.calls_to("views.publish") == []


def test_settings_button_from_a_non_owner_is_refused_server_side(
    driver: SlackDriver, slack: SlackStandIn
) -> None:
    driver.action(ids.OPEN_SETTINGS, user="UCRAFTY", view={"id": "VHOME", "type": "home"}, response_url=None)
    [modal] = slack.calls_to("views.open")
    assert "Only the workspace's empathy-bot owners" in json.dumps(modal["view"])
    assert modal["view"].get("callback_id") != ids.SETTINGS_MODAL


def test_owner_opens_settings_with_current_values(driver: SlackDriver, slack: SlackStandIn) -> None:
    driver.action(ids.OPEN_SETTINGS, user=OWNER, view={"id": "VHOME", "type": "home"}, response_url=None)
    [modal] = slack.calls_to("views.open")
    assert modal["view"]["callback_id"] == ids.SETTINGS_MODAL
    block_ids = {b.get("block_id") for b in modal["view"]["blocks"]}
    assert ids.SETTINGS_BLOCK_PREFIX + "digest_channel" in block_ids


def _form(**values: dict) -> dict:  # type: ignore[type-arg]
    return {ids.SETTINGS_BLOCK_PREFIX + key: {ids.SETTINGS_VALUE: v} for key, v in values.items()}


def test_owner_saves_settings_and_they_are_stored(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    form = _form(
        digest_channel={"type": "conversations_select", "selected_conversation": "CDIGEST1"},
        managers={"type": "multi_users_select", "selected_users": ["UMANAGER"]},
        digest_time={"type": "timepicker", "selected_time": "08:30"},
        values={"type": "plain_text_input", "value": "owned-it\n#Spoke-Up\nowned-it"},
        keep_pii={"type": "checkboxes", "selected_options": []},
    )
    response = driver.submit(ids.SETTINGS_MODAL, form, user=OWNER)
    assert response.status == 200 and response.body == ""
    stored = container.workspace_settings.get("T0TEAM1")
    assert stored.digest_channel == "CDIGEST1"
    assert stored.managers == ("UMANAGER",)
    assert stored.digest_time == "08:30"
    assert stored.values == ("owned-it", "spoke-up")
    assert container.actors.of("T0TEAM1", "UMANAGER").is_manager
    assert slack.calls_to("views.publish"), "the owner's Home is refreshed"


def test_invalid_settings_come_back_as_field_errors_and_nothing_is_stored(
    driver: SlackDriver, container: Container
) -> None:
    form = _form(
        digest_channel={"type": "conversations_select", "selected_conversation": "CDIGEST1"},
        kudos_daily_limit={"type": "number_input", "value": "0"},
        values={"type": "plain_text_input", "value": "Not A Tag!"},
    )
    response = driver.submit(ids.SETTINGS_MODAL, form, user=OWNER)
    body = response_json(response)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {
        ids.SETTINGS_BLOCK_PREFIX + "kudos_daily_limit",
        ids.SETTINGS_BLOCK_PREFIX + "values",
    }
    assert container.workspace_settings.get("T0TEAM1").digest_channel is None


def test_crafted_settings_submission_from_a_non_owner_is_refused(
    driver: SlackDriver, container: Container
) -> None:
    form = _form(owners={"type": "multi_users_select", "selected_users": ["UCRAFTY"]})
    response = driver.submit(ids.SETTINGS_MODAL, form, user="UCRAFTY")
    assert "Only the workspace's empathy-bot owners" in response.body
    assert container.workspace_settings.get("T0TEAM1").owners == (OWNER,)


def test_a_channel_the_bot_is_not_in_is_refused_with_how_to_fix_it_and_nothing_is_stored(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    slack.outside.add("CSECRET1")
    form = _form(
        feedback_channel={"type": "conversations_select", "selected_conversation": "CSECRET1"},
        kudos_channel={"type": "conversations_select", "selected_conversation": "CKUDOS1"},
        digest_channel={"type": "conversations_select", "selected_conversation": "DNOTACHANNEL"},
    )
    body = response_json(driver.submit(ids.SETTINGS_MODAL, form, user=OWNER))
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {
        ids.SETTINGS_BLOCK_PREFIX + "feedback_channel",
        ids.SETTINGS_BLOCK_PREFIX + "digest_channel",
    }
    assert "`/invite @empathy-bot`" in errors[ids.SETTINGS_BLOCK_PREFIX + "feedback_channel"]
    assert "I can't see that channel" in errors[ids.SETTINGS_BLOCK_PREFIX + "digest_channel"]
    stored = container.workspace_settings.get("T0TEAM1")
    assert (stored.feedback_channel, stored.kudos_channel, stored.digest_channel) == (None, None, None)

    slack.outside.clear()  # the owner invited the bot
    form.pop(ids.SETTINGS_BLOCK_PREFIX + "digest_channel")
    assert driver.submit(ids.SETTINGS_MODAL, form, user=OWNER).body == ""
    assert container.workspace_settings.get("T0TEAM1").feedback_channel == "CSECRET1"
    checked = len(slack.calls_to("conversations.info"))
    assert driver.submit(ids.SETTINGS_MODAL, form, user=OWNER).body == ""
    assert len(slack.calls_to("conversations.info")) == checked, "unchanged channels are not checked again"
