"""Small-team pooling: a series' rounds below the anonymity threshold are pooled with its earlier
unreported rounds until the pool reaches the threshold, then reported as "rounds 3–5 combined" with a
direction only (better / same / worse than the previous report), never a figure of the pool or of a
round in it, so that no subtraction between reports can recover a single round."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.pulse_questions import Question
from bot.domain.pulse_stats import SurveyInfo, enps

SAME_WITHIN = 0.1  # a change of a mean this small (1-5) is "about the same"; eNPS: SAME_WITHIN_ENPS points
SAME_WITHIN_ENPS = 5


@dataclass(frozen=True)
class Direction:
    question: str
    direction: str | None  # "better", "same", "worse"; None: no earlier report to compare with


@dataclass(frozen=True)
class PooledReport:
    """To the owner: rounds `first`–`last` of a series combined, with directions only."""

    survey: SurveyInfo
    first: int
    last: int
    directions: tuple[Direction, ...]


def pool_reaches(responded: Sequence[int], minimum: int) -> bool:
    """Whether the unreported rounds' responses (oldest first, this round last) reach the threshold."""
    return sum(responded) >= minimum


def report_means(questions: Sequence[Question], answers: Sequence[Mapping[str, object]]) -> dict[str, float]:
    """What a report is compared by (kept, never shown for a pool): the mean of each 1-5 question and
    the eNPS of each 0-10 one, reverse items flipped, keyed by question key."""
    means: dict[str, float] = {}
    for q in questions:
        values = [v for a in answers if isinstance(v := a.get(q.key), int)]
        if not values or not q.scored:
            continue
        if q.kind == "0-10":
            score = enps(values)
            if score is not None:
                means[q.key] = float(score.score)
        else:
            flipped = [6 - v if q.reverse else v for v in values]
            means[q.key] = round(sum(flipped) / len(flipped), 2)
    return means


def directions(
    questions: Sequence[Question], current: Mapping[str, float], previous: Mapping[str, float] | None
) -> tuple[Direction, ...]:
    """Better / same / worse per question against the previous report (None when there was none)."""
    found = []
    for q in questions:
        if q.key not in current:
            continue
        if previous is None or q.key not in previous:
            found.append(Direction(q.text, None))
            continue
        delta = current[q.key] - previous[q.key]
        same = SAME_WITHIN_ENPS if q.kind == "0-10" else SAME_WITHIN
        found.append(Direction(q.text, "same" if abs(delta) < same else "better" if delta > 0 else "worse"))
    return tuple(found)
