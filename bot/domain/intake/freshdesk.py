"""Freshdesk satisfaction ratings sent by an automation rule's webhook ("Customer feedback is received").

Freshdesk wraps the placeholders the owner picks in `{"freshdesk_webhook": {...}}`; the documented rule
sends ticket_id, ticket_url, ticket_contact_email, ticket_satisfaction_rating (Great / Okay / Bad, or the
classic Awesome / Just okay / Not good) and ticket_satisfaction_comment. No signature: the source's token.
"""

from __future__ import annotations

import json

from bot.domain.intake.common import (
    THREE,
    Adapter,
    Delivery,
    Parsed,
    PayloadInvalid,
    Result,
    feedback,
    obj,
    text,
)

DOCS = "https://support.freshdesk.com/support/solutions/articles/132589-using-webhooks-in-automation-rules"
LABELS = {
    "great": 3.0, "awesome": 3.0, "extremely happy": 3.0, "happy": 3.0, "good": 3.0,
    "okay": 2.0, "ok": 2.0, "just okay": 2.0, "neutral": 2.0,
    "bad": 1.0, "not good": 1.0, "unhappy": 1.0, "extremely unhappy": 1.0,
}  # fmt: skip


def three_point(value: str | None, where: str) -> float:
    """Great / Okay / Bad (and their synonyms) as 3 / 2 / 1."""
    rating = LABELS.get((value or "").strip().lower())
    if rating is None:
        raise PayloadInvalid(where, f"'{where}' must be one of Great, Okay, Bad (got {value!r}).")
    return rating


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    path = ""
    if "freshdesk_webhook" in data:
        data, path = obj(data["freshdesk_webhook"], "freshdesk_webhook"), "freshdesk_webhook"
    ticket = text(data, "ticket_id", path, required=True)
    where = f"{path}.ticket_satisfaction_rating".lstrip(".")
    rating = three_point(text(data, "ticket_satisfaction_rating", path, required=True), where)
    return Parsed(
        feedback(
            delivery,
            external_id=f"ticket-{ticket}",
            comment=text(data, "ticket_satisfaction_comment", path),
            rating=rating,
            scale=THREE,
            customer=text(data, "ticket_contact_email", path) or text(data, "ticket_contact_name", path),
            permalink=text(data, "ticket_url", path),
        ),
        upsert=True,
    )


ADAPTER = Adapter("freshdesk", parse, None, THREE, docs=DOCS)
