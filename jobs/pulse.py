"""Pulse survey upkeep: settle stored launches (ask Slack who is in the audience), close surveys at their
time, remind those who haven't answered, launch next rounds, and chart the results of surveys that just
closed (in the digest channel, when results may be shown)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import audience
from bot.container import Container
from bot.services.pulse import AudienceResolver

log = logging.getLogger(__name__)


def _resolver(container: Container) -> AudienceResolver:
    return audience.resolver(container.slack.for_team, container.directory)


def resolve_pulse_launches(container: Container) -> int:
    """Settle launches the launch modal stored: invitations queued and the owner told, or told why not."""
    return container.pulse.resolve_launches(_resolver(container))


def run_pulse_surveys(container: Container) -> None:
    pulse = container.pulse
    resolve = _resolver(container)

    # What these queue wakes the outbox by itself once committed (the notifier sees to it).
    pulse.resolve_launches(resolve)
    pulse.close_due()
    pulse.send_reminders()
    pulse.launch_next_rounds(resolve)
    share_result_charts(container)


def share_result_charts(container: Container) -> int:
    """A chart of each closed survey's answer distributions; best-effort, at most once per survey."""
    from bot.domain.pulse_charts import survey_chart
    from bot.views.chart_text import survey_alt_text
    from bot.views.charts import survey_results_png

    shared = 0
    for team_id, results, channel in container.pulse.charts_due():
        chart = survey_chart(results)
        try:
            container.slack.for_team(team_id).files_upload_v2(
                channel=channel,
                content=survey_results_png(chart),
                filename=f"pulse-{results.survey.id}.png",
                title=f"How people answered: {results.survey.title}",
                alt_txt=survey_alt_text(chart),
            )
            shared += 1
        except (SlackApiError, OSError) as exc:
            log.warning(
                "pulse chart for survey %s not uploaded (results went out as text): %s",
                results.survey.id,
                exc,
            )
    return shared
