"""Intercom `conversation.rating.added` webhooks: the conversation's rating (1-5) and remark;
`X-Hub-Signature` (sha1= hex HMAC-SHA1 of the body, keyed with the app's client secret) is checked."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from bot.domain.intake.common import (
    FIVE,
    Adapter,
    Delivery,
    Ignored,
    Parsed,
    Result,
    feedback,
    number,
    obj,
    optional,
    same,
    text,
    timestamp,
)

DOCS = "https://developers.intercom.com/docs/references/rest-api/api.intercom.io/conversations/conversation"
TOPICS = ("conversation.rating.added",)


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    expected = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return same(headers.get("x-hub-signature", ""), expected)


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    if data.get("type") == "notification_event" and data.get("topic") == "ping":
        return Ignored("ping")
    if data.get("topic") not in TOPICS:
        return Ignored(f"topic {data.get('topic')!r} is not a conversation rating")
    item = obj(obj(data.get("data"), "data").get("item"), "data.item")
    conversation_id = text(item, "id", "data.item", required=True)
    rating = obj(item.get("conversation_rating"), "data.item.conversation_rating")
    score = number(rating.get("rating"), "data.item.conversation_rating.rating")
    source = optional(item.get("source"))
    author = optional(source.get("author"))
    customer = text(author, "email", "data.item.source.author") or text(
        author, "name", "data.item.source.author"
    )
    app = text(data, "app_id", "")
    return Parsed(
        feedback(
            delivery,
            external_id=f"conversation-{conversation_id}",
            comment=text(rating, "remark", "data.item.conversation_rating"),
            rating=score,
            scale=FIVE,
            customer=customer,
            received_at=timestamp(
                rating.get("created_at") or data.get("created_at"), "data.item.conversation_rating.created_at"
            ),
            permalink=(
                f"https://app.intercom.com/a/apps/{app}/inbox/inbox/conversation/{conversation_id}"
                if app
                else None
            ),
        ),
        upsert=True,
    )


ADAPTER = Adapter("intercom", parse, verify, FIVE, docs=DOCS)
