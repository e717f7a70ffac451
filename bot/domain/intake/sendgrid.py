"""SendGrid Inbound Parse webhooks (multipart/form-data: from, subject, text, headers, …): subject + the
reply text, quoted history and signature stripped; authenticated by the source's token (basic auth in URL)."""

from __future__ import annotations

import hashlib
import re
from email.parser import BytesParser
from email.policy import HTTP

from bot.domain.intake.common import Adapter, Delivery, Parsed, PayloadInvalid, Result, feedback
from bot.domain.intake.email_text import address, strip_reply

DOCS = (
    "https://www.twilio.com/docs/sendgrid/for-developers/parsing-email/setting-up-the-inbound-parse-webhook"
)


def form_fields(body: bytes, content_type: str) -> dict[str, str]:
    """The text fields of a multipart/form-data body (file parts are skipped)."""
    if "multipart/form-data" not in content_type.lower() or "boundary=" not in content_type:
        raise PayloadInvalid(
            "Content-Type", "Expected multipart/form-data as SendGrid Inbound Parse sends it."
        )
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise PayloadInvalid("body", "The form has no parts.")
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


def parse(delivery: Delivery) -> Result:
    fields = form_fields(delivery.body, delivery.headers.get("content-type", ""))
    sender = fields.get("from", "").strip()
    if not sender:
        raise PayloadInvalid("from", "'from' is required.")
    subject = fields.get("subject", "").strip() or None
    body = strip_reply(fields.get("text", ""))
    if not body and not subject:
        raise PayloadInvalid("text", "The email has neither text nor a subject.")
    found = re.search(r"^Message-ID:\s*(\S+)", fields.get("headers", ""), re.IGNORECASE | re.MULTILINE)
    external_id = (
        found.group(1)
        if found
        else hashlib.sha256("\x1f".join((sender, subject or "", body)).encode()).hexdigest()
    )
    return Parsed(
        feedback(
            delivery,
            external_id=external_id[:255],
            comment=body,
            subject=subject,
            rating=None,
            scale=None,
            customer=address(sender),
            tags=("email",),
        )
    )


ADAPTER = Adapter("sendgrid", parse, None, None, docs=DOCS)
