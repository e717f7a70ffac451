"""Trust: the privacy statement is one command away and reflects the workspace's settings."""

from __future__ import annotations

import json

from bot.clock import FixedClock
from bot.container import Container
from jobs.housekeeping import forget_old_event_keys
from storage.repositories.idempotency import first_time
from tests.conftest import OWNER
from tests.slack_requests import SlackDriver, response_json


def test_empathy_privacy_answers_ephemerally_with_retention_and_thresholds(
    driver: SlackDriver, container: Container
) -> None:
    container.workspace_settings.update(
        container.actors.of("T0TEAM1", OWNER), {"feedback_retention_days": "90"}
    )
    body = response_json(driver.command("/empathy", "privacy", user="UANYONE"))
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"])
    assert "90 days" in text and "without* who gave them" in text and "never does" in text


def test_unknown_empathy_subcommand_gets_usage(driver: SlackDriver) -> None:
    body = response_json(driver.command("/empathy", "<!channel> " + "x" * 10_000, user="UANYONE"))
    assert body["response_type"] == "ephemeral"
    assert "Try `/empathy privacy`" in body["text"]
    assert "<!channel>" not in body["text"], "user input is never echoed back live"


def test_app_home_carries_the_privacy_section(driver: SlackDriver, slack) -> None:  # type: ignore[no-untyped-def]
    driver.event({"type": "app_home_opened", "user": "UANYONE", "channel": "D1", "tab": "home"})
    [publish] = slack.calls_to("views.publish")
    assert "Privacy: what empathy-bot keeps" in json.dumps(publish["view"])


def test_empathy_help_lists_every_command_the_app_declares(driver: SlackDriver) -> None:
    from bot.manifest import COMMANDS

    body = response_json(driver.command("/empathy", "help", user="UANYONE"))
    text = json.dumps(body["blocks"])
    assert body["response_type"] == "ephemeral"
    assert all(c.command in text for c in COMMANDS) and "/kudos" in text and "/pulse" in text


def test_event_keys_are_forgotten_a_month_after_they_were_processed(
    container: Container, clock: FixedClock
) -> None:
    with container.sessions.begin() as s:
        assert first_time(s, "T0TEAM1", "Ev-old", clock.now())
    clock.advance(days=20)
    with container.sessions.begin() as s:
        assert first_time(s, "T0TEAM1", "Ev-new", clock.now())
    clock.advance(days=11)
    assert forget_old_event_keys(container) == 1  # 31 days old: gone; 11 days old: kept
    with container.sessions.begin() as s:
        assert first_time(s, "T0TEAM1", "Ev-old", clock.now())
        assert not first_time(s, "T0TEAM1", "Ev-new", clock.now())
