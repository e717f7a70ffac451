"""Is this a complaint? One entry point (`judge`): the customer's rating, else a learned model, else lexicons.

TextBlob's pattern lexicon (no NLTK corpora) gives the polarity and subjectivity that are stored; VADER
(made for short informal text: negation, intensifiers, caps, emoji) is combined with it for the label.
Text neither can judge (not English, no words they know, the two disagreeing) is "needs a human read",
never silently neutral.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.domain.pattern_lexicon import pattern_sentiment
from bot.domain.ratings import RatingScale, rating_label, rating_value

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
NEEDS_REVIEW = "needs_review"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)
JUDGEMENT_LABELS = (*LABELS, NEEDS_REVIEW)
LABEL_NAMES = {
    POSITIVE: "Positive",
    NEUTRAL: "Neutral",
    NEGATIVE: "Negative",
    NEEDS_REVIEW: "Needs a human read",
}

FROM_RATING = "rating"
FROM_MODEL = "learned"
FROM_BASE = "base"
NOT_SCORED = "not_scored"

CHUNK_CHARS = 1_000
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
# What CLD2 refuses as input ("invalid UTF-8"): control characters, lone surrogates, noncharacters.
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
# Not words of any language: links, @handles, Slack's <…> mentions and HTML tags, HTML entities.
_NOT_WORDS = re.compile(r"https?://\S+|<[A-Za-z/@#!][^<>]{0,200}>|@[\w.-]+|&#?\w+;")
# Below this many words, CLD2's call of another language is checked with English as the likely one.
SHORT_TEXT_WORDS = 5
# A text with at least this share (%) in one language other than English goes to a person: a quarter of
# a message is no fragment.
MIXED_SHARE = 25

LANGUAGE_NAMES = {
    "ar": "Arabic", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "es": "Spanish",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "nb": "Norwegian", "nl": "Dutch", "no": "Norwegian",
    "nn": "Norwegian",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sv": "Swedish", "th": "Thai",
    "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese", "zh-Hant": "Chinese",
    "iw": "Hebrew",
}  # fmt: skip


@dataclass(frozen=True)
class Sentiment:
    polarity: float
    subjectivity: float


@dataclass(frozen=True)
class Thresholds:
    """How sure before labelling. `positive`/`negative` apply to the base score in [-1, 1] (the mean of
    TextBlob polarity and VADER compound); below `min_confidence` an item needs a human read."""

    positive: float = 0.4
    negative: float = 0.0
    min_confidence: float = 0.5
    # A language other than English is only believed this sure: short English is often misread.
    language_certainty: float = 0.9


@dataclass(frozen=True)
class Opinion:
    """What a learned model says of a text: a label (negative/neutral/positive) and its probability."""

    label: str
    confidence: float


@dataclass(frozen=True)
class BaseScore:
    """The lexicons' view of a text, over all of it (chunk by chunk when long)."""

    polarity: float
    subjectivity: float
    vader: float
    known_words: bool

    @property
    def combined(self) -> float:
        return (self.polarity + self.vader) / 2


@dataclass(frozen=True)
class Judgement:
    """A label and where it came from, as the card shows it ("Negative (from the customer's 1★ rating)").

    source: rating | learned | base | not_scored; `reason` says why in words; `text_label` is what the
    words alone say (None when not scored); `disagreement` is set when words and rating disagree strongly.
    """

    label: str
    source: str
    confidence: float
    polarity: float
    subjectivity: float
    language: str | None
    reason: str
    text_label: str | None = None
    disagreement: str | None = None
    # What the base scorer alone says of the words (needs_review when it cannot judge them): lets a
    # learner measure the model against it without scoring the text again.
    base_label: str | None = None

    def describe(self) -> str:
        """ "Negative (from the customer's 1★ rating)", "Needs a human read (not scored: German)"."""
        text = f"{LABEL_NAMES[self.label]} ({self.reason})"
        if self.disagreement:
            text += f"; {self.disagreement}"
        return text


