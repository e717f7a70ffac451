"""Pulse survey upkeep: close surveys at their time, remind those who haven't answered, launch next rounds,
and chart the results of surveys that just closed (in the digest channel, when results may be shown)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import audience
from bot.container import Container

log = logging.getLogger(__name__)


def run_pulse_surveys(container: Container) -> None:
    pulse = container.pulse

    def resolve(team_id: str, target: dict[str, Any]) -> list[str]:
        return audience.resolve(
            container.slack.for_team(team_id), target, team_id=team_id, directory=container.directory
        )

    # What these queue wakes the outbox by itself once committed (the notifier sees to it).
    pulse.close_due()
    pulse.send_reminders()
    pulse.launch_next_rounds(resolve)
    share_result_charts(container)


def share_result_charts(container: Container) -> int:
    """A chart of each closed survey's answer distributions; best-effort, at most once per survey."""
    from bot.views.charts import distribution_png

    shared = 0
    for team_id, results, channel in container.pulse.charts_due():
        questions = [
            (q.question.text, q.distribution) for q in results.questions if not q.hidden and q.answered
        ]
        try:
            container.slack.for_team(team_id).files_upload_v2(
                channel=channel,
                content=distribution_png(results.survey.title, questions),
                filename=f"pulse-{results.survey.id}.png",
                title=f"How people answered: {results.survey.title}",
                alt_txt="Bar charts: how many people chose each point of each scale (totals only).",
            )
            shared += 1
        except (SlackApiError, OSError) as exc:
            log.warning(
                "pulse chart for survey %s not uploaded (results went out as text): %s",
                results.survey.id,
                exc,
            )
    return shared
