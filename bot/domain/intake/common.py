"""What every intake adapter shares: the delivery it reads, its result, field errors and small readers."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.domain.errors import FieldError
from bot.domain.feedback import FeedbackInput

# Rating scales as FeedbackInput.rating_scale names them.
NPS = "0-10"
FIVE = "1-5"
SEVEN = "1-7"
GOOD_BAD = "good-bad"  # good = 1, bad = 0
THREE = "great-okay-bad"  # great = 3, okay = 2, bad = 1
THUMBS = "thumbs"  # up = 1, down = 0


class PayloadInvalid(FieldError):
    """The vendor's payload lacks a field or has one of the wrong type; `field` is its dotted path."""


@dataclass(frozen=True)
class Delivery:
    """One request as a vendor sent it: raw body, lower-case headers, and the receiving source's settings."""

    body: bytes
    headers: Mapping[str, str]
    source: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """Feedback to store. `upsert`: a later delivery for the same external id replaces text and rating."""

    input: FeedbackInput
    upsert: bool = False


@dataclass(frozen=True)
class Ignored:
    """A genuine delivery that is not feedback (another event type): acknowledged, not stored."""

    reason: str


Result = Parsed | Ignored
Verify = Callable[[str, Mapping[str, str], bytes, datetime], bool]


@dataclass(frozen=True)
class Adapter:
    """A vendor: how to read its payload, how to check its signature (None: it has none), its usual scale.

    `signature_optional`: the vendor signs only when the owner enabled it; unsigned deliveries then need
    the source's bearer token instead."""

    kind: str
    parse: Callable[[Delivery], Result]
    verify: Verify | None = None
    scale: str | None = None
    signature_optional: bool = False
    docs: str = ""


def obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadInvalid(path or "body", f"'{path or 'body'}' must be a JSON object.")
    return value


def optional(value: Any) -> Mapping[str, Any]:
    """A nested object the adapter can do without: the object, or an empty one."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadInvalid(path, f"'{path}' must be a list.")
    return value


def text(data: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str | None:
    """A string field (numbers are accepted as their text); blank counts as missing."""
    value = data.get(key)
    where = f"{path}.{key}" if path else key
    if isinstance(value, bool) or (value is not None and not isinstance(value, str | int | float)):
        raise PayloadInvalid(where, f"'{where}' must be a string.")
    value = str(value).strip() if value is not None else ""
    if not value:
        if required:
            raise PayloadInvalid(where, f"'{where}' is required.")
        return None
    return value


def number(value: Any, where: str) -> float | None:
    """A rating as a number; numeric strings ("9") are accepted, blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise PayloadInvalid(where, f"'{where}' must be a number.")
    try:
        result = float(value)
    except (TypeError, ValueError) as exc:
        raise PayloadInvalid(where, f"'{where}' must be a number.") from exc
    if result != result or not -1e6 < result < 1e6:
        raise PayloadInvalid(where, f"'{where}' is out of range.")
    return result


def timestamp(value: Any, where: str) -> datetime | None:
    """ISO 8601 text, unix seconds, or Delighted/Stripe-style integer epochs, as an aware UTC datetime."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str):
            cleaned = value.strip().replace("Z", "+00:00")
            if cleaned.isdigit():
                return datetime.fromtimestamp(int(cleaned), UTC)
            parsed = datetime.fromisoformat(cleaned)
            return parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise PayloadInvalid(where, f"'{where}' must be an ISO 8601 time or unix seconds.")


def scale_text(rating: float, scale: str | None) -> str:
    """How a rating reads in a sentence: "2/10", "4/5", "good", "great"."""
    shown = f"{rating:g}"
    if scale in (NPS, FIVE, SEVEN):
        return f"{shown}/{scale.split('-')[1]}"
    if scale == GOOD_BAD:
        return "good" if rating >= 1 else "bad"
    if scale == THREE:
        return {3: "great", 2: "okay"}.get(int(rating), "bad")
    if scale == THUMBS:
        return "thumbs up" if rating >= 1 else "thumbs down"
    return shown


def rating_only(rating: float | None, scale: str | None, what: str = "rated") -> str:
    """The card text for a rating that came without a comment: "rated 2/10, no comment"."""
    if rating is None:
        return f"{what}, no comment"
    return f"{what} {scale_text(rating, scale)}, no comment"


def feedback(
    delivery: Delivery,
    *,
    external_id: str,
    comment: str | None,
    rating: float | None,
    scale: str | None,
    customer: str | None = None,
    tags: tuple[str, ...] = (),
    received_at: datetime | None = None,
    permalink: str | None = None,
    subject: str | None = None,
) -> FeedbackInput:
    """A FeedbackInput with the source's overrides applied and a rating-only text when there is no comment."""
    scale = str(delivery.options.get("rating_scale") or scale or "") or None
    body = (comment or "").strip()
    if subject and body:
        body = f"{subject.strip()}\n\n{body}"
    elif subject:
        body = subject.strip()
    if not body:
        body = rating_only(rating, scale)
    extra = delivery.options.get("tags") or ()
    if isinstance(extra, str | bytes) or not isinstance(extra, list | tuple):
        extra = ()
    return FeedbackInput(
        source=delivery.source,
        external_id=_clean(external_id),
        text=_clean(body),
        customer=_clean(customer) if customer else None,
        rating=rating,
        rating_scale=scale,
        tags=tuple(_clean(t)[:64] for t in (*tags, *extra) if isinstance(t, str) and t.strip())[:20],
        received_at=received_at,
        permalink=_clean(permalink)[:1024] if permalink and _link(permalink) else None,
    )


def _link(value: str | None) -> bool:
    """Only plain http(s) URLs become the card's link; anything that could break Slack's <url|label>."""
    return (
        bool(value)
        and str(value).startswith(("https://", "http://"))
        and not any(c in str(value) for c in "<>| \n\t")
    )


def _clean(value: str) -> str:
    """JSON may carry lone surrogates and NULs that no database stores: replace and drop them."""
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def hmac_digest(secret: str, message: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(secret.encode(), message, getattr(hashlib, algorithm)).digest()


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of two signature strings."""
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()
