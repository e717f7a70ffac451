"""Records of the learned sentiment model: a labelled text to learn from, and how well the scorer does."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import FieldError
from bot.domain.sentiment import LABELS

FROM_RATING = "rating"
FROM_CORRECTION = "correction"
ORIGINS = (FROM_RATING, FROM_CORRECTION)


@dataclass(frozen=True)
class LabelledText:
    """A text and its label, from a customer's rating or a team member's correction.

    `customer` lets forget-customer remove it; `item_ref` (e.g. "feedback:42") makes a later correction of
    the same item replace the example its rating gave.
    """

    text: str
    label: str
    origin: str
    customer: str | None = None
    item_ref: str | None = None

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise FieldError("label", f"A label to learn is one of {', '.join(LABELS)}, not {self.label!r}.")
        if self.origin not in ORIGINS:
            raise FieldError("origin", f"An example comes from one of {', '.join(ORIGINS)}.")
        if not self.text.strip():
            raise FieldError("text", "There is no text to learn from.")


@dataclass(frozen=True)
class ModelQuality:
    """How the scorer did over a period, and which scorer is in use.

    agreed/judged: items with a rating or correction where the words-only label (what the scorer would have
    said without the rating) matched. model_right/base_right/window: the last evaluations on examples the
    learned model had not trained on yet, which decide whether it is used.
    """

    days: int
    agreed: int
    judged: int
    in_use: str
    examples: int
    model_right: int
    base_right: int
    window: int

    @property
    def share(self) -> float | None:
        return self.agreed / self.judged if self.judged else None

    def describe(self) -> str:
        """ "the scorer agreed with your team on 87 % of 312 items (last 30 days); in use: learned model"."""
        scorer = "learned model" if self.in_use == "learned" else "base scorer"
        if not self.judged:
            return f"no rated or corrected items in the last {self.days} days; in use: {scorer}"
        return (
            f"the scorer agreed with your team on {round(100 * self.agreed / self.judged)} % of "
            f"{self.judged} items (last {self.days} days); in use: {scorer}"
        )
