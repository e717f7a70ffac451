"""The weekly digest: queued once per workspace and week when due, with its chart uploaded after it."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.container import Container
from bot.views.chart_text import digest_alt_text
from bot.views.charts import sentiment_trend_png
from jobs.workspaces import for_each_workspace

log = logging.getLogger(__name__)


def send_weekly_digests(container: Container) -> int:
    """Each workspace's digest, when due (its claim and posts are one transaction: a failure retries)."""
    posted = for_each_workspace(
        "weekly digest", container.workspaces.active_team_ids(), lambda team_id: _digest(container, team_id)
    )
    return sum(posted.values())


def _digest(container: Container, team_id: str) -> bool:
    digest = container.digests.post_if_due(team_id)
    if digest is None:
        return False
    channel = container.workspace_settings.get(team_id).digest_channel
    if (
        channel
        and any(p.volume for p in digest.trend)
        and container.digests.claim_chart(team_id, digest.week)
    ):
        try:
            container.slack.for_team(team_id).files_upload_v2(
                channel=channel,
                content=sentiment_trend_png(digest.trend),
                filename=f"digest-{digest.week.label}.png",
                title=f"Customer sentiment and volume, 8 weeks to {digest.week.label}",
                alt_txt=digest_alt_text(digest.trend),
            )
        except (SlackApiError, OSError) as exc:
            log.warning(
                "digest chart for %s %s not uploaded (the digest itself went out): %s",
                team_id,
                digest.week.label,
                exc,
            )
    return True
