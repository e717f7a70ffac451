"""Workspace settings: validation, fallbacks and quiet hours (pure functions and the service)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.errors import NotAllowed
from bot.domain.settings import SettingsInvalid, WorkspaceSettings
from bot.domain.settings_fields import validate
from tests.conftest import OWNER


def test_validate_cleans_values_and_reports_bad_fields() -> None:
    clean, errors = validate(
        {
            "values": "#Owned-It, spoke-up",
            "digest_day": "Friday",
            "sla_hours": "x",
            "pulse_min_responses": "2",
            "nonsense": 1,
        }
    )
    assert clean == {"values": ["owned-it", "spoke-up"], "digest_day": "fri"}
    assert set(errors) == {"sla_hours", "pulse_min_responses", "nonsense"}
    assert "at least 3" in errors["pulse_min_responses"]


def test_env_owners_apply_until_owners_are_set_in_slack(container: Container) -> None:
    team = "T0TEAM1"
    assert container.actors.of(team, OWNER).is_owner
    container.workspace_settings.update(container.actors.of(team, OWNER), {"owners": ["UNEWOWNER"]})
    assert not container.actors.of(team, OWNER).is_owner
    assert container.actors.of(team, "UNEWOWNER").is_owner


def test_cross_field_rules_are_checked_against_stored_values(container: Container) -> None:
    with pytest.raises(SettingsInvalid) as caught:
        container.workspace_settings.update(
            container.actors.of("T0TEAM1", OWNER), {"negative_threshold": "0.5"}
        )
    assert "negative_threshold" in caught.value.errors
    assert container.workspace_settings.get("T0TEAM1").negative_threshold == -0.1


def test_settings_are_kept_per_workspace(container: Container) -> None:
    container.workspace_settings.update(container.actors.of("T0TEAM1", OWNER), {"kudos_daily_limit": "9"})
    assert container.workspace_settings.get("T0TEAM1").kudos_daily_limit == 9
    assert container.workspace_settings.get("T0OTHER").kudos_daily_limit == 5


@pytest.mark.parametrize(
    ("when", "working"),
    [
        (datetime(2026, 11, 16, 8, 30, tzinfo=UTC), True),  # Monday 09:30 in Berlin
        (datetime(2026, 11, 16, 7, 59, tzinfo=UTC), False),  # Monday 08:59 in Berlin
        (datetime(2026, 11, 16, 16, 30, tzinfo=UTC), False),  # Monday 17:30 in Berlin: quiet from then
        (datetime(2026, 11, 21, 10, 0, tzinfo=UTC), False),  # Saturday
    ],
)
def test_quiet_hours_follow_the_workspace_time_zone(when: datetime, working: bool) -> None:
    assert WorkspaceSettings(timezone="Europe/Berlin").is_working_time(when) is working


def test_only_owners_change_settings_whoever_calls_the_service(container: Container) -> None:
    someone = container.actors.of("T0TEAM1", "USOMEONE1")
    with pytest.raises(NotAllowed):
        container.workspace_settings.for_editing(someone)
    with pytest.raises(NotAllowed):
        container.workspace_settings.update(someone, {"kudos_daily_limit": "9"})
    assert container.workspace_settings.get("T0TEAM1").kudos_daily_limit == 5
    container.workspace_settings.update(Actor.operator("T0TEAM1"), {"kudos_daily_limit": "9"})
    assert container.workspace_settings.get("T0TEAM1").kudos_daily_limit == 9


def test_a_form_moving_a_channel_is_checked_first_then_stored_but_the_refused_channel(
    container: Container,
) -> None:
    settings, owner = container.workspace_settings, container.actors.of("T0TEAM1", OWNER)
    form = {"feedback_channel": "CNEWFEED", "kudos_channel": "CNEWKUDO", "kudos_daily_limit": "7"}
    pending = settings.save_form(owner, form)
    assert pending is not None and pending.channels == {
        "feedback_channel": "CNEWFEED",
        "kudos_channel": "CNEWKUDO",
    }
    assert settings.get("T0TEAM1").kudos_daily_limit == 5, "nothing stored before Slack was asked"
    outcome = settings.save_checked_form(pending, {"kudos_channel": "The bot is not in that channel."})
    stored = settings.get("T0TEAM1")
    assert (stored.feedback_channel, stored.kudos_channel, stored.kudos_daily_limit) == ("CNEWFEED", None, 7)
    assert outcome.rest_saved and set(outcome.problems) == {"kudos_channel"}
    assert outcome.entered.kudos_channel == "CNEWKUDO", "the form is shown again as the owner entered it"
    assert settings.save_form(owner, {"feedback_channel": "CNEWFEED", "kudos_daily_limit": "8"}) is None
    assert settings.get("T0TEAM1").kudos_daily_limit == 8, "no new channel: stored at once"


def test_a_checked_form_made_invalid_by_another_owner_meanwhile_stores_nothing(container: Container) -> None:
    settings, owner = container.workspace_settings, container.actors.of("T0TEAM1", OWNER)
    pending = settings.save_form(owner, {"feedback_channel": "CNEWFEED", "negative_threshold": "-0.05"})
    assert pending is not None
    settings.update(owner, {"positive_threshold": "-0.07"})  # another owner, while Slack was asked
    outcome = settings.save_checked_form(pending, {})
    assert not outcome.rest_saved and "negative_threshold" in outcome.problems
    assert settings.get("T0TEAM1").feedback_channel is None


def test_a_member_cannot_start_a_settings_save(container: Container) -> None:
    with pytest.raises(NotAllowed):
        container.workspace_settings.save_form(
            container.actors.of("T0TEAM1", "USOMEONE1"), {"feedback_channel": "CNEWFEED"}
        )
    assert container.workspace_settings.get("T0TEAM1").feedback_channel is None
