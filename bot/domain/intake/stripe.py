"""Stripe subscription cancellations: `customer.subscription.deleted` (and `.updated` once a cancellation is
scheduled) with `cancellation_details.feedback` + `comment`; `Stripe-Signature` (t=, v1=) within 5 minutes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from bot.domain.intake.common import (
    Adapter,
    Delivery,
    Ignored,
    Parsed,
    Result,
    feedback,
    obj,
    optional,
    text,
    timestamp,
)

DOCS = "https://docs.stripe.com/webhooks#verify-manually"
TOLERANCE_SECONDS = 300
REASONS = {
    "customer_service": "customer service was less than expected",
    "low_quality": "quality was less than expected",
    "missing_features": "some features are missing",
    "other": "other reason",
    "switched_service": "switched to a different service",
    "too_complex": "ease of use was less than expected",
    "too_expensive": "it's too expensive",
    "unused": "doesn't use the service enough",
}


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    """Any v1 signature of `{t}.{body}` matches and t is within the tolerance (Stripe's manual check)."""
    parts = [p.split("=", 1) for p in headers.get("stripe-signature", "").split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    signatures = [v.strip() for k, v in parts if k.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        return False
    if abs(now.timestamp() - int(stamps[0])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), stamps[0].strip().encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(s.encode(), expected.encode()) for s in signatures)


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    event_type = data.get("type")
    if event_type not in ("customer.subscription.deleted", "customer.subscription.updated"):
        return Ignored(f"type {event_type!r} is not a subscription cancellation")
    sub = obj(obj(data.get("data"), "data").get("object"), "data.object")
    sub_id = text(sub, "id", "data.object", required=True)
    details = optional(sub.get("cancellation_details"))
    reason_code = text(details, "feedback", "data.object.cancellation_details")
    comment = text(details, "comment", "data.object.cancellation_details")
    why = text(details, "reason", "data.object.cancellation_details")
    scheduled = event_type.endswith(".updated") and sub.get("cancel_at_period_end") is True
    if event_type.endswith(".updated") and not scheduled:
        return Ignored("subscription updated without a cancellation")
    if why in ("payment_failed", "payment_disputed") and not (reason_code or comment):
        return Ignored(f"cancelled for {why}, not by the customer")
    said = REASONS.get(reason_code or "", reason_code)
    body = "Cancelled the subscription" + (f": {said}" if said else ", no reason given")
    if comment:
        body += f"\n\n{comment}"
    customer = sub.get("customer")
    return Parsed(
        feedback(
            delivery,
            external_id=f"cancel-{sub_id}",
            comment=body,
            rating=None,
            scale=None,
            customer=customer if isinstance(customer, str) else None,
            tags=tuple(t for t in ("cancellation", reason_code) if t),
            received_at=timestamp(sub.get("canceled_at") or data.get("created"), "data.object.canceled_at"),
            permalink=f"https://dashboard.stripe.com/subscriptions/{sub_id}",
        ),
        upsert=True,
    )


ADAPTER = Adapter("stripe", parse, verify, None, docs=DOCS)
