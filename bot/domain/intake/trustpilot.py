"""Trustpilot service-review webhooks (`service-review-created`, stars 1-5, `referenceId` names the order or
customer); Trustpilot does not sign them, so the source's token authenticates."""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot.domain.intake.common import (
    FIVE,
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
    text,
    timestamp,
)

DOCS = "https://support.trustpilot.com/hc/en-us/articles/115015822068"
EVENTS = ("service-review-created", "service-review-updated")


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    events = items(data.get("events"), "events")
    review = next(
        (obj(e, "events[]") for e in events if isinstance(e, Mapping) and e.get("eventName") in EVENTS), None
    )
    if review is None:
        names = [e.get("eventName") for e in events if isinstance(e, Mapping)]
        return Ignored(f"events {names!r} hold no service review")
    event = obj(review.get("eventData"), "events[].eventData")
    review_id = text(event, "id", "events[].eventData", required=True)
    consumer = optional(event.get("consumer"))
    reference = text(event, "referenceId", "events[].eventData")
    tags = [
        t["value"] for t in items(event.get("tags"), "events[].eventData.tags")
        if isinstance(t, Mapping) and isinstance(t.get("value"), str)
    ]  # fmt: skip
    return Parsed(
        feedback(
            delivery,
            external_id=review_id or "",
            comment=text(event, "text", "events[].eventData"),
            subject=text(event, "title", "events[].eventData"),
            rating=number(event.get("stars"), "events[].eventData.stars"),
            scale=FIVE,
            customer=reference or text(consumer, "name", "events[].eventData.consumer"),
            tags=tuple(tags),
            received_at=timestamp(event.get("createdAt"), "events[].eventData.createdAt"),
            permalink=f"https://www.trustpilot.com/reviews/{review_id}",
        ),
        upsert=True,
    )


ADAPTER = Adapter("trustpilot", parse, None, FIVE, docs=DOCS)
