"""Help Scout webhooks: satisfaction ratings (Great / Okay / Bad + comments) and survey (NPS) responses;
`X-HelpScout-Signature` (base64 HMAC-SHA1 of the body) is checked, the event comes in `X-HelpScout-Event`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain.intake.common import (
    NPS,
    THREE,
    Adapter,
    Delivery,
    Ignored,
    Parsed,
    PayloadInvalid,
    Result,
    b64,
    feedback,
    hmac_digest,
    items,
    number,
    obj,
    optional,
    same,
    text,
    timestamp,
)
from bot.domain.intake.freshdesk import three_point

DOCS = "https://developer.helpscout.com/webhooks/objects/rating"
RATING_EVENT = "satisfaction.ratings"
SURVEY_EVENTS = ("message.survey.response.received",)


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    return same(headers.get("x-helpscout-signature", ""), b64(hmac_digest(secret, body, "sha1")))


def _customer(person: Any, path: str) -> str | None:
    if not isinstance(person, Mapping):
        return None
    emails = [e for e in items(person.get("emails"), f"{path}.emails") if isinstance(e, Mapping)]
    email = next((e["value"] for e in emails if isinstance(e.get("value"), str)), None)
    if email is None and isinstance(person.get("email"), str):
        email = person["email"]
    name = " ".join(p for p in (person.get("firstName"), person.get("lastName")) if isinstance(p, str) and p)
    return email or name or None


def _rating(delivery: Delivery, data: Mapping[str, Any]) -> Result:
    rating_id = text(data, "id", "", required=True)
    ticket = text(data, "ticketId", "")
    mailbox = optional(data.get("mailbox"))
    return Parsed(
        feedback(
            delivery,
            external_id=f"rating-{rating_id}",
            comment=text(data, "comments", ""),
            rating=three_point(text(data, "rating", "", required=True), "rating"),
            scale=THREE,
            customer=_customer(data.get("customer"), "customer"),
            tags=tuple(t for t in (text(mailbox, "name", "mailbox"),) if t),
            received_at=timestamp(data.get("createdAt"), "createdAt"),
            permalink=f"https://secure.helpscout.net/conversation/{ticket}" if ticket else None,
        ),
        upsert=True,
    )


def _survey(delivery: Delivery, data: Mapping[str, Any]) -> Result:
    response = obj(data.get("response"), "response")
    message = optional(data.get("message"))
    embedded = optional(data.get("_embedded"))
    customer = optional(embedded.get("customer"))
    stamp = text(response, "timestamp", "response", required=True)
    who = text(customer, "id", "_embedded.customer") or "anonymous"
    value = response.get("value")
    category = text(response, "category", "response")
    rating = number(value, "response.value") if category else None
    return Parsed(
        feedback(
            delivery,
            external_id=f"survey-{who}-{stamp}",
            comment=text(response, "comment", "response"),
            rating=rating,
            scale=NPS if category else None,
            customer=_customer(customer, "_embedded.customer"),
            tags=tuple(t for t in (category, text(message, "name", "message")) if t),
            received_at=timestamp(stamp, "response.timestamp"),
        )
    )


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    event = delivery.headers.get("x-helpscout-event", "")
    if event == RATING_EVENT or (not event and "rating" in data and "ticketId" in data):
        return _rating(delivery, data)
    if event in SURVEY_EVENTS or (not event and "response" in data):
        return _survey(delivery, data)
    if not event:
        raise PayloadInvalid(
            "X-HelpScout-Event", "No X-HelpScout-Event header and not a rating or survey response."
        )
    return Ignored(f"event {event!r} is not a rating or survey response")


ADAPTER = Adapter("helpscout", parse, verify, THREE, docs=DOCS)