def score(text: str) -> Sentiment:
    """Polarity in [-1, 1] and subjectivity in [0, 1] of `text`, exactly as `TextBlob(text).sentiment`.

    PatternAnalyzer.analyze (what TextBlob calls) builds a namedtuple class on every call, half its cost;
    the lexicon function it wraps gives the same numbers about twice as fast.
    """
    polarity, subjectivity = pattern_sentiment(text)
    return Sentiment(polarity=float(polarity), subjectivity=float(subjectivity))


def label(polarity: float, positive_threshold: float, negative_threshold: float) -> str:
    """positive at or above the positive threshold, negative at or below the negative one, else neutral."""
    if polarity >= positive_threshold:
        return POSITIVE
    if polarity <= negative_threshold:
        return NEGATIVE
    return NEUTRAL


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """`text` cut at sentence ends into pieces of about `size` characters (a long sentence is cut at
    spaces), so that a long complaint is scored all through and no score saturates."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > size:
            cut = sentence.rfind(" ", 0, size)
            cut = cut if cut > 0 else size
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if current and len(current) + len(sentence) + 1 > size:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


_vader: SentimentIntensityAnalyzer | None = None
_lazy_lock = threading.Lock()


def _vader_analyzer() -> SentimentIntensityAnalyzer:
    global _vader
    if _vader is None:
        with _lazy_lock:
            if _vader is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _vader = SentimentIntensityAnalyzer()
    return _vader


def base_score(text: str) -> BaseScore:
    """TextBlob and VADER over the whole text, each chunk weighted by its length."""
    vader = _vader_analyzer()
    total = polarity = subjectivity = compound = 0.0
    known = False
    for piece in chunks(text):
        weight = float(len(piece))
        tb_polarity, tb_subjectivity = pattern_sentiment(piece)
        scores = vader.polarity_scores(piece)
        polarity += weight * tb_polarity
        subjectivity += weight * tb_subjectivity
        compound += weight * scores["compound"]
        total += weight
        known = known or scores["pos"] > 0 or scores["neg"] > 0 or tb_subjectivity > 0 or tb_polarity != 0
    if total == 0:
        return BaseScore(0.0, 0.0, 0.0, False)
    return BaseScore(polarity / total, subjectivity / total, compound / total, known)


def base_opinion(base: BaseScore, thresholds: Thresholds) -> Opinion:
    """The lexicons' label and confidence. Confidence is the share of their evidence that points the way
    of the label: when TextBlob and VADER pull opposite ways it drops towards 0 (a human should read)."""
    tb, vd = base.polarity, base.vader
    chosen = label(base.combined, thresholds.positive, thresholds.negative)
    if chosen == NEUTRAL:
        # Neutral is believed when neither lexicon leans hard either way.
        lean = max(abs(tb), abs(vd))
        return Opinion(NEUTRAL, max(0.0, 1.0 - lean))
    sign = 1.0 if chosen == POSITIVE else -1.0
    toward = sum(max(0.0, sign * x) for x in (tb, vd))
    against = sum(max(0.0, -sign * x) for x in (tb, vd))
    confidence = toward / (toward + against) if toward + against > 0 else 0.0
    return Opinion(chosen, confidence)


def detect_language(text: str, certainty: float = 0.9) -> str | None:
    """The ISO code of `text`'s language, or None when too unsure to call (short text among them): the
    language CLD2 (pycld2: Chromium's compact detector, tables compiled in, ~2 MB) calls reliably and
    finds at least `certainty` of the text in; or, whatever the rest, any other language it finds in at
    least MIXED_SHARE of the text (a Chinese complaint beside an English "Status: Delivered" line is
    split by script: 62 % Chinese).

    Asked plainly first: a text of SHORT_TEXT_WORDS words or more that it calls another language is
    that language, English fragments (an order number, "Status: delivered") or not. Shorter text it
    calls another language is asked again with English as the likely language: alone, CLD2 calls ~1 % of
    three-word English openings ("This soup cooks") Scots or Danish, reliably."""
    letters = _LETTERS.findall(text)
    if len(letters) < 12 and not any(c >= "\u2e80" for c in letters):  # CJK: a character is a word
        return None
    sample = _NOT_WORDS.sub(" ", _NOT_TEXT.sub(" ", text[: CHUNK_CHARS * 2]))
    plainly = _cld2(sample, certainty)
    if plainly == "en" or (plainly is not None and len(sample.split()) >= SHORT_TEXT_WORDS):
        return plainly
    return _cld2(sample, certainty, hint="en")


def _cld2(sample: str, certainty: float, hint: str | None = None) -> str | None:
    import pycld2

    try:
        hints = {"hintLanguage": hint} if hint else {}
        reliable, _, found = pycld2.detect(sample, **hints)
    except pycld2.error:  # bytes CLD2 will not read even after the clean-up: too unsure to call
        return None
    if not reliable:
        return None
    languages = [(str(code), percent) for _, code, percent, _ in found if code != "un" and percent > 0]
    others = [(code, percent) for code, percent in languages if code != "en"]
    if others and others[0][1] >= MIXED_SHARE:
        return others[0][0]
    return languages[0][0] if languages and languages[0][1] >= certainty * 100 else None


def language_name(code: str) -> str:
    """ "German" for "de"; CLD2's own name for a code the table lacks ("iw": Hebrew, "tl": Tagalog)."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    import pycld2

    return next((name.replace("_", " ").title() for name, known in pycld2.LANGUAGES if known == code), code)


def judge(
    text: str,
    rating: float | int | str | None = None,
    scale: RatingScale | None = None,
    *,
    learned: Callable[[str], Opinion | None] | None = None,
    thresholds: Thresholds | None = None,
) -> Judgement:
    """The one judgement of a feedback text: rating first, then language, then a learned model (when the
    caller has one in use), then the lexicons; anything unsure needs a human read.

    The text is always scored (polarity and subjectivity are stored) and, with a rating, compared with it.
    Raises RatingInvalid when `rating` is not on `scale`.
    """
    limits = thresholds or Thresholds()
    value = rating_value(scale, rating) if rating is not None and scale is not None else None
    base = base_score(text)
    language = detect_language(text, limits.language_certainty) or "en"
    english = language == "en"
    opinion: Opinion | None = None
    source, reason = FROM_BASE, "from the words"
    if english and learned is not None:
        opinion = learned(text)
        if opinion is not None:
            source, reason = FROM_MODEL, "from what this workspace's labels taught"
    lexicons = base_opinion(base, limits) if english and base.known_words else None
    base_label = (
        lexicons.label if lexicons is not None and lexicons.confidence >= limits.min_confidence else None
    )
    if opinion is None:
        opinion = lexicons
    sure = opinion is not None and opinion.confidence >= limits.min_confidence
    text_label = opinion.label if opinion is not None and sure else None

    def made(verdict: str, origin: str, confidence: float, why: str) -> Judgement:
        return Judgement(
            verdict,
            origin,
            confidence,
            base.polarity,
            base.subjectivity,
            language,
            why,
            text_label,
            base_label=base_label or NEEDS_REVIEW,
        )

    if value is not None and scale is not None:
        verdict = rating_label(scale, value)
        judgement = made(verdict, FROM_RATING, 1.0, f"from the customer's {scale.describe(value)} rating")
        return replace(judgement, disagreement=_disagreement(verdict, text_label))
    if not english:
        return made(NEEDS_REVIEW, NOT_SCORED, 0.0, f"not scored: {language_name(language)}")
    if opinion is None:
        return made(NEEDS_REVIEW, NOT_SCORED, 0.0, "not scored: no words it knows")
    if not sure:
        unsure = f"unsure {reason}: {opinion.label} at {opinion.confidence:.0%}"
        return made(NEEDS_REVIEW, source, opinion.confidence, unsure)
    return made(opinion.label, source, opinion.confidence, reason)


def _disagreement(verdict: str, text_label: str | None) -> str | None:
    """Only strong disagreement earns a line on the card: a bad rating on positive words, or the reverse."""
    if verdict == NEGATIVE and text_label == POSITIVE:
        return "the words read positive"
    if verdict == POSITIVE and text_label == NEGATIVE:
        return "the words read negative"
    return None
