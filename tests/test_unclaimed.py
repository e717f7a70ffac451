"""Clicks and modal submissions no listener claims are acknowledged (200) and logged, never a 404."""

from __future__ import annotations

import logging

import pytest

from tests.slack_requests import SlackDriver, response_json
from tests.slack_standin import SlackStandIn

USER = "UCAT0001"


def _unclaimed(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "handlers.ignored"]


def test_a_click_on_an_unknown_button_is_acknowledged_and_logged(
    driver: SlackDriver, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="handlers.ignored")
    result = driver.action("retired_button_v1", user=USER, value="7", channel="CGENERAL")
    assert result.status == 200
    assert slack.calls_to("chat.postEphemeral") == []  # nothing said to the person: nothing went wrong
    [line] = _unclaimed(caplog)
    assert "retired_button_v1" in line and USER in line


def test_a_submission_of_an_unknown_modal_is_acknowledged_and_closes_it(
    driver: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="handlers.ignored")
    result = driver.submit("retired_modal_v1", {}, user=USER)
    assert result.status == 200
    assert response_json(result) == {}  # a plain ack: the modal closes, no error shown
    [line] = _unclaimed(caplog)
    assert "retired_modal_v1" in line
