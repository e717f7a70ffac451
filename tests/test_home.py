"""App Home and owners' settings, through the real Bolt app and the Slack stand-in."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import BoltResponse

from bot.container import Container
from bot.views import ids
from tests.conftest import OWNER
from tests.slack_requests import SlackDriver, response_json, view_submission_payload
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


def _save(driver: SlackDriver, form: dict[str, Any], user: str = OWNER) -> tuple[BoltResponse, str]:
    """Submit the settings form; returns the answer and the submitted modal's view id."""
    payload = view_submission_payload(ids.SETTINGS_MODAL, form, user=user)
    return driver.interactive(payload), payload["view"]["id"]


def _checking(response: BoltResponse) -> bool:
    """The submission was answered at once with the "checking the channels" view."""
    body = response_json(response)
    return body.get("response_action") == "update" and "Checking" in json.dumps(body["view"])


def _problem_under(modal: dict[str, Any], key: str) -> str | None:
    """The warning shown right under a settings field of a modal (None: no problem there)."""
    blocks = modal["blocks"]
    [at] = [i for i, b in enumerate(blocks) if b.get("block_id") == ids.SETTINGS_BLOCK_PREFIX + key]
    after = blocks[at + 1] if at + 1 < len(blocks) else {}
    return after["elements"][0]["text"] if after.get("type") == "context" else None


def _initial(modal: dict[str, Any], key: str) -> Any:
    [block] = [b for b in modal["blocks"] if b.get("block_id") == ids.SETTINGS_BLOCK_PREFIX + key]
    return block["element"].get("initial_conversation")


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
    response, view_id = _save(driver, form)
    assert response.status == 200 and _checking(response), response.body
    [checked] = slack.calls_to("conversations.info")
    assert checked["channel"] == "CDIGEST1"
    [update] = slack.calls_to("views.update")
    assert update["view_id"] == view_id
    assert "Settings saved" in json.dumps(update["view"]) and "<#CDIGEST1>" in json.dumps(update["view"])
    stored = container.workspace_settings.get("T0TEAM1")
    assert stored.digest_channel == "CDIGEST1"
    assert stored.managers == ("UMANAGER",)
    assert stored.digest_time == "08:30"
    assert stored.values == ("owned-it", "spoke-up")
    assert container.actors.of("T0TEAM1", "UMANAGER").is_manager
    assert slack.calls_to("views.publish"), "the owner's Home is refreshed"


def test_a_form_that_moves_no_channel_is_saved_and_closed_at_once_without_asking_slack(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    form = _form(digest_time={"type": "timepicker", "selected_time": "07:45"})
    response, _ = _save(driver, form)
    assert response.status == 200 and response.body == ""
    assert container.workspace_settings.get("T0TEAM1").digest_time == "07:45"
    assert slack.calls_to("conversations.info") == [] and slack.calls_to("views.update") == []


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


def test_a_channel_the_bot_is_not_in_is_refused_with_how_to_fix_it_and_the_rest_is_saved(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    """Acked at once; then the modal shows the form again as entered, the problem under each channel the
    bot cannot post in, which is not saved; the other settings are (fixing it means leaving the modal)."""
    slack.outside.add("CSECRET1")
    slack.respond_with(
        "conversations.info",
        lambda p: (
            {"ok": False, "error": "channel_not_found"}
            if p["channel"] == "CGONE001"
            else slack._conversations_info(p)
        ),
    )
    form = _form(
        feedback_channel={"type": "conversations_select", "selected_conversation": "CSECRET1"},
        kudos_channel={"type": "conversations_select", "selected_conversation": "CKUDOS1"},
        digest_channel={"type": "conversations_select", "selected_conversation": "CGONE001"},
        digest_time={"type": "timepicker", "selected_time": "08:30"},
    )
    response, view_id = _save(driver, form)
    assert _checking(response), response.body
    [update] = slack.calls_to("views.update")
    assert update["view_id"] == view_id
    modal = update["view"]
    assert modal["callback_id"] == ids.SETTINGS_MODAL and modal["submit"]["text"] == "Save"
    assert "`/invite @empathy-bot`" in (_problem_under(modal, "feedback_channel") or "")
    assert "I can't see that channel" in (_problem_under(modal, "digest_channel") or "")
    assert _problem_under(modal, "kudos_channel") is None
    assert "Not saved: *Feedback channel*, *Digest channel*" in json.dumps(modal["blocks"][0])
    assert "Everything else in this form is saved" in json.dumps(modal["blocks"][0])
    assert (_initial(modal, "feedback_channel"), _initial(modal, "digest_channel")) == (
        "CSECRET1",
        "CGONE001",
    )
    stored = container.workspace_settings.get("T0TEAM1")
    assert (stored.feedback_channel, stored.digest_channel) == (None, None)
    assert (stored.kudos_channel, stored.digest_time) == ("CKUDOS1", "08:30")

    slack.outside.clear()  # the owner invited the bot
    form.pop(ids.SETTINGS_BLOCK_PREFIX + "digest_channel")
    response, _ = _save(driver, form)
    assert _checking(response)
    assert "Settings saved" in json.dumps(slack.calls_to("views.update")[-1]["view"])
    assert container.workspace_settings.get("T0TEAM1").feedback_channel == "CSECRET1"
    checked = len(slack.calls_to("conversations.info"))
    assert _save(driver, form)[0].body == ""
    assert len(slack.calls_to("conversations.info")) == checked, "unchanged channels are not checked again"


def test_a_bad_form_is_answered_in_the_ack_before_any_channel_is_checked(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    form = _form(
        feedback_channel={"type": "conversations_select", "selected_conversation": "CFEED01"},
        work_start={"type": "timepicker", "selected_time": "18:00"},
    )
    body = response_json(_save(driver, form)[0])
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {ids.SETTINGS_BLOCK_PREFIX + "work_end"}
    assert slack.calls_to("conversations.info") == []
    assert container.workspace_settings.get("T0TEAM1").feedback_channel is None


def test_an_owner_who_closed_the_modal_meanwhile_hears_the_outcome_in_a_dm(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    slack.outside.add("CSECRET1")
    slack.fail_next("views.update", "not_found")
    form = _form(feedback_channel={"type": "conversations_select", "selected_conversation": "CSECRET1"})
    assert _checking(_save(driver, form)[0])
    [dm] = slack.messages(OWNER)
    assert "Not saved: *Feedback channel*" in json.dumps(dm["blocks"])
    assert "`/invite @empathy-bot`" in json.dumps(dm["blocks"])
    assert container.workspace_settings.get("T0TEAM1").feedback_channel is None
