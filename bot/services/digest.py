"""The weekly digest: how customers felt, what is still open, how the team is, what went well.

Numbers come from SQL aggregates over one week (storage/repositories/digest.py); the assembly below is
plain Python over those values. Each section is None when it has nothing to say.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.charts import WeekPoint
from bot.clock import Clock
from bot.domain.digest_period import Week, due_week
from bot.domain.pulse_stats import SurveyInfo, SurveyResults
from bot.notify.outbox import Outbox
from bot.services.feedback import OPEN_STATES
from bot.services.kudos import KudosService, KudosSummary
from bot.services.pulse import PulseService
from bot.services.settings import SettingsService
from storage.repositories import digest as repo
from storage.repositories.idempotency import claim_period

KIND = "weekly_digest"
CHART_KIND = "weekly_digest_chart"

TREND_WEEKS = 8
OPEN_SHOWN = 5
RESOLUTIONS_SHOWN = 3
THEMES_SHOWN = 5
_STOPWORD_TEXT = """
a about after again all also am an and any are as at be because been before being but by can could
did do does doing don dont down even ever every for from get got had has have having he her here hers him
his how i if in into is isn it its just last like me more most much my never no not now of off on once one
only or other our out over own really said same she should since so some still such than that the their
them then there these they this those through to too two under until up us very was way we were what
when where which while who why will with would yet you your yours order time day days week ve ll re im ive
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[a-zA-ZÀ-ÿ']{3,}")


@dataclass(frozen=True)
class SentimentSection:
    count: int
    by_label: dict[str, int]
    mean_polarity: float | None
    change_vs_last_week: float | None
    change_vs_8_weeks: float | None
    corrected: int
    themes: tuple[tuple[str, int], ...]

    def share(self, label: str) -> int:
        return round(100 * self.by_label.get(label, 0) / self.count) if self.count else 0


@dataclass(frozen=True)
class OpenItem:
    id: int
    age_days: int
    assignee: str | None
    excerpt: str


@dataclass(frozen=True)
class Durations:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class LoopSection:
    open_negative: int
    oldest_open: tuple[OpenItem, ...]
    first_response: Durations
    resolution: Durations
    sla_breaches: int
    resolved: int
    you_said_we_did: tuple[tuple[str, str], ...]  # (customer said, we did)


@dataclass(frozen=True)
class TeamSection:
    results: SurveyResults | None
    awaiting_follow_up: tuple[SurveyInfo, ...]
    follow_ups: tuple[tuple[SurveyInfo, str], ...] = ()


@dataclass(frozen=True)
class Digest:
    team_id: str
    week: Week
    sentiment: SentimentSection | None
    loop: LoopSection | None
    team: TeamSection | None
    wins: KudosSummary | None
    trend: tuple[WeekPoint, ...]

    @property
    def empty(self) -> bool:
        return not (self.sentiment or self.loop or self.team or self.wins)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1): an actual observed value, the same on every database."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def durations(pairs: Sequence[tuple[datetime, datetime]]) -> Durations:
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs if end >= start]
    median, p90 = percentile(hours, 0.5), percentile(hours, 0.9)
    return Durations(
        count=len(hours),
        median_hours=None if median is None else round(median, 1),
        p90_hours=None if p90 is None else round(p90, 1),
    )


