"""Customers' own ratings: the scales vendors use, validating a rating against one, and the label it gives."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.domain.errors import FieldError

NEGATIVE = "negative"
NEUTRAL = "neutral"
POSITIVE = "positive"


class RatingInvalid(FieldError):
    """A rating scale name or a rating that cannot be used; `field` is "rating_scale" or "rating"."""


@dataclass(frozen=True)
class RatingScale:
    """A scale of ratings from `low` to `high` (whole steps; exports' averaged half stars are read too).

    Ratings up to `negative_max` are negative, up to `neutral_max` neutral, the rest positive. `words` lets
    vendors that send words ("bad", "great", "thumbs-down") be read on the same scale.
    """

    name: str
    low: int
    high: int
    negative_max: int
    neutral_max: int
    words: dict[str, int] = field(default_factory=dict)
    # How a rating reads on a card: "{}★" gives "1★".
    template: str = "{}"

    def describe(self, rating: float) -> str:
        """How the customer's rating is named on a card ("1★", "4.5★", "NPS 2", "“bad”", "thumbs-down")."""
        value: float | int = int(rating) if rating == int(rating) else rating
        names = {v: w for w, v in reversed(list(self.words.items()))}
        if self.template == "word" and value in names:
            return f"“{names[int(value)]}”" if self.name != "thumbs" else names[int(value)]
        return self.template.format(f"{value:g}")


# Zendesk's satisfaction rating: bad = 0, good = 1 (as bot/domain/intake/zendesk.py sends it).
_GOOD_BAD_WORDS = {
    "bad": 0,
    "poor": 0,
    "unsatisfied": 0,
    "dissatisfied": 0,
    "negative": 0,
    "good": 1,
    "great": 1,
    "satisfied": 1,
    "positive": 1,
}
# Three-step CSAT (Freshdesk, Help Scout): bad = 1, okay = 2, great = 3.
_THREE_STEP_WORDS = {
    "bad": 1,
    "poor": 1,
    "unsatisfied": 1,
    "dissatisfied": 1,
    "negative": 1,
    "okay": 2,
    "ok": 2,
    "neutral": 2,
    "great": 3,
    "good": 3,
    "satisfied": 3,
    "positive": 3,
}
_THUMBS_WORDS = {
    "thumbs-down": 0,
    "down": 0,
    "thumbsdown": 0,
    "-1": 0,
    "👎": 0,
    "thumbs-up": 1,
    "up": 1,
    "thumbsup": 1,
    "+1": 1,
    "👍": 1,
}

# 1-10 and 0-10 follow the NPS reading (0-6 detractor, 7-8 passive, 9-10 promoter); 0-5 and 1-5 the
# star reading (the bottom two steps negative, the middle one neutral).
SCALES: dict[str, RatingScale] = {
    s.name: s
    for s in (
        RatingScale("1-5", 1, 5, 2, 3, template="{}★"),
        RatingScale("0-5", 0, 5, 2, 3, template="{}★"),
        RatingScale("0-10", 0, 10, 6, 8, template="NPS {}"),
        RatingScale("1-10", 1, 10, 6, 8, template="{}/10"),
        # Customer effort (Delighted's CES): 1-3 disagree that it was easy, 4 neutral, 5-7 agree.
        RatingScale("1-7", 1, 7, 3, 4, template="{}/7"),
        # The adapters' names and numbers (bot/domain/intake/common.py): good-bad 0/1, great-okay-bad 1-3.
        RatingScale("good-bad", 0, 1, 0, 0, words=_GOOD_BAD_WORDS, template="word"),
        RatingScale("great-okay-bad", 1, 3, 1, 2, words=_THREE_STEP_WORDS, template="word"),
        RatingScale("thumbs", 0, 1, 0, 0, words=_THUMBS_WORDS, template="word"),
    )
}


_ALIASES = {"goodbad": "good-bad", "good/bad": "good-bad", "csat": "great-okay-bad", "nps": "0-10"}


def scale_names() -> str:
    return ", ".join(SCALES)


def parse_scale(name: str) -> RatingScale:
    """The scale called `name` (case and spaces ignored); RatingInvalid naming the valid ones otherwise."""
    key = (name or "").strip().lower().replace(" ", "")
    key = _ALIASES.get(key, key)
    if key not in SCALES:
        raise RatingInvalid("rating_scale", f"Unknown rating scale {name!r}: use one of {scale_names()}.")
    return SCALES[key]


def rating_value(scale: RatingScale, raw: float | int | str) -> float:
    """`raw` (a number, a numeric string or one of the scale's words) as a value on `scale`.

    RatingInvalid if it is not on the scale: a 7 on a 1-5 scale is a mistake to report, not to clamp.
    Half steps (4.5 stars, an average some exports carry) are on the scale; other fractions are not.
    """
    value: float
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in scale.words:
            return scale.words[text]
        try:
            value = float(text)
        except ValueError:
            raise RatingInvalid("rating", _outside(scale, raw)) from None
    elif isinstance(raw, bool):
        raise RatingInvalid("rating", _outside(scale, raw))
    else:
        value = float(raw)
    if not math.isfinite(value) or value * 2 != int(value * 2) or not scale.low <= value <= scale.high:
        raise RatingInvalid("rating", _outside(scale, raw))
    return value


def _outside(scale: RatingScale, raw: object) -> str:
    accepted = f"a number from {scale.low} to {scale.high} (whole or half steps)"
    if scale.words:
        accepted += " or one of " + ", ".join(scale.words)
    return f"The rating {raw!r} is not on the {scale.name} scale: use {accepted}."


def rating_label(scale: RatingScale, raw: float | int | str) -> str:
    """negative, neutral or positive, as the customer's rating on `scale` says."""
    value = rating_value(scale, raw)
    if value <= scale.negative_max:
        return NEGATIVE
    if value <= scale.neutral_max:
        return NEUTRAL
    return POSITIVE
