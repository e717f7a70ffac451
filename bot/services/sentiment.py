"""Sentiment scoring with one shared TextBlob PatternAnalyzer (lexicon only, no NLTK corpora)."""

from __future__ import annotations

from dataclasses import dataclass

from textblob.en.sentiments import PatternAnalyzer

_ANALYZER = PatternAnalyzer()

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)


@dataclass(frozen=True)
class Sentiment:
    polarity: float
    subjectivity: float


def score(text: str) -> Sentiment:
    """Polarity in [-1, 1] and subjectivity in [0, 1] of `text`."""
    result = _ANALYZER.analyze(text)
    return Sentiment(polarity=float(result[0]), subjectivity=float(result[1]))


def label(polarity: float, positive_threshold: float, negative_threshold: float) -> str:
    """positive at or above the positive threshold, negative at or below the negative one, else neutral."""
    if polarity >= positive_threshold:
        return POSITIVE
    if polarity <= negative_threshold:
        return NEGATIVE
    return NEUTRAL
