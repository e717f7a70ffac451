"""Google Play reviews from the Play Console's monthly reviews CSV export (reviews_<package>_<YYYYMM>.csv,
UTF-16): the API needs a service account, the export only a download. Built on csv_columns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

from bot.domain.feedback import FeedbackInput, FeedbackInvalid
from bot.domain.intake import csv_columns
from bot.domain.intake.common import FIVE, rating_only

DOCS = "https://support.google.com/googleplay/android-developer/answer/6135870 (Download reports: reviews)"
SOURCE = "google-play"
COLUMNS = {
    "text": "Review Text",
    "rating": "Star Rating",
    "date": "Review Submit Date and Time",
}
TITLE, LINK, VERSION, LANGUAGE = "Review Title", "Review Link", "App Version Name", "Reviewer Language"


def plan(text: str, source: str = SOURCE) -> csv_columns.Plan:
    """The export's own columns (refused with the columns found if this is not a Play reviews export)."""
    chosen = csv_columns.plan(text, source, COLUMNS)
    return replace(chosen, rating_scale=FIVE)


def _review_id(link: str) -> str | None:
    """reviewId=gp:AOqpTO… from the review's Play Console link."""
    values = parse_qs(urlparse(link).query).get("reviewId")
    return values[0] if values else None


def rows(text: str, chosen: csv_columns.Plan) -> Iterator[tuple[int, FeedbackInput | FeedbackInvalid]]:
    """Each review; a star rating without text becomes "rated 2/5, no comment"; the title leads the text."""
    return csv_columns.rows(text, chosen, convert=review_input)


def review_input(row: Mapping[str, str], chosen: csv_columns.Plan) -> FeedbackInput:
    """One export row: title + text (or the rating alone), the Console link, version and language tags."""
    rating = csv_columns.parse_rating(row.get(COLUMNS["rating"], ""))
    body = (row.get(COLUMNS["text"]) or "").strip()
    title = (row.get(TITLE) or "").strip()
    text = "\n\n".join(p for p in (title, body) if p) or rating_only(rating, FIVE)
    when = csv_columns.parse_date(row.get(COLUMNS["date"], ""))
    link = (row.get(LINK) or "").strip()
    return FeedbackInput(
        source=chosen.default_source,
        external_id=_review_id(link) or csv_columns.stable_id(chosen.default_source, text, when),
        text=text,
        rating=rating,
        rating_scale=FIVE,
        tags=tuple(t for t in ((row.get(VERSION) or "").strip(), (row.get(LANGUAGE) or "").strip()) if t),
        received_at=when,
        permalink=link if link.startswith("https://") else None,
    )
