"""Pure tests of rating scales and the judgement pipeline (no database, no Slack)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textblob import TextBlob

from bot.domain import sentiment
from bot.domain.ratings import SCALES, RatingInvalid, parse_scale, rating_label, rating_value
from bot.domain.sentiment import NEEDS_REVIEW, NEGATIVE, NEUTRAL, POSITIVE, Opinion, judge


@pytest.mark.parametrize(
    ("scale", "rating", "expected"),
    [
        ("1-5", 1, NEGATIVE), ("1-5", 2, NEGATIVE), ("1-5", 3, NEUTRAL), ("1-5", 4, POSITIVE),
        ("1-5", 5, POSITIVE), ("0-10", 0, NEGATIVE), ("0-10", 6, NEGATIVE), ("0-10", 7, NEUTRAL),
        ("0-10", 8, NEUTRAL), ("0-10", 9, POSITIVE), ("1-10", 10, POSITIVE), ("0-5", 0, NEGATIVE),
        ("good-bad", "bad", NEGATIVE), ("great-okay-bad", "okay", NEUTRAL), ("good-bad", "great", POSITIVE),
        ("great-okay-bad", 1, NEGATIVE), ("great-okay-bad", 3, POSITIVE), ("good-bad", 1, POSITIVE),
        ("1-7", 3, NEGATIVE), ("1-7", 4, NEUTRAL), ("1-7", 5, POSITIVE),
        ("good-bad", "Good", POSITIVE), ("thumbs", "thumbs-down", NEGATIVE), ("thumbs", "👍", POSITIVE),
        ("thumbs", 0, NEGATIVE), ("1-5", "4", POSITIVE), ("1-5", 4.0, POSITIVE),
    ],
)  # fmt: skip
def test_ratings_map_to_labels(scale: str, rating: float | str, expected: str) -> None:
    assert rating_label(parse_scale(scale), rating) == expected


def test_unknown_scale_names_the_valid_ones() -> None:
    with pytest.raises(RatingInvalid) as caught:
        parse_scale("stars")
    assert caught.value.field == "rating_scale"
    for name in SCALES:
        assert name in caught.value.message
    assert parse_scale(" NPS ").name == "0-10"


@pytest.mark.parametrize(
    ("scale", "rating"), [("1-5", 0), ("1-5", 6), ("1-5", 2.3), ("0-10", 11), ("good-bad", "meh"),
                          ("thumbs", 2), ("1-5", float("nan")), ("1-5", True)]
)  # fmt: skip
def test_ratings_outside_the_scale_are_refused(scale: str, rating: float | str) -> None:
    with pytest.raises(RatingInvalid) as caught:
        rating_value(parse_scale(scale), rating)
    assert caught.value.field == "rating"
    assert scale in caught.value.message


def test_score_is_still_textblob() -> None:
    text = "The delivery was late but the support team was lovely and helpful."
    mood = sentiment.score(text)
    blob = TextBlob(text).sentiment
    assert (mood.polarity, mood.subjectivity) == pytest.approx((blob.polarity, blob.subjectivity))


def test_the_rating_decides_and_disagreement_is_shown() -> None:
    angry = judge("This is terrible, awful, the worst service I have ever had.", 5, parse_scale("1-5"))
    assert (angry.label, angry.source) == (POSITIVE, sentiment.FROM_RATING)
    assert angry.disagreement == "the words read negative"
    happy = judge("Wonderful, I love it, great service!", 1, parse_scale("1-5"))
    assert happy.label == NEGATIVE
    assert happy.describe() == "Negative (from the customer's 1★ rating); the words read positive"
    assert judge("fine", 2, parse_scale("0-10")).reason == "from the customer's NPS 2 rating"
    with pytest.raises(RatingInvalid):
        judge("fine", 7, parse_scale("1-5"))


def test_words_are_judged_by_the_lexicons() -> None:
    bad = judge("The parcel never came and nobody answers my emails. Terrible service, I am furious.")
    assert (bad.label, bad.source, bad.language) == (NEGATIVE, sentiment.FROM_BASE, "en")
    good = judge("Thank you so much, the team was wonderful and fixed it in minutes!")
    assert good.label == POSITIVE
    text = "The parcel never came and nobody answers my emails. Terrible service, I am furious."
    assert bad.polarity == pytest.approx(sentiment.score(text).polarity)


def test_a_german_complaint_without_rating_needs_a_human_read() -> None:
    verdict = judge("Das Paket ist nie angekommen, ich bin sehr enttäuscht und will mein Geld zurück.")
    assert verdict.label == NEEDS_REVIEW
    assert verdict.reason == "not scored: German"
    assert verdict.describe() == "Needs a human read (not scored: German)"
    rated = judge("Das Paket ist nie angekommen, ich bin sehr enttäuscht.", 1, parse_scale("1-5"))
    assert rated.label == NEGATIVE


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ich warte seit drei Wochen auf eine Antwort vom Kundendienst", "de"),
        ("Le colis n'est jamais arrivé et personne ne répond à mes messages", "fr"),
        ("O pacote nunca chegou e ninguém responde aos meus emails", "pt"),
        ("Paczka nigdy nie dotarła i nikt nie odpowiada na moje maile", "pl"),
    ],
)
def test_other_languages_are_named(text: str, code: str) -> None:
    assert sentiment.detect_language(text) == code


@pytest.mark.parametrize(
    "text", ["This soup cooks", "My favorite blend", "The Munchkin fresh", "Spectrum Naturals Walnut"]
)
def test_short_english_is_not_taken_for_another_language(text: str) -> None:
    """Without its hint that English is likely, CLD2 reliably calls these Scots, Luxembourgish, Danish
    and Catalan (three-word openings of public product reviews)."""
    assert sentiment.detect_language(text) in ("en", None)


def test_stray_control_characters_do_not_hide_the_language() -> None:
    """CLD2 refuses control characters and lone surrogates as "invalid UTF-8": they are cleaned first."""
    text = "Das Paket ist nie angekommen,\x07 niemand antwortet \ud800auf meine E-Mails\x00"
    assert sentiment.detect_language(text) == "de"


@given(st.text(max_size=300))
def test_no_text_breaks_the_language_detector(text: str) -> None:
    assert sentiment.detect_language(text + " Das Paket ist nie angekommen, niemand antwortet") in (
        "de",
        None,
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Der Kundenservice antwortet nicht. Tracking number: 1Z999AA10123456784, Status: delivered", "de"),
        ("Ik wacht al twee weken op antwoord. Best regards, Jan", "nl"),
        ("<@U0123ABCD> Mijn pakket is nooit aangekomen. https://example.com/track?id=42", "nl"),
        ("订单 #8812 Status: Delivered successfully 但是我根本没有收到，客服也不回复", "zh"),
        ("Order 8812 - Status: Delivered successfully. 荷物が届いていません。", "ja"),
        ("东西没收到，客服不回复。", "zh"),
        ("Preis < 10 Euro aber Qualität > schlecht, nie wieder bestellt", "de"),
    ],
)
def test_english_fragments_do_not_make_a_complaint_english(text: str, code: str) -> None:
    """Asked with English as the likely language only, CLD2 calls the first English; Chinese beside an
    English status line is split by script (62 % Chinese), under a 90 % certainty; "< 10 … >" is not a
    tag. Each would be scored by English lexicons (neutral, even positive) instead of going to a person."""
    assert sentiment.detect_language(text) == code


def test_every_language_has_a_name() -> None:
    assert [sentiment.language_name(c) for c in ("de", "iw", "zh-Hant", "tl", "ht")] == [
        "German",
        "Hebrew",
        "Chinese",
        "Tagalog",
        "Haitian Creole",
    ]
    verdict = judge("Hindi ko natanggap ang aking order at walang sumasagot sa aking mga email.")
    assert verdict.reason == "not scored: Tagalog"


def test_no_known_words_is_not_neutral() -> None:
    verdict = judge("Order 4471: parcel never came.")
    assert (verdict.label, verdict.reason) == (NEEDS_REVIEW, "not scored: no words it knows")


def test_a_long_complaint_is_scored_all_through() -> None:
    sentence = (
        "I waited three weeks and the parcel never came. Nobody answered my emails. This is unacceptable. "
    )
    text = "Hello, I am writing about order 7731. " + sentence * 210
    assert len(text) > 20_000
    assert len(sentiment.chunks(text)) > 10
    assert judge(text).label == NEGATIVE
    assert judge("parcel never came. " * 1100).label == NEEDS_REVIEW


def test_low_confidence_needs_a_human_read() -> None:
    unsure = judge("It was fine I guess", learned=lambda _text: Opinion(NEGATIVE, 0.4))
    assert (unsure.label, unsure.source) == (NEEDS_REVIEW, sentiment.FROM_MODEL)
    sure = judge("It was fine I guess", learned=lambda _text: Opinion(NEGATIVE, 0.9))
    assert (sure.label, sure.source) == (NEGATIVE, sentiment.FROM_MODEL)
    fallback = judge("It was great", learned=lambda _text: None)
    assert fallback.source == sentiment.FROM_BASE


def test_chunks_keep_every_character_of_words() -> None:
    text = "word " * 900 + "x" * 2500
    pieces = sentiment.chunks(text)
    assert all(len(p) <= sentiment.CHUNK_CHARS for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
