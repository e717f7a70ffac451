"""The weekly digest: gathers a week's numbers, assembles them (bot/domain/digest.py) and posts the digest.

Numbers come from SQL aggregates over one week (storage/repositories/digest.py), pulse results and kudos
counts; the Postbox renders and queues the posts in the transaction that claims the week.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.actor import Actor
from bot.domain.digest import (
    FOLLOW_UP_DUE_DAYS,
    OPEN_SHOWN,
    RESOLUTIONS_SHOWN,
    Digest,
    LoopSection,
    SentimentSection,
    Story,
    ValueCount,
    WeekPoint,
    WinsSection,
    loop_section,
    recipients,
    sentiment_section,
    team_section,
    trend,
    trend_weeks,
)
from bot.domain.digest_period import Week, due_week, parse_week
from bot.domain.outgoing import Post
from bot.domain.speakup import SpeakupSummary
from bot.policy import Permission, require
from bot.services.feedback import OPEN_STATES
from bot.services.kudos import KudosService
from bot.services.ports import Postbox
from bot.services.pulse import PulseService
from bot.services.settings import SettingsService
from bot.services.speakup import SpeakupService
from storage.repositories import digest as repo
from storage.repositories.idempotency import claim_period, period_claimed

KIND = "weekly_digest"
CHART_KIND = "weekly_digest_chart"


class DigestService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        pulse: PulseService,
        kudos: KudosService,
        speakup: SpeakupService,
        postbox: Postbox,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._pulse = pulse
        self._kudos = kudos
        self._speakup = speakup
        self._postbox = postbox

    def post_if_due(self, team_id: str) -> Digest | None:
        """Queue this workspace's digest if it is due and nobody (no process, no earlier run) has.

        The week is assembled only while it is unclaimed (one build per workspace and week; two processes
        racing on the very first run may both build, and only one sends). The claim and the queued
        messages commit together, so the digest goes out exactly once: a
        second run, a second process or a retry after a crash finds the claim and does nothing.
        """
        ws = self._settings.get(team_id)
        now = self._clock.now()
        week = due_week(now, ws.tz, ws.digest_day, ws.digest_time)
        to = recipients(ws.digest_channel, ws.managers, ws.digest_dm_managers)
        if week is None or not to:
            return None
        # Claimed already (the usual case: this job runs every 5 minutes through a 12-hour grace window):
        # a one-row read instead of assembling the whole week again just to find the claim.
        with self._sessions() as s:
            if period_claimed(s, team_id, KIND, week.label):
                return None
        digest = self.build(team_id, week)
        with self._sessions.begin() as s:
            if not claim_period(s, team_id, KIND, week.label, now):
                return None
            self._postbox.send(
                s, team_id, *(Post(to=r, content=digest, key=f"digest:{week.label}:{r}") for r in to)
            )
        return digest

    def preview(self, actor: Actor, week_name: str) -> Digest:
        """Managers' and owners' preview of any week's digest (`last-week`, `2026-W45`, '' for this one)."""
        require(actor, Permission.PREVIEW_DIGEST)
        week = parse_week(week_name, self._clock.now(), self._settings.get(actor.team_id).tz)
        return self.build(actor.team_id, week)

    def claim_chart(self, team_id: str, week: Week) -> bool:
        """The chart is uploaded at most once per week (a failed upload is not retried: it is a plus)."""
        with self._sessions.begin() as s:
            return claim_period(s, team_id, CHART_KIND, week.label, self._clock.now())

    def build(self, team_id: str, week: Week) -> Digest:
        now = min(self._clock.now(), week.end)
        with self._sessions() as s:
            sentiment, points = self._sentiment(s, team_id, week)
            loop = self._loop(s, team_id, week)
        team = team_section(
            self._pulse.latest_closed_results(team_id, week.start, week.end),
            self._pulse.awaiting_follow_up(team_id, now, days=FOLLOW_UP_DUE_DAYS),
            self._pulse.follow_ups(team_id, week.start, week.end),
        )
        return Digest(
            team_id=team_id,
            week=week,
            sentiment=sentiment,
            loop=loop,
            team=team,
            wins=self._wins(team_id, week),
            trend=points,
            speakup=self._speakup_counts(team_id, week),
        )

    def _speakup_counts(self, team_id: str, week: Week) -> SpeakupSummary | None:
        """Speak up conversations started this week (their days are the workspace's local days)."""
        start, end = (moment.astimezone(week.tz).date() for moment in (week.start, week.end))
        summary = self._speakup.summary(Actor.operator(team_id), start, end)
        return summary if summary.total else None

    def _sentiment(
        self, s: Session, team_id: str, week: Week
    ) -> tuple[SentimentSection | None, tuple[WeekPoint, ...]]:
        weeks = trend_weeks(week)
        stats = [repo.window_stats(s, team_id, w.start, w.end) for w in weeks]
        rounds = self._pulse.enps_rounds(team_id, weeks[0].start, week.end)
        points = trend(weeks, stats, rounds)
        if not stats[-1].count:
            return None, points
        return sentiment_section(stats, repo.negative_texts(s, team_id, week.start, week.end)), points

    def _loop(self, s: Session, team_id: str, week: Week) -> LoopSection | None:
        total_open, oldest = repo.open_negative(s, team_id, OPEN_STATES, OPEN_SHOWN)
        responded, resolved_pairs = repo.response_pairs(s, team_id, week.start, week.end)
        resolved, latest = repo.resolutions(s, team_id, week.start, week.end, RESOLUTIONS_SHOWN)
        return loop_section(
            now=min(self._clock.now(), week.end),
            open_negative=total_open,
            oldest_open=oldest,
            responded=responded,
            resolved_pairs=resolved_pairs,
            resolved=resolved,
            latest_resolutions=latest,
            sla_breaches=repo.sla_breaches(s, team_id, week.start, week.end),
        )

    def _wins(self, team_id: str, week: Week) -> WinsSection | None:
        summary = self._kudos.kudos_summary(team_id, week.start, week.end)
        if not summary.total:
            return None
        return WinsSection(
            total=summary.total,
            people_recognised=summary.people_recognised,
            by_value=tuple(ValueCount(v.value, v.count) for v in summary.by_value),
            highlights=tuple(Story(k.giver, tuple(k.receivers), k.reason) for k in summary.highlights),
        )
