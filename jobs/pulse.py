"""Pulse survey upkeep: settle stored launches (ask Slack who is in the audience), close surveys at their
time, remind those who haven't answered, launch next rounds, and chart the results of surveys that just
closed (in the digest channel, when results may be shown)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import audience
from bot.container import Container
from bot.domain.pulse import AudienceRefused, AudienceUnavailable

log = logging.getLogger(__name__)

# Slack answers that mean "not now" rather than "no": the launch waits for the next run.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def _resolver(container: Container) -> Callable[[str, dict[str, Any]], list[str]]:
    def resolve(team_id: str, target: dict[str, Any]) -> list[str]:
        try:
            return audience.resolve(
                container.slack.for_team(team_id), target, team_id=team_id, directory=container.directory
            )
        except SlackApiError as exc:
            reason = str(exc.response.get("error", "") or "")
            status = exc.response.status_code
            if reason in TRANSIENT_ERRORS or status == 429 or status >= 500:
                raise AudienceUnavailable(reason or f"HTTP {status}") from exc
            hint = (
                "I can't see who is in that channel: invite me to it first (`/invite @empathy-bot`)."
                if reason == "not_in_channel"
                else f"I can't see who is in that audience: Slack said {reason}."
            )
            raise AudienceRefused(hint) from exc
        except OSError as exc:  # network trouble: try again next run
            raise AudienceUnavailable(str(exc)) from exc

    return resolve


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
