"""What a survey's results chart draws: agreement items, eNPS questions and theme scores, as plain records."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.domain.pulse_questions import AGREE_5, SCALE_10
from bot.domain.pulse_stats import SurveyResults


@dataclass(frozen=True)
class LikertItem:
    """One 1-5 agreement question: how many chose each point, strongly disagree first, as answered.

    A reverse-scored item ("I often feel worn out") is favourable when people disagree; `reverse` says
    so, and `favourable`/`unfavourable` count the right side.
    """

    text: str
    counts: tuple[int, int, int, int, int]
    reverse: bool = False

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def disagree(self) -> int:
        return self.counts[0] + self.counts[1]

    @property
    def neutral(self) -> int:
        return self.counts[2]

    @property
    def agree(self) -> int:
        return self.counts[3] + self.counts[4]

    @property
    def favourable(self) -> int:
        return self.disagree if self.reverse else self.agree

    @property
    def unfavourable(self) -> int:
        return self.agree if self.reverse else self.disagree

    @property
    def favourable_pct(self) -> int:
        return round(100 * self.favourable / self.n) if self.n else 0


@dataclass(frozen=True)
class EnpsItem:
    """One 0-10 question: detractors (0-6), passives (7-8), promoters (9-10)."""

    text: str
    detractors: int
    passives: int
    promoters: int

    @property
    def n(self) -> int:
        return self.detractors + self.passives + self.promoters

    @property
    def score(self) -> int:
        return round(100 * (self.promoters - self.detractors) / self.n) if self.n else 0


@dataclass(frozen=True)
class ThemeScore:
    """A theme's index over its questions: mean (1-5), share favourable (%), answers behind it."""

    theme: str
    mean: float
    favourable: int
    n: int


@dataclass(frozen=True)
class SurveyChart:
    title: str
    responded: int
    invited: int
    items: tuple[LikertItem, ...]
    enps: tuple[EnpsItem, ...]
    themes: tuple[ThemeScore, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.items or self.enps or self.themes)


def survey_chart(
    results: SurveyResults,
    reverse_keys: Collection[str] = (),
    themes: Sequence[ThemeScore] = (),
) -> SurveyChart:
    """The chart of a survey's shown results: hidden (below the minimum) and unanswered questions are left
    out; questions whose key is in `reverse_keys` are reverse-scored."""
    items: list[LikertItem] = []
    enps: list[EnpsItem] = []
    for q in results.questions:
        if q.hidden or not q.answered:
            continue
        if q.question.kind == AGREE_5:
            d = q.distribution
            counts = (d.get(1, 0), d.get(2, 0), d.get(3, 0), d.get(4, 0), d.get(5, 0))
            items.append(LikertItem(q.question.text, counts, reverse=q.question.key in reverse_keys))
        elif q.question.kind == SCALE_10 and q.enps is not None:
            e = q.enps
            enps.append(EnpsItem(q.question.text, e.detractors, e.passives, e.promoters))
    return SurveyChart(
        title=results.survey.title,
        responded=results.responded,
        invited=results.invited,
        items=tuple(items),
        enps=tuple(enps),
        themes=tuple(themes),
    )
