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
