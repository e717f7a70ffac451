"""The weekly digest's records and the pure rules that assemble it from a week's numbers.

The service gathers the numbers (SQL aggregates, pulse results, kudos counts); everything here is plain
Python over those values. Each section is None when it has nothing to say.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.digest_period import Week
from bot.domain.pulse_stats import SurveyInfo, SurveyResults
from bot.domain.speakup import SpeakupSummary

TREND_WEEKS = 8
OPEN_SHOWN = 5
RESOLUTIONS_SHOWN = 3
THEMES_SHOWN = 5
FOLLOW_UP_DUE_DAYS = 14  # a closed survey with no "you said, we're doing" after this shows in the digest
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
class WindowStats:
    """Feedback received in one window (a week): how much, how it was labelled, how it felt."""

    count: int
    by_label: dict[str, int]
    mean_polarity: float | None
    corrected: int


@dataclass(frozen=True)
class WeekPoint:
    """One week of the sentiment trend chart: the week's feedback by label (labels the team corrected
    counted as corrected) and the eNPS of a survey round that closed that week, with its responses."""

    label: str  # "2026-W47"
    mean_polarity: float | None  # None: no feedback that week
    volume: int
    enps: float | None = None  # a survey round that closed that week
    by_label: dict[str, int] = field(default_factory=dict)
    enps_responses: int | None = None  # how many answered the eNPS question of that round
    corrected: int = 0  # how many of the week's labels the team corrected

    def count(self, label: str) -> int:
        return self.by_label.get(label, 0)


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
class OpenFeedback:
    """A negative feedback item still open, as the digest needs it."""

    id: int
    received_at: datetime
    assignee: str | None
    text: str
    card_channel: str | None = None  # where its card is (the digest links to it), once posted
    card_ts: str | None = None


@dataclass(frozen=True)
class OpenItem:
    id: int
    age_days: int
    assignee: str | None
    excerpt: str
    card_channel: str | None = None
    card_ts: str | None = None


@dataclass(frozen=True)
class Durations:
    count: int
    median_hours: float | None  # to a tenth of an hour
    p90_hours: float | None
    median_minutes: int | None = None  # to the minute: what is shown under an hour
    p90_minutes: int | None = None


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
    follow_up_due_days: int = FOLLOW_UP_DUE_DAYS


@dataclass(frozen=True)
class ValueCount:
    value: str
    count: int


@dataclass(frozen=True)
class Story:
    """A highlighted kudos: who recognised whom, and why."""

    giver: str
    receivers: tuple[str, ...]
    reason: str | None


@dataclass(frozen=True)
class WinsSection:
    total: int
    people_recognised: int
    by_value: tuple[ValueCount, ...]
    highlights: tuple[Story, ...]


@dataclass(frozen=True)
class Digest:
    """A workspace's digest for one week; also the content of the digest's posts."""

    team_id: str
    week: Week
    sentiment: SentimentSection | None
    loop: LoopSection | None
    team: TeamSection | None
    wins: WinsSection | None
    trend: tuple[WeekPoint, ...]
    # Speak up: counts by topic and time to a first reply; never texts but those shared with consent.
    speakup: SpeakupSummary | None = None

    @property
    def empty(self) -> bool:
        return not (self.sentiment or self.loop or self.team or self.wins or self.speakup)


def recipients(channel: str | None, managers: Sequence[str], dm_managers: bool) -> list[str]:
    """Where the digest goes: the digest channel, then each manager once if they get it by DM."""
    return ([channel] if channel else []) + (list(dict.fromkeys(managers)) if dm_managers else [])


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
        median_minutes=None if median is None else round(median * 60),
        p90_minutes=None if p90 is None else round(p90 * 60),
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


def trend_weeks(week: Week) -> list[Week]:
    """The TREND_WEEKS weeks ending with `week`, oldest first."""
    return [week.previous(n) for n in range(TREND_WEEKS - 1, -1, -1)]


def trend(
    weeks: Sequence[Week],
    stats: Sequence[WindowStats],
    enps_rounds: Sequence[tuple[datetime, int, int]],
) -> tuple[WeekPoint, ...]:
    """One point per week; its eNPS is that of the week's last round (rounds, (closed at, eNPS,
    responses), come oldest first)."""
    points = []
    for w, st in zip(weeks, stats, strict=True):
        last = next((r for r in reversed(enps_rounds) if w.start <= r[0] < w.end), None)
        points.append(
            WeekPoint(
                w.label,
                st.mean_polarity,
                st.count,
                None if last is None else last[1],
                by_label=dict(st.by_label),
                enps_responses=None if last is None else last[2],
                corrected=st.corrected,
            )
        )
    return tuple(points)


def sentiment_section(stats: Sequence[WindowStats], negative: Sequence[str]) -> SentimentSection | None:
    """The last week of `stats` against the one before and the mean of the earlier weeks with feedback."""
    current = stats[-1]
    if not current.count:
        return None
    last_week = stats[-2]
    earlier = [st for st in stats[:-1] if st.count]
    eight_week_mean = (
        sum((st.mean_polarity or 0) * st.count for st in earlier) / sum(st.count for st in earlier)
        if earlier
        else None
    )
    return SentimentSection(
        count=current.count,
        by_label=current.by_label,
        mean_polarity=None if current.mean_polarity is None else round(current.mean_polarity, 2),
        change_vs_last_week=_change(current.mean_polarity, last_week.mean_polarity),
        change_vs_8_weeks=_change(current.mean_polarity, eight_week_mean),
        corrected=current.corrected,
        themes=themes(negative),
    )


def loop_section(
    *,
    now: datetime,
    open_negative: int,
    oldest_open: Sequence[OpenFeedback],
    responded: Sequence[tuple[datetime, datetime]],
    resolved_pairs: Sequence[tuple[datetime, datetime]],
    resolved: int,
    latest_resolutions: Sequence[tuple[str, str]],
    sla_breaches: int,
) -> LoopSection | None:
    """Closing the loop: open negative items (oldest first), response and resolution times, breaches."""
    if not (open_negative or responded or resolved or sla_breaches):
        return None
    return LoopSection(
        open_negative=open_negative,
        oldest_open=tuple(
            OpenItem(
                fb.id,
                max(0, (now - fb.received_at) // timedelta(days=1)),
                fb.assignee,
                fb.text,
                fb.card_channel,
                fb.card_ts,
            )
            for fb in oldest_open
        ),
        first_response=durations(responded),
        resolution=durations(resolved_pairs),
        sla_breaches=sla_breaches,
        resolved=resolved,
        you_said_we_did=tuple(latest_resolutions),
    )


def team_section(
    results: SurveyResults | None,
    awaiting_follow_up: Sequence[SurveyInfo],
    follow_ups: Sequence[tuple[SurveyInfo, str]],
) -> TeamSection | None:
    if results is None and not awaiting_follow_up and not follow_ups:
        return None
    return TeamSection(results, tuple(awaiting_follow_up), tuple(follow_ups))
