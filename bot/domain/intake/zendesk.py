"""Zendesk satisfaction ratings (good/bad + comment), from a trigger's webhook or a satisfaction_rating
object; `X-Zendesk-Webhook-Signature` (base64 HMAC-SHA256 of timestamp + body) is checked.

A Zendesk trigger's body is written by the owner; the documented template uses these placeholders:
{"ticket_id": "{{ticket.id}}", "rating": "{{satisfaction.current_rating}}",
 "comment": "{{satisfaction.current_comment}}", "requester": "{{ticket.requester.email}}",
 "url": "{{ticket.link}}"}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from bot.domain.intake.common import (
    GOOD_BAD,
    Adapter,
    Delivery,
    Ignored,
    Parsed,
    PayloadInvalid,
    Result,
    b64,
    feedback,
    hmac_digest,
    obj,
    same,
    text,
    timestamp,
)

DOCS = "https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/"


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    stamp = headers.get("x-zendesk-webhook-signature-timestamp", "")
    expected = b64(hmac_digest(secret, stamp.encode() + body))
    return bool(stamp) and same(headers.get("x-zendesk-webhook-signature", ""), expected)


def _score(value: str | None) -> float | None:
    """ "good", "Good, I'm satisfied" -> 1; "bad", "Bad, I'm unsatisfied" -> 0; offered/unoffered -> None."""
    word = (value or "").strip().lower()
    if word.startswith("good"):
        return 1.0
    if word.startswith("bad"):
        return 0.0
    return None


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    path = ""
    if isinstance(data.get("satisfaction_rating"), Mapping):
        data, path = data["satisfaction_rating"], "satisfaction_rating"
    raw = text(data, "score", path) or text(data, "rating", path)
    rating = _score(raw)
    if rating is None:
        if raw is None:
            raise PayloadInvalid(f"{path}.rating".lstrip("."), "'rating' (good or bad) is required.")
        return Ignored(f"satisfaction {raw!r} is not a rating yet")
    ticket = text(data, "ticket_id", path, required=True)
    rating_id = text(data, "id", path)
    link = text(data, "url", path)
    if link and "/api/v2/" in link:  # the API url of the rating is no place for a person to go
        link = None
    return Parsed(
        feedback(
            delivery,
            external_id=f"satisfaction-{rating_id}" if rating_id else f"ticket-{ticket}",
            comment=text(data, "comment", path),
            rating=rating,
            scale=GOOD_BAD,
            customer=text(data, "requester", path),
            tags=tuple(t for t in (text(data, "reason", path),) if t),
            received_at=timestamp(data.get("created_at"), f"{path}.created_at".lstrip(".")),
            permalink=link,
        ),
        upsert=True,
    )


ADAPTER = Adapter("zendesk", parse, verify, GOOD_BAD, signature_optional=True, docs=DOCS)
