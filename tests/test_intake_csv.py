"""Any spreadsheet as feedback (pure): no id column, columns guessed and reported, Excel dialects, per-row
source, unguessable columns refused with the list; the Google Play export and the App Store feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.errors import FieldError
from bot.domain.feedback import FeedbackInput, FeedbackInvalid
from bot.domain.intake import app_store, csv_columns, google_play
from bot.domain.intake.csv_columns import ColumnsUnknown

FIXTURES = Path(__file__).parent / "fixtures" / "intake"
SHOP_EXPORT = (
    "Date,Review,Stars,Email,Source,Tags\n"
    '2026-11-28,"Loved the fast delivery, thanks!",5,ann@example.com,,"delivery, praise"\n'
    '2026-11-29,"The parcel arrived damaged; nobody called back.",1,bob@example.com,phone,\n'
    "2026-11-30,Great staff,4,,,\n"
)


def inputs(text: str, source: str = "shop") -> list[FeedbackInput]:
    chosen = csv_columns.plan(text, source)
    items = [item for _, item in csv_columns.rows(text, chosen)]
    assert all(isinstance(i, FeedbackInput) for i in items), items
    return [i for i in items if isinstance(i, FeedbackInput)]


def test_a_file_without_an_id_column_gets_stable_ids_so_a_reimport_matches_every_row() -> None:
    first, again = inputs(SHOP_EXPORT), inputs(SHOP_EXPORT)
    assert len(first) == 3
    assert [i.external_id for i in first] == [i.external_id for i in again]
    assert len({i.external_id for i in first}) == 3
    edited = inputs(SHOP_EXPORT.replace("Great staff", "Great staff!"))
    assert edited[2].external_id != first[2].external_id and edited[0].external_id == first[0].external_id


def test_columns_are_guessed_and_reported_before_importing() -> None:
    chosen = csv_columns.plan(SHOP_EXPORT, "shop")
    assert chosen.describe() == (
        "using column 'Review' as text, 'Stars' as a 1-5 rating, 'Email' as customer, 'Date' as date, "
        "'Tags' as tags, 'Source' as each row's source (blank: 'shop'), "
        "no id column: each row's id is a hash of its source, text and date"
    )
    first, second, _ = inputs(SHOP_EXPORT)
    assert (first.text, first.rating, first.rating_scale, first.customer) == (
        "Loved the fast delivery, thanks!", 5.0, "1-5", "ann@example.com",
    )  # fmt: skip
    assert first.tags == ("delivery", "praise") and first.received_at == datetime(2026, 11, 28, tzinfo=UTC)
    assert (first.source, second.source) == ("shop", "phone")


def test_an_excel_export_with_bom_semicolons_quotes_and_decimal_commas_parses() -> None:
    excel = (
        "\ufeffKommentar;Bewertung;Kunde;Datum\r\n"
        '"Sehr gut; schnelle Lieferung";"4,5";"Müller, Anna";30.11.2026\r\n'
        '"Er sagte ""nie wieder""";1;Bauer;29.11.2026 14:05\r\n'
    ).encode("utf-8")
    text = csv_columns.decode(b"\xef\xbb\xbf" + excel)
    chosen = csv_columns.plan(
        text, "shop", {"text": "Kommentar", "rating": "Bewertung", "customer": "Kunde", "date": "Datum"}
    )
    assert chosen.delimiter == ";"
    first, second = [i for _, i in csv_columns.rows(text, chosen)]
    assert isinstance(first, FeedbackInput) and isinstance(second, FeedbackInput)
    assert (first.text, first.rating, first.customer) == ("Sehr gut; schnelle Lieferung", 4.5, "Müller, Anna")
    assert second.text == 'Er sagte "nie wieder"'
    assert second.received_at == datetime(2026, 11, 29, 14, 5, tzinfo=UTC)


def test_a_semicolon_file_with_a_bom_and_english_headers_needs_no_mapping() -> None:
    text = csv_columns.decode('\ufeffcomment;score\n"Slow; and rude";2\n'.encode("utf-8-sig"))
    [item] = inputs(text)
    assert (item.text, item.rating, item.rating_scale) == ("Slow; and rude", 2.0, "1-5")


def test_columns_that_cannot_be_guessed_are_refused_with_the_columns_found_and_the_options() -> None:
    with pytest.raises(ColumnsUnknown) as refused:
        csv_columns.plan("Spalte A,Spalte B\nx,y\n", "shop")
    assert refused.value.field == "columns"
    assert refused.value.found == ("Spalte A", "Spalte B")
    assert "'Spalte A', 'Spalte B'" in refused.value.message and "text=<column>" in refused.value.message
    [item] = inputs_with("Spalte A,Spalte B\nslow service,3\n", {"text": "Spalte A", "rating": "Spalte B"})
    assert item.text == "slow service" and item.rating == 3.0
    with pytest.raises(FieldError) as wrong:
        csv_columns.plan("a,b\n1,2\n", "shop", {"text": "c"})
    assert wrong.value.field == "text" and "'a', 'b'" in wrong.value.message


def inputs_with(text: str, overrides: dict[str, str]) -> list[FeedbackInput | FeedbackInvalid]:
    return [i for _, i in csv_columns.rows(text, csv_columns.plan(text, "shop", overrides))]


