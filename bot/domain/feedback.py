"""Customer feedback: what arrives (FeedbackInput) and the rules every input must pass before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import UserFacingError

MAX_TEXT = 40_000


class FeedbackInvalid(UserFacingError):
    """The feedback cannot be accepted as given (empty text, no channel to route to, …)."""


class RuleInvalid(FeedbackInvalid):
    """A routing rule cannot be saved; `field` (kind, pattern or channel) says which input is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class FeedbackInput:
    source: str
    external_id: str
    text: str
    customer: str | None = None
    rating: float | None = None
    tags: tuple[str, ...] = ()
    received_at: datetime | None = None
    permalink: str | None = None
    # The vendor's rating scale ("1-5", "0-10", "good-bad", "thumbs"); None: the source's declared one.
    rating_scale: str | None = None


def validate_input(data: FeedbackInput) -> FeedbackInput:
    """Normalise an input, raising FeedbackInvalid for anything that cannot be stored."""
    # PostgreSQL text cannot hold NUL characters; they carry nothing a person wrote.
    text = (data.text or "").replace("\x00", "").strip()
    if not text:
        raise FeedbackInvalid("Feedback needs some text.")
    if len(text) > MAX_TEXT:
        raise FeedbackInvalid(f"Feedback text is longer than {MAX_TEXT} characters.")
    source = (data.source or "").strip()
    external_id = (data.external_id or "").strip()
    if "\x00" in source + external_id:
        raise FeedbackInvalid("Feedback source and id cannot contain NUL characters.")
    if not source or len(source) > 64:
        raise FeedbackInvalid("Feedback needs a source name of at most 64 characters.")
    if not external_id or len(external_id) > 255:
        raise FeedbackInvalid("Feedback needs an id of at most 255 characters.")
    if data.rating is not None and not -1e6 < data.rating < 1e6:
        raise FeedbackInvalid("The rating is out of range.")
    tags = tuple(dict.fromkeys(t.strip().lower() for t in data.tags if t and t.strip()))
    customer = (data.customer or "").replace("\x00", "").strip()[:255] or None
    return FeedbackInput(
        source=source,
        external_id=external_id,
        text=text,
        customer=customer,
        rating=data.rating,
        tags=tags,
        received_at=data.received_at,
        permalink=data.permalink,
        rating_scale=data.rating_scale,
    )
