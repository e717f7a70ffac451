"""Postmark inbound email webhooks (JSON): subject + the reply text, quoted history and signature stripped;
Postmark authenticates with basic auth in the webhook URL, checked as the source's token."""

from __future__ import annotations

import json

from bot.domain.intake.common import (
    Adapter,
    Delivery,
    Parsed,
    PayloadInvalid,
    Result,
    feedback,
    obj,
    optional,
    text,
)
from bot.domain.intake.email_text import address, strip_reply

DOCS = "https://postmarkapp.com/developer/webhooks/inbound-webhook"


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    message_id = text(data, "MessageID", "", required=True)
    reply = text(data, "StrippedTextReply", "") or text(data, "TextBody", "") or ""
    body = strip_reply(reply)
    subject = text(data, "Subject", "")
    if not body and not subject:
        raise PayloadInvalid("TextBody", "The email has neither text nor a subject.")
    sender = optional(data.get("FromFull"))
    customer = text(sender, "Email", "FromFull") or address(text(data, "From", ""))
    tag = text(data, "Tag", "")
    return Parsed(
        feedback(
            delivery,
            external_id=message_id or "",
            comment=body,
            subject=subject,
            rating=None,
            scale=None,
            customer=customer,
            tags=tuple(t for t in ("email", tag) if t),
        )
    )


ADAPTER = Adapter("postmark", parse, None, None, docs=DOCS)
