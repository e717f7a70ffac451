"""App Store customer reviews from Apple's public per-country RSS feed (JSON, no credentials), and the
cursor that makes polling resumable: reviews newer than the last one seen, the first poll capped."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.feedback import FeedbackInput
from bot.domain.intake.common import FIVE, PayloadInvalid, rating_only, timestamp

DOCS = (
    "https://rss.marketingtools.apple.com/ (customer reviews feed: itunes.apple.com/<cc>/rss/customerreviews)"
)
SOURCE = "app-store"
MAX_PAGES = 10  # Apple serves at most 10 pages of 50 reviews


def feed_url(app_id: str, country: str = "us", page: int = 1) -> str:
    if not app_id.isdigit() or not (len(country) == 2 and country.isalpha()) or not 1 <= page <= MAX_PAGES:
        raise PayloadInvalid("app_id", "An App Store app id is digits; a country is two letters; pages 1-10.")
    return (
        f"https://itunes.apple.com/{country.lower()}/rss/customerreviews/"
        f"page={page}/id={app_id}/sortby=mostrecent/json"
    )


@dataclass(frozen=True)
class Review:
    id: str
    author: str | None
    title: str
    text: str
    rating: float | None
    version: str | None
    updated: datetime
    link: str | None


@dataclass(frozen=True)
class Cursor:
    """The newest review seen: its time and every id at that time (several reviews can share a second)."""

    updated: datetime | None = None
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Batch:
    """What a poll found: `new` to post as cards (oldest first), `history` beyond the first poll's
    backfill limit (store without cards; one summary), and the cursor to keep."""

    new: tuple[Review, ...]
    history: tuple[Review, ...]
    cursor: Cursor


def _label(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, Mapping) and isinstance(value.get("label"), str | int):
        return str(value["label"]).strip() or None
    return None


def _link(entry: Mapping[str, Any]) -> str | None:
    links = entry.get("link")
    for link in links if isinstance(links, list) else [links]:
        attributes = link.get("attributes") if isinstance(link, Mapping) else None
        href = attributes.get("href") if isinstance(attributes, Mapping) else None
        if isinstance(href, str) and href.startswith("https://"):
            return href
    return None


def parse_feed(body: bytes | str) -> list[Review]:
    """The reviews of one feed page, newest first; an entry without a rating (app metadata) is skipped."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise PayloadInvalid("body", "The App Store feed is not JSON.") from exc
    feed = data.get("feed") if isinstance(data, Mapping) else None
    if not isinstance(feed, Mapping):
        raise PayloadInvalid("feed", "'feed' must be a JSON object.")
    entries = feed.get("entry", [])
    entries = [entries] if isinstance(entries, Mapping) else entries
    if not isinstance(entries, list):
        raise PayloadInvalid("feed.entry", "'feed.entry' must be a list.")
    reviews = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or _label(entry, "im:rating") is None:
            continue
        review_id, updated = (
            _label(entry, "id"),
            timestamp(_label(entry, "updated"), f"feed.entry[{index}].updated"),
        )
        if review_id is None or updated is None:
            raise PayloadInvalid(f"feed.entry[{index}]", "A review needs an 'id' and an 'updated' time.")
        author = entry.get("author")
        try:
            rating = float(_label(entry, "im:rating") or "")
        except ValueError:
            raise PayloadInvalid(f"feed.entry[{index}].im:rating", "The rating must be a number.") from None
        reviews.append(
            Review(
                id=review_id,
                author=_label(author, "name") if isinstance(author, Mapping) else None,
                title=_label(entry, "title") or "",
                text=_label(entry, "content") or "",
                rating=rating,
                version=_label(entry, "im:version"),
                updated=updated,
                link=_link(entry),
            )
        )
    return sorted(reviews, key=lambda r: (r.updated, r.id), reverse=True)


def select(reviews: Sequence[Review], cursor: Cursor | None, backfill: int) -> Batch:
    """Reviews after the cursor; on the first poll (no cursor) only the newest `backfill` become cards."""
    newest_first = sorted(reviews, key=lambda r: (r.updated, r.id), reverse=True)
    unseen = [
        r
        for r in newest_first
        if cursor is None
        or cursor.updated is None
        or r.updated > cursor.updated
        or (r.updated == cursor.updated and r.id not in cursor.ids)
    ]
    unseen = list({r.id: r for r in reversed(unseen)}.values())[::-1]  # a review once, on page overlaps
    new, history = (unseen[:backfill], unseen[backfill:]) if cursor is None else (unseen, [])
    latest = newest_first[0].updated if newest_first else None
    if cursor is not None and cursor.updated is not None and (latest is None or latest < cursor.updated):
        latest = cursor.updated
    ids = tuple(sorted({r.id for r in newest_first if r.updated == latest}))
    if cursor is not None and latest == cursor.updated:
        ids = tuple(sorted({*ids, *cursor.ids}))
    return Batch(tuple(reversed(new)), tuple(reversed(history)), Cursor(latest, ids))


def to_input(review: Review, source: str = SOURCE, country: str | None = None) -> FeedbackInput:
    text = "\n\n".join(p for p in (review.title, review.text) if p) or rating_only(review.rating, FIVE)
    tags = tuple(t for t in (country, f"v{review.version}" if review.version else None) if t)
    return FeedbackInput(
        source=source,
        external_id=review.id,
        text=text,
        customer=review.author,
        rating=review.rating,
        rating_scale=FIVE,
        tags=tags,
        received_at=review.updated,
        permalink=review.link,
    )


def cursor_to_json(cursor: Cursor) -> dict[str, Any]:
    return {"updated": cursor.updated.isoformat() if cursor.updated else None, "ids": list(cursor.ids)}


def cursor_from_json(data: Mapping[str, Any] | None) -> Cursor | None:
    """A stored cursor; None (first poll) for nothing stored."""
    if not data:
        return None
    ids = data.get("ids")
    return Cursor(
        timestamp(data.get("updated"), "cursor.updated"),
        tuple(str(i) for i in ids) if isinstance(ids, list) else (),
    )
