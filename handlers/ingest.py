"""POST /feedback/ingest: customer feedback from other tools (help desk, reviews), authenticated per source.

Headers: `X-Empathy-Source: <name>` and either `Authorization: Bearer <token>` or
`X-Empathy-Timestamp: <unix seconds>` with `X-Empathy-Signature: sha256=<hex>`, the HMAC-SHA256 of
`{timestamp}.{raw body}` keyed with the source's secret; the timestamp must be within 5 minutes.
Body (JSON, at most 64 KiB): {"id", "text", "customer"?, "rating"?, "tags"?, "received_at"? (ISO 8601)}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from bot.container import Container
from bot.domain.feedback import FeedbackInput, FeedbackInvalid
from bot.http import Request, Response, Route

PATH = "/feedback/ingest"
MAX_BODY = 64 * 1024
WINDOW_SECONDS = 300


def routes(container: Container) -> dict[tuple[str, str], Route]:
    return {("POST", PATH): ingest_route(container)}


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"ok": False, "error": message})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Empathy-Signature value a sender computes."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _authentic(request: Request, secret: str, token: str, now: datetime) -> bool:
    auth = request.headers.get("authorization", "")
    if auth.startswith("Bearer "):
        return hmac.compare_digest(auth[len("Bearer ") :].strip(), token)
    timestamp = request.headers.get("x-empathy-timestamp", "")
    given = request.headers.get("x-empathy-signature", "")
    try:
        age = abs(now.timestamp() - int(timestamp))
    except ValueError:
        return False
    return age <= WINDOW_SECONDS and hmac.compare_digest(given, signature(secret, timestamp, request.body))


def _input(source: str, data: Any) -> FeedbackInput:
    if not isinstance(data, dict):
        raise FeedbackInvalid("The body must be a JSON object.")
    text, external_id = data.get("text"), data.get("id")
    if not isinstance(text, str) or not text.strip():
        raise FeedbackInvalid("Field 'text' is required and must be a non-empty string.")
    if (
        not isinstance(external_id, str | int)
        or isinstance(external_id, bool)
        or not str(external_id).strip()
    ):
        raise FeedbackInvalid("Field 'id' is required (string or integer).")
    rating = data.get("rating")
    if rating is not None and (not isinstance(rating, int | float) or isinstance(rating, bool)):
        raise FeedbackInvalid("Field 'rating' must be a number.")
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise FeedbackInvalid("Field 'tags' must be a list of strings.")
    customer = data.get("customer")
    if customer is not None and not isinstance(customer, str):
        raise FeedbackInvalid("Field 'customer' must be a string.")
    received_at = None
    if data.get("received_at") is not None:
        try:
            received_at = datetime.fromisoformat(str(data["received_at"]))
        except ValueError as exc:
            raise FeedbackInvalid("Field 'received_at' must be an ISO 8601 timestamp.") from exc
        received_at = received_at.replace(tzinfo=received_at.tzinfo or UTC).astimezone(UTC)
    return FeedbackInput(
        source=source,
        external_id=str(external_id),
        text=text,
        customer=customer,
        rating=float(rating) if rating is not None else None,
        tags=tuple(tags),
        received_at=received_at,
    )


def ingest_route(container: Container) -> Route:
    def ingest(request: Request) -> Response:
        if len(request.body) > MAX_BODY:
            return _error(413, f"body larger than {MAX_BODY} bytes")
        name = request.headers.get("x-empathy-source", "").strip()
        source = container.feedback.source(name) if name else None
        if source is None:
            return _error(401, "unknown source (X-Empathy-Source)")
        if not _authentic(request, source.secret, source.token, container.clock.now()):
            return _error(401, "bad or expired signature, or bad bearer token")
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return _error(400, "body is not valid JSON")
        try:
            item, created = container.feedback.ingest(source.team_id, _input(source.name, data))
        except FeedbackInvalid as invalid:
            return _error(422, invalid.message)
        container.outbox.wakeup()
        return Response.json(201 if created else 200, {"ok": True, "id": item.id, "created": created})

    return ingest
