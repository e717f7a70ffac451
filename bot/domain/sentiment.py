"""Sentiment scoring with TextBlob's pattern lexicon (no NLTK corpora), called directly for speed."""

from __future__ import annotations

from dataclasses import dataclass

from textblob.en import sentiment as _pattern_sentiment

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)


@dataclass(frozen=True)
class Sentiment:
    polarity: float
    subjectivity: float


def score(text: str) -> Sentiment:
    """Polarity in [-1, 1] and subjectivity in [0, 1] of `text`, exactly as `TextBlob(text).sentiment`.

    PatternAnalyzer.analyze (what TextBlob calls) builds a namedtuple class on every call, half its cost;
    the lexicon function it wraps gives the same numbers about twice as fast.
    """
    polarity, subjectivity = _pattern_sentiment(text)
    return Sentiment(polarity=float(polarity), subjectivity=float(subjectivity))


def label(polarity: float, positive_threshold: float, negative_threshold: float) -> str:
    """positive at or above the positive threshold, negative at or below the negative one, else neutral."""
    if polarity >= positive_threshold:
        return POSITIVE
    if polarity <= negative_threshold:
        return NEGATIVE
    return NEUTRAL
