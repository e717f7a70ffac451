"""Tally `FORM_RESPONSE` webhooks (`data.fields[]`); `Tally-Signature` is checked when the owner set one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain.intake.common import (
    FIVE,
    NPS,
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
    same,
    text,
    timestamp,
)

DOCS = "https://tally.so/help/webhooks"
COMMENT_TYPES = ("TEXTAREA", "INPUT_TEXT")
RATING_TYPES = ("RATING", "LINEAR_SCALE", "INPUT_NUMBER")


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    """`Tally-Signature: <base64 HMAC-SHA256 of the payload>` (present only when a signing secret is set)."""
    given = headers.get("tally-signature", "")
    return bool(given) and same(given, b64(hmac_digest(secret, body)))


def _pick(fields: list[Mapping[str, Any]], wanted: Any, types: tuple[str, ...]) -> Mapping[str, Any] | None:
    for kind in types if not wanted else ("",):
        for f in fields:
            if (wanted and wanted in (f.get("key"), f.get("label"))) or (
                not wanted and f.get("type") == kind
            ):
                return f
    return None


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    if data.get("eventType") != "FORM_RESPONSE":
        return Ignored(f"eventType {data.get('eventType')!r} is not a form response")
    body = obj(data.get("data"), "data")
    response_id = text(body, "responseId", "data", required=True)
    fields = [obj(f, f"data.fields[{i}]") for i, f in enumerate(items(body.get("fields"), "data.fields"))]
    comment_field = _pick(fields, delivery.options.get("comment_field"), COMMENT_TYPES)
    rating_field = _pick(fields, delivery.options.get("rating_field"), RATING_TYPES)
    comment = text(comment_field, "value", "data.fields[].value") if comment_field else None
    rating = number(rating_field.get("value"), "data.fields[].value") if rating_field else None
    if comment is None and rating is None and comment_field is None and rating_field is None:
        raise PayloadInvalid(
            "data.fields",
            "No text or rating field in this response (set the source's comment_field or rating_field).",
        )
    scale = FIVE if rating_field is not None and rating_field.get("type") == "RATING" else NPS
    email = next(
        (
            f.get("value")
            for f in fields
            if f.get("type") == "INPUT_EMAIL" and isinstance(f.get("value"), str)
        ),
        None,
    )
    form_id = text(body, "formId", "data")
    return Parsed(
        feedback(
            delivery,
            external_id=response_id or "",
            comment=comment,
            rating=rating,
            scale=scale if rating_field is not None else None,
            customer=email,
            tags=tuple(t for t in (text(body, "formName", "data"),) if t),
            received_at=timestamp(body.get("createdAt") or data.get("createdAt"), "data.createdAt"),
            permalink=f"https://tally.so/forms/{form_id}/submissions" if form_id else None,
        )
    )


ADAPTER = Adapter("tally", parse, verify, NPS, signature_optional=True, docs=DOCS)
