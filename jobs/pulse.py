"""Pulse survey upkeep: close surveys at their time, remind those who haven't answered, launch next rounds."""

from __future__ import annotations

from typing import Any

from bot import audience
from bot.container import Container


def run_pulse_surveys(container: Container) -> None:
    pulse = container.pulse

    def resolve(team_id: str, target: dict[str, Any]) -> list[str]:
        return audience.resolve(container.slack.for_team(team_id), target)

    if pulse.close_due() + pulse.send_reminders() + pulse.launch_next_rounds(resolve):
        container.outbox.wakeup()
