"""Delighted `survey_response.created` / `.updated` webhooks: one item per response id, the update (which
often carries the comment) replaces it; the scale follows `survey_type`; `X-Delighted-Webhook-Signature`."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from bot.domain.intake.common import (
    FIVE,
    NPS,
    SEVEN,
    THUMBS,
    Adapter,
    Delivery,
    Ignored,
    Parsed,
    Result,
    feedback,
    items,
    number,
    obj,
    optional,
    same,
    text,
    timestamp,
)

DOCS = "https://app.delighted.com/docs/api/webhooks"
EVENTS = ("survey_response.created", "survey_response.updated")
# survey_type -> scale; Delighted's CES 2.0 is 1-7, its smileys/5-star/CSAT 1-5, thumbs 0/1.
SCALES = {
    "nps": NPS,
    "enps": NPS,
    "csat": FIVE,
    "smileys": FIVE,
    "5-star": FIVE,
    "ces": SEVEN,
    "thumbs": THUMBS,
}


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    """`X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with the API key."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return same(headers.get("x-delighted-webhook-signature", ""), expected)


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    if data.get("event_type") not in EVENTS:
        return Ignored(f"event_type {data.get('event_type')!r} is not a survey response")
    response = obj(data.get("event_data"), "event_data")
    response_id = text(response, "id", "event_data", required=True)
    survey_type = text(response, "survey_type", "event_data") or "nps"
    person = optional(response.get("person"))
    customer = text(person, "email", "event_data.person") or text(person, "name", "event_data.person")
    tags = tuple(t for t in items(response.get("tags"), "event_data.tags") if isinstance(t, str))
    return Parsed(
        feedback(
            delivery,
            external_id=response_id or "",
            comment=text(response, "comment", "event_data"),
            rating=number(response.get("score"), "event_data.score"),
            scale=SCALES.get(survey_type, NPS),
            customer=customer,
            tags=(survey_type, *tags),
            received_at=timestamp(response.get("created_at"), "event_data.created_at"),
            permalink=text(response, "permalink", "event_data"),
        ),
        upsert=True,
    )


ADAPTER = Adapter("delighted", parse, verify, NPS, docs=DOCS)
