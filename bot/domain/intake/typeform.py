"""Typeform `form_response` webhooks: the first long-text answer is the comment, the first opinion scale or
rating answer the rating (each overridable per source by field ref or id); `Typeform-Signature` checked."""

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
    optional,
    same,
    text,
    timestamp,
)

DOCS = "https://www.typeform.com/developers/webhooks/example-payload/"


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    """`Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`."""
    return same(headers.get("typeform-signature", ""), "sha256=" + b64(hmac_digest(secret, body)))


def _matches(answer: Mapping[str, Any], wanted: Any) -> bool:
    ref = answer.get("field")
    return isinstance(ref, Mapping) and wanted in (ref.get("ref"), ref.get("id"))


def _pick(answers: list[Mapping[str, Any]], wanted: Any, types: tuple[str, ...]) -> Mapping[str, Any] | None:
    for answer in answers:
        field_type = answer.get("field", {}).get("type") if isinstance(answer.get("field"), Mapping) else None
        if (wanted and _matches(answer, wanted)) or (not wanted and field_type in types):
            return answer
    return None


def parse(delivery: Delivery) -> Result:
    data = obj(json.loads(delivery.body), "")
    if data.get("event_type") != "form_response":
        return Ignored(f"event_type {data.get('event_type')!r} is not a form response")
    response = obj(data.get("form_response"), "form_response")
    token = text(response, "token", "form_response", required=True)
    answers = [
        obj(a, f"form_response.answers[{i}]")
        for i, a in enumerate(items(response.get("answers"), "form_response.answers"))
    ]
    options = delivery.options
    comment_answer = _pick(answers, options.get("comment_field"), ("long_text",))
    rating_answer = _pick(answers, options.get("rating_field"), ("opinion_scale", "rating", "nps"))
    comment = None
    if comment_answer is not None:
        comment = text(comment_answer, "text", "form_response.answers[].text")
    rating, scale = None, None
    if rating_answer is not None:
        rating = number(rating_answer.get("number"), "form_response.answers[].number")
        kind = rating_answer["field"].get("type")
        scale = FIVE if kind == "rating" else NPS
    email = next((a.get("email") for a in answers if isinstance(a.get("email"), str)), None)
    hidden = optional(response.get("hidden"))
    customer = email or next(
        (hidden[k] for k in ("email", "name", "customer") if isinstance(hidden.get(k), str)), None
    )
    if comment is None and rating is None:
        raise PayloadInvalid(
            "form_response.answers",
            "No long-text or rating answer (set the source's comment_field or rating_field).",
        )
    form_id = text(response, "form_id", "form_response")
    return Parsed(
        feedback(
            delivery,
            external_id=token or "",
            comment=comment,
            rating=rating,
            scale=scale,
            customer=customer,
            received_at=timestamp(response.get("submitted_at"), "form_response.submitted_at"),
            permalink=f"https://admin.typeform.com/form/{form_id}/results#responses" if form_id else None,
        )
    )


ADAPTER = Adapter("typeform", parse, verify, NPS, docs=DOCS)