def themes(texts: Sequence[str], top: int = THEMES_SHOWN) -> tuple[tuple[str, int], ...]:
    """The words negative feedback keeps coming back to: counted once per item, stop words left out."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({w.lower().strip("'") for w in _WORD.findall(text)} - STOPWORDS)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))  # ties: alphabetical, stable
    return tuple((word, n) for word, n in ranked[:top] if n > 1)


def _change(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else round(now - then, 2)


class DigestService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        pulse: PulseService,
        kudos: KudosService,
        outbox: Outbox,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._pulse = pulse
        self._kudos = kudos
        self._outbox = outbox

    def post_if_due(self, team_id: str) -> Digest | None:
        """Queue this workspace's digest if it is due and nobody (no process, no earlier run) has.

        The claim and the queued messages commit together, so the digest goes out exactly once: a
        second run, a second process or a retry after a crash finds the claim and does nothing.
        """
        from bot.views.digest import digest_message  # views depend on this module's dataclasses

        ws = self._settings.get(team_id)
        now = self._clock.now()
        week = due_week(now, ws.tz, ws.digest_day, ws.digest_time)
        recipients = ([ws.digest_channel] if ws.digest_channel else []) + (
            list(dict.fromkeys(ws.managers)) if ws.digest_dm_managers else []
        )
        if week is None or not recipients:
            return None
        digest = self.build(team_id, week)
        rendered = digest_message(digest)
        with self._sessions.begin() as s:
            if not claim_period(s, team_id, KIND, week.label, now):
                return None
            for recipient in recipients:
                self._outbox.post_message(
                    s,
                    team_id=team_id,
                    key=f"digest:{week.label}:{recipient}",
                    channel=recipient,
                    message=rendered,
                )
        return digest

    def claim_chart(self, team_id: str, week: Week) -> bool:
        """The chart is uploaded at most once per week (a failed upload is not retried: it is a plus)."""
        with self._sessions.begin() as s:
            return claim_period(s, team_id, CHART_KIND, week.label, self._clock.now())

    def build(self, team_id: str, week: Week) -> Digest:
        now = min(self._clock.now(), week.end)
        with self._sessions() as s:
            sentiment, trend = self._sentiment(s, team_id, week)
            loop = self._loop(s, team_id, week, now)
        results = self._pulse.latest_closed_results(team_id, week.start, week.end)
        waiting = tuple(self._pulse.awaiting_follow_up(team_id, now))
        shared = tuple(self._pulse.follow_ups(team_id, week.start, week.end))
        team = TeamSection(results, waiting, shared) if results is not None or waiting or shared else None
        wins = self._kudos.kudos_summary(team_id, week.start, week.end)
        return Digest(
            team_id=team_id,
            week=week,
            sentiment=sentiment,
            loop=loop,
            team=team,
            wins=wins if wins.total else None,
            trend=trend,
        )

    def _sentiment(
        self, s: Session, team_id: str, week: Week
    ) -> tuple[SentimentSection | None, tuple[WeekPoint, ...]]:
        weeks = [week.previous(n) for n in range(TREND_WEEKS - 1, -1, -1)]
        stats = [repo.window_stats(s, team_id, w.start, w.end) for w in weeks]
        rounds = self._pulse.enps_rounds(team_id, weeks[0].start, week.end)
        trend = tuple(
            WeekPoint(
                w.label,
                st.mean_polarity,
                st.count,
                # the week's last round, if one closed that week with results that may be shown
                next((score for at, score in reversed(rounds) if w.start <= at < w.end), None),
            )
            for w, st in zip(weeks, stats, strict=True)
        )
        current = stats[-1]
        if not current.count:
            return None, trend
        last_week = stats[-2]
        earlier = [st for st in stats[:-1] if st.count]
        eight_week_mean = (
            sum((st.mean_polarity or 0) * st.count for st in earlier) / sum(st.count for st in earlier)
            if earlier
            else None
        )
        negative = repo.negative_texts(s, team_id, week.start, week.end)
        return (
            SentimentSection(
                count=current.count,
                by_label=current.by_label,
                mean_polarity=None if current.mean_polarity is None else round(current.mean_polarity, 2),
                change_vs_last_week=_change(current.mean_polarity, last_week.mean_polarity),
                change_vs_8_weeks=_change(current.mean_polarity, eight_week_mean),
                corrected=current.corrected,
                themes=themes(negative),
            ),
            trend,
        )

    def _loop(self, s: Session, team_id: str, week: Week, now: datetime) -> LoopSection | None:
        total_open, oldest = repo.open_negative(s, team_id, OPEN_STATES, OPEN_SHOWN)
        responded, resolved_pairs = repo.response_pairs(s, team_id, week.start, week.end)
        resolved, latest = repo.resolutions(s, team_id, week.start, week.end, RESOLUTIONS_SHOWN)
        breaches = repo.sla_breaches(s, team_id, week.start, week.end)
        if not (total_open or responded or resolved or breaches):
            return None
        return LoopSection(
            open_negative=total_open,
            oldest_open=tuple(
                OpenItem(fb.id, max(0, (now - fb.received_at) // timedelta(days=1)), fb.assignee, fb.text)
                for fb in oldest
            ),
            first_response=durations(responded),
            resolution=durations(resolved_pairs),
            sla_breaches=breaches,
            resolved=resolved,
            you_said_we_did=tuple((fb.text, fb.resolution or "") for fb in latest),
        )
