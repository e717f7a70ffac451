"""Survey arithmetic and the anonymity rules: pure functions over plain values.

eNPS = % promoters (9-10) - % detractors (0-6) among those who answered (skips excluded). Results of an
anonymous survey are withheld below the minimum number of responses, and that minimum is never lower
than `FLOOR`; comments need at least as many. When breakdowns (groups of respondents) are shown, every
group below the minimum is hidden, and if exactly one is hidden the next smallest is hidden too, so the
hidden group cannot be worked out by subtracting the shown ones from the total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.pulse_bank import THEMES
from bot.domain.pulse_questions import AGREE_5, KIND_RANGES, SCALE_10, Question

FLOOR = 3


@dataclass(frozen=True)
class Enps:
    score: int
    promoters: int
    passives: int
    detractors: int

    @property
    def answered(self) -> int:
        return self.promoters + self.passives + self.detractors


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    answered: int
    mean: float | None
    distribution: dict[int, int]
    enps: Enps | None
    hidden: bool = False

    def hide(self) -> QuestionStats:
        """The same question with nothing but the fact that too few answered it."""
        return QuestionStats(self.question, self.answered, None, {}, None, hidden=True)


def enps(scores: Iterable[int | None]) -> Enps | None:
    """eNPS of 0-10 answers; None when nobody answered. Rounded to the nearest whole point."""
    answered = [s for s in scores if s is not None]
    if not answered:
        return None
    promoters = sum(1 for s in answered if s >= 9)
    detractors = sum(1 for s in answered if s <= 6)
    passives = len(answered) - promoters - detractors
    score = round(100 * (promoters - detractors) / len(answered))
    return Enps(score=score, promoters=promoters, passives=passives, detractors=detractors)


def question_stats(question: Question, answers: Sequence[Mapping[str, int]]) -> QuestionStats:
    """Mean and distribution (every scale point, zeros included) of one scored question."""
    values = [a[question.key] for a in answers if isinstance(a.get(question.key), int)]
    counts = Counter(values)
    distribution = {point: counts.get(point, 0) for point in KIND_RANGES[question.kind]}
    mean = round(sum(values) / len(values), 2) if values else None
    return QuestionStats(
        question=question,
        answered=len(values),
        mean=mean,
        distribution=distribution,
        enps=enps(values) if question.kind == SCALE_10 else None,
    )


FAVOURABLE = 4  # on a 1-5 agreement scale, after flipping reverse-scored items: agree or strongly agree


@dataclass(frozen=True)
class ThemeScore:
    """One theme of the index: every shown 1-5 answer to the theme's bank items, reverse items flipped
    (6 - answer), so higher is always better. What a results chart can draw per theme."""

    theme: str
    name: str
    items: int
    answers: int
    mean: float
    favourable: int  # % of those answers at FAVOURABLE or above


def theme_index(
    questions: Sequence[QuestionStats], answers: Sequence[Mapping[str, object]]
) -> list[ThemeScore]:
    """Mean and % favourable per theme over the shown (not hidden) 1-5 bank items, in theme order."""
    by_theme: dict[str, list[Question]] = {}
    for stats in questions:
        q = stats.question
        if q.theme and q.kind == AGREE_5 and not stats.hidden:
            by_theme.setdefault(q.theme, []).append(q)
    scores = []
    for theme in sorted(by_theme, key=lambda t: list(THEMES).index(t) if t in THEMES else len(THEMES)):
        values = [
            6 - value if q.reverse else value
            for q in by_theme[theme]
            for a in answers
            if isinstance(value := a.get(q.key), int)
        ]
        if not values:
            continue
        scores.append(
            ThemeScore(
                theme=theme,
                name=THEMES.get(theme, theme),
                items=len(by_theme[theme]),
                answers=len(values),
                mean=round(sum(values) / len(values), 2),
                favourable=round(100 * sum(1 for v in values if v >= FAVOURABLE) / len(values)),
            )
        )
    return scores


def effective_minimum(configured: int) -> int:
    """The minimum number of responses actually applied: owners may raise it, never below FLOOR."""
    return max(configured, FLOOR)


def comment_minimum(configured_comments: int, configured_scores: int) -> int:
    """Comments are more identifying than scores: their minimum is never below the scores' minimum."""
    return max(configured_comments, effective_minimum(configured_scores))


def change(current: int | float | None, previous: int | float | None) -> float | None:
    """Change against the previous round (None when either side is unknown)."""
    if current is None or previous is None:
        return None
    return round(current - previous, 2)


@dataclass(frozen=True)
class SurveyInfo:
    id: int
    title: str
    questions: tuple[Question, ...]
    anonymous: bool
    min_responses: int
    closes_at: datetime
    timezone: ZoneInfo
    state: str = "open"
    invited: int = 0
    round: int = 1
    recurrence: str = "none"
    closed_at: datetime | None = None


@dataclass(frozen=True)
class SurveyResults:
    survey: SurveyInfo
    invited: int
    responded: int
    questions: list[QuestionStats] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)
    comments_hidden: bool = False
    previous: SurveyResults | None = None
    withheld_reason: str | None = None
    themes: list[ThemeScore] = field(default_factory=list)

    def withheld(self, reason: str) -> SurveyResults:
        return replace(self, questions=[], comments=[], previous=None, withheld_reason=reason, themes=[])

    def previous_theme(self, theme: str) -> ThemeScore | None:
        if self.previous is None:
            return None
        return next((x for x in self.previous.themes if x.theme == theme), None)

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.responded / self.invited) if self.invited else None

    @property
    def enps(self) -> Enps | None:
        """The survey's eNPS: its first 0-10 question, if shown."""
        return next((q.enps for q in self.questions if q.enps is not None), None)

    def previous_stats(self, key: str) -> QuestionStats | None:
        if self.previous is None:
            return None
        return next((q for q in self.previous.questions if q.question.key == key and not q.hidden), None)