def test_bad_rows_are_reported_with_their_line_and_the_rest_still_read() -> None:
    text = "text,rating,date\nok,4,2026-11-30\n,3,\nfine,lots,\nalso fine,2,yesterday\n"
    chosen = csv_columns.plan(text, "shop")
    result = list(csv_columns.rows(text, chosen))
    assert [line for line, _ in result] == [2, 3, 4, 5]
    assert isinstance(result[0][1], FeedbackInput)
    assert [str(item) for _, item in result[1:]] == [
        "column 'text' is empty", "rating 'lots' is not a number",
        "date 'yesterday' is not a date (use ISO 8601, e.g. 2026-11-30 14:05)",
    ]  # fmt: skip


def test_an_nps_column_is_read_on_the_0_10_scale() -> None:
    [item] = inputs("NPS score,Feedback\n3,too pricey\n")
    assert (item.rating, item.rating_scale, item.text) == (3.0, "0-10", "too pricey")


def google_play_export() -> str:
    header = ",".join(
        [
            "Package Name",
            "App Version Code",
            "App Version Name",
            "Reviewer Language",
            "Device",
            "Review Submit Date and Time",
            "Review Submit Millis Since Epoch",
            "Review Last Update Date and Time",
            "Review Last Update Millis Since Epoch",
            "Star Rating",
            "Review Title",
            "Review Text",
            "Developer Reply Date and Time",
            "Developer Reply Millis Since Epoch",
            "Developer Reply Text",
            "Review Link",
        ]  # fmt: skip
    )
    link = (
        "https://play.google.com/console/developers/1/app/2/user-feedback/review-details?reviewId=gp:AOqpTOE1"
    )
    rows = [
        f"com.acme.app,42,4.2.0,en,pixel7,2026-11-30T10:15:22Z,1764497722000,2026-11-30T10:15:22Z,"
        f'1764497722000,2,,"Keeps logging me out, very annoying",,,,{link}',
        "com.acme.app,42,4.2.0,de,a52,2026-11-29T08:00:00Z,1764403200000,2026-11-29T08:00:00Z,"
        "1764403200000,5,,,,,,",
    ]
    return "\n".join([header, *rows]) + "\n"


def test_the_google_play_export_in_utf16_reads_reviews_and_star_only_ratings() -> None:
    text = csv_columns.decode(google_play_export().encode("utf-16"))
    chosen = google_play.plan(text)
    first, second = [item for _, item in google_play.rows(text, chosen)]
    assert isinstance(first, FeedbackInput) and isinstance(second, FeedbackInput)
    assert (first.text, first.rating, first.rating_scale) == (
        "Keeps logging me out, very annoying",
        2.0,
        "1-5",
    )
    assert first.external_id == "gp:AOqpTOE1" and first.permalink and first.tags == ("4.2.0", "en")
    assert second.text == "rated 5/5, no comment" and second.external_id.startswith("csv-")
    with pytest.raises(FieldError):
        google_play.plan("Date,Comment\n2026-11-30,hi\n")


def test_the_app_store_feed_parses_and_the_cursor_resumes_where_it_stopped() -> None:
    reviews = app_store.parse_feed((FIXTURES / "app_store.json").read_bytes())
    assert [r.id for r in reviews] == ["11223344556", "11223344555"]
    first = reviews[0]
    assert (first.rating, first.author, first.version) == (1.0, "sadpanda", "3.2.1")
    assert first.updated == datetime(2026, 11, 30, 15, 15, tzinfo=UTC)
    item = app_store.to_input(first, country="us")
    assert item.text == "Crashes on launch\n\nSince the update the app crashes every time I open it."
    assert (item.rating_scale, item.tags, item.external_id) == ("1-5", ("us", "v3.2.1"), "11223344556")
    opening = app_store.select(reviews, None, backfill=1)  # first poll: only the newest is a card
    assert [r.id for r in opening.new] == ["11223344556"] and [r.id for r in opening.history] == [
        "11223344555"
    ]
    assert app_store.select(reviews, opening.cursor, backfill=1).new == ()  # a restart posts nothing again
    later = app_store.Review("11223344557", "x", "", "", 3.0, None, datetime(2026, 12, 1, tzinfo=UTC), None)
    resumed = app_store.select([later, *reviews], opening.cursor, backfill=1)
    assert [r.id for r in resumed.new] == ["11223344557"] and resumed.history == ()
    assert app_store.to_input(later).text == "rated 3/5, no comment"


BAD_RATING = {"im:rating": {"label": "x"}, "id": {"label": "1"}, "updated": {"label": "2026-11-30T00:00:00Z"}}
NO_TIME = {"im:rating": {"label": "4"}, "id": {"label": "1"}}


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b'{"feed": 3}', b'{"feed": {"entry": 3}}']
    + [json.dumps({"feed": {"entry": [entry]}}).encode() for entry in (BAD_RATING, NO_TIME)],
)
def test_a_broken_feed_names_the_field(body: bytes) -> None:
    with pytest.raises(app_store.PayloadInvalid):
        app_store.parse_feed(body)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('ab,;"\t\n\r\x00 é★5-:/|')), max_size=200))
def test_any_text_is_planned_or_refused_with_a_field_error_and_rows_never_raise(text: str) -> None:
    try:
        chosen = csv_columns.plan(text, "shop")
    except FieldError as refused:
        assert refused.field and refused.message
        return
    for line, item in csv_columns.rows(text, chosen):
        assert line >= 1 and isinstance(item, FeedbackInput | FeedbackInvalid)
