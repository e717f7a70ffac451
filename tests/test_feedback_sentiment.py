"""Sentiment scoring: thresholds, and measured agreement with a small hand-labelled set of customer texts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textblob import TextBlob

from bot.domain import pattern_lexicon, sentiment

LABELLED: list[tuple[str, str]] = [
    ("Great product, love it!", "positive"),
    ("Support was amazing and fast, thank you.", "positive"),
    ("The new dashboard is beautiful.", "positive"),
    ("Excellent service as always.", "positive"),
    ("I am very happy with the upgrade.", "positive"),
    ("Best onboarding I have ever had.", "positive"),
    ("Your team was helpful and friendly.", "positive"),
    ("Works perfectly now, thanks!", "positive"),
    ("Really nice improvement to search.", "positive"),
    ("Fantastic, the export finally works.", "positive"),
    ("Good value for the price.", "positive"),
    ("Awesome release, well done.", "positive"),
    ("The agent was kind and patient.", "positive"),
    ("This is terrible, the app crashed again.", "negative"),
    ("Support was useless and rude.", "negative"),
    ("I am very disappointed with the service.", "negative"),
    ("The worst experience I have had with any vendor.", "negative"),
    ("Billing is a horrible mess.", "negative"),
    ("Slow, buggy and frustrating.", "negative"),
    ("Your update broke everything, awful.", "negative"),
    ("The app is bad and keeps losing my data.", "negative"),
    ("I hate the new layout.", "negative"),
    ("Nothing works, this is ridiculous.", "negative"),
    ("Very poor documentation.", "negative"),
    ("The login page is annoying and confusing.", "negative"),
    ("Sad to say the quality has dropped.", "negative"),
    ("Stupid error messages everywhere.", "negative"),
    ("I waited three weeks, unacceptable.", "negative"),
    ("How do I change my password?", "neutral"),
    ("Please send the invoice for March.", "neutral"),
    ("We use the product in two offices.", "neutral"),
    ("Can you add a CSV export?", "neutral"),
    ("The meeting is on Tuesday.", "neutral"),
    ("I updated my billing address.", "neutral"),
    ("Which plan includes SSO?", "neutral"),
    ("Our team has twelve users.", "neutral"),
    ("Ticket 4411 is about the API.", "neutral"),
    ("Please call me back tomorrow.", "neutral"),
    ("I moved the project to another workspace.", "neutral"),
    ("The report runs every Monday.", "neutral"),
]
# Measured with the default thresholds (+0.1 / -0.1) when this set was written: 39 of 40. The lexicon
# misses "I waited three weeks, unacceptable." (scored neutral). Short, clear texts flatter it; real
# reviews with sarcasm or mixed tone agree less, which is why people can correct the label on the card.
MEASURED_AGREEMENT = 0.975


def agreement() -> float:
    hits = sum(sentiment.label(sentiment.score(t).polarity, 0.1, -0.1) == want for t, want in LABELLED)
    return hits / len(LABELLED)


def test_agreement_with_the_hand_labelled_set_does_not_regress() -> None:
    assert len(LABELLED) == 40
    assert agreement() >= MEASURED_AGREEMENT


def test_thresholds_decide_the_label() -> None:
    assert sentiment.label(0.1, 0.1, -0.1) == "positive"
    assert sentiment.label(-0.1, 0.1, -0.1) == "negative"
    assert sentiment.label(0.05, 0.1, -0.1) == "neutral"
    assert sentiment.label(0.05, 0.0, -0.5) == "positive"


def test_scores_are_in_range_and_empty_text_is_neutral() -> None:
    s = sentiment.score("")
    assert s.polarity == 0.0 and s.subjectivity == 0.0
    s = sentiment.score("Absolutely wonderful!")
    assert 0 < s.polarity <= 1 and 0 <= s.subjectivity <= 1


def test_scores_are_identical_to_textblob_on_the_labelled_set_and_odd_inputs() -> None:
    odd = [
        "",
        "   ",
        "NOT good at all!!!",
        "not bad",
        "very very happy :)",
        "Ünïcödé — naïve café",
        "a\nb\tc",
        "It was terribly slow and horribly managed.",
        "She answered incredibly quickly, I'm really happily surprised",
        "never again, not great, no good",
        "The refund was not very helpful :( but the call was extremely pleasant!",
        "Absolutely perfect. Truly awful. Simply the best. Hardly useful.",
    ]
    for text in [t for t, _ in LABELLED] + odd:
        expected = TextBlob(text).sentiment
        got = sentiment.score(text)
        assert (got.polarity, got.subjectivity) == (expected.polarity, expected.subjectivity), text


def test_scoring_loads_neither_nltk_nor_scikit_learn() -> None:
    """TextBlob's lexicon is read without importing TextBlob's package, which imports NLTK, which imports
    scipy and scikit-learn (about 130 MB); the bot, started and scoring text, holds none of them."""
    code = (
        "import sys, bot.container, bot.app, jobs, bot.web, handlers.ingest\n"
        "from bot.domain import sentiment\n"
        "sentiment.base_score('It was terribly slow, the parcel never came.')\n"
        "print(' '.join(m for m in ('textblob', 'nltk', 'sklearn', 'scipy') if m in sys.modules))"
    )
    repo = Path(__file__).resolve().parents[1]
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=repo, check=True
    )
    assert loaded.stdout.split() == []


def test_the_lexicon_is_complete_before_any_thread_can_score_with_it() -> None:
    """TextBlob's lexicon fills itself on first use; built lazily under a lock, it must be filled (with
    the -ly adverbs) before the lock is released, or a second thread scores "terribly" as 0."""
    analyzer = pattern_lexicon._build()
    assert dict.__len__(analyzer) > 2000  # type: ignore[arg-type]
    assert "terribly" in dict.keys(analyzer)  # type: ignore[arg-type]
