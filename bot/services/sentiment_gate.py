"""When a workspace's learned sentiment model earns its place: measured evaluations and the rule on them.

Each evaluation is [model_right, base_right, label index] for an example judged before it was learned.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import sentiment

MIN_EXAMPLES = 100
WINDOW = 400
MIN_WINDOW = 30
# Each of negative and positive needs this many items in the window for its share right to mean anything,
# and the model must beat the base scorer's balanced accuracy by MARGIN, not by a hair.
MIN_PER_LABEL = 30
MARGIN = 0.05


def evaluations(stored: object) -> list[list[int]]:
    """Stored evaluations [model_right, base_right, label index], or none if they are unreadable."""
    try:
        rows = [[int(m), int(b), int(g)] for m, b, g in stored]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return []
    return [r for r in rows if 0 <= r[2] < len(sentiment.LABELS)]


def qualifies(
    seen: int,
    recent: Sequence[Sequence[int]],
    *,
    min_examples: int = MIN_EXAMPLES,
    min_window: int = MIN_WINDOW,
    min_per_label: int = MIN_PER_LABEL,
    margin: float = MARGIN,
) -> bool:
    """Whether a model earned its place: enough examples seen; enough evaluations, with at least
    `min_per_label` negatives and positives among them; and a balanced accuracy (the mean over labels of
    the share of each label's items got right; plain accuracy would favour a model that says "positive"
    to everything where most customers are happy) above the base scorer's by `margin`."""
    if seen < min_examples or len(recent) < min_window:
        return False
    for label in (sentiment.NEGATIVE, sentiment.POSITIVE):
        index = sentiment.LABELS.index(label)
        if sum(1 for e in recent if e[2] == index) < min_per_label:
            return False
    return balanced(recent, 0) >= balanced(recent, 1) + margin


def balanced(recent: Sequence[Sequence[int]], who: int) -> float:
    """Balanced accuracy of scorer `who` (0 the model, 1 the base scorer) over the labels present."""
    shares = []
    for index in range(len(sentiment.LABELS)):
        items = [e for e in recent if e[2] == index]
        if items:
            shares.append(sum(e[who] for e in items) / len(items))
    return sum(shares) / len(shares) if shares else 0.0
