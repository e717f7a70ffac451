"""POST /feedback/ingest (the project's JSON) and /feedback/ingest/<kind> (a vendor's own webhook payload).

Every source has a URL id: `?source=<url id>` names the source, and so the workspace, it serves.
Generic JSON: `Authorization: Bearer <token>`, or `X-Empathy-Timestamp: <unix seconds>` with
`X-Empathy-Signature: sha256=<hex>`, the HMAC-SHA256 of `{timestamp}.{raw body}` keyed with the source's
secret (within 5 minutes); legacy senders may name the source with `X-Empathy-Source: <name>` instead.
Body (JSON, at most 64 KiB): {"id", "text", "customer"?, "rating"?, "tags"?, "received_at"? (ISO 8601)}.
Vendor kinds (bot/domain/intake): the vendor's signature, or the source's token where the vendor has none
(bearer, basic auth password or `?token=`). Unrelated event types are answered 200 and ignored; a payload
that cannot be read is a 4xx JSON error naming the field, and nothing is stored. The source's rating scale
fills in when the payload says none; its default tags are added; the last delivery and what it became are
kept on the source ("send a test" in App Home).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from bot.container import Container
from bot.domain.feedback import FeedbackInput, FeedbackInvalid
from bot.domain.intake import ADAPTERS, Adapter, Delivery, Ignored, Parsed, PayloadInvalid
from bot.domain.intake.source import Source
from bot.http import Request, Response, Route
from bot.services.sources import Unauthorized, generic_signature

PATH = "/feedback/ingest"
MAX_BODY = 64 * 1024


def routes(container: Container) -> dict[tuple[str, str], Route]:
    table: dict[tuple[str, str], Route] = {("POST", PATH): ingest_route(container)}
    for kind, adapter in ADAPTERS.items():
        table[("POST", f"{PATH}/{kind}")] = adapter_route(container, adapter)
    return table


def _error(status: int, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"ok": False, "error": message}
    if field is not None:
        body["field"] = field
    return Response.json(status, body)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Empathy-Signature value a sender computes."""
    return generic_signature(secret, timestamp, body)


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


def _url_id(request: Request) -> str | None:
    values = parse_qs(request.query).get("source")
    return values[0].strip() if values and values[0].strip() else None


def _store(container: Container, source: Source, data: FeedbackInput, upsert: bool) -> Response:
    data = replace(
        data,
        rating_scale=data.rating_scale or source.rating_scale,
        tags=tuple(dict.fromkeys([*data.tags, *source.default_tags])),
    )
    item, created = container.feedback.ingest(source.team_id, data)
    revised = not created and upsert and container.feedback.revise(source.team_id, data)
    body: dict[str, Any] = {"ok": True, "id": item.id, "created": created}
    if upsert:
        body["revised"] = revised
    return Response.json(201 if created else 200, body)


def _outcome(response: Response) -> str:
    """What a delivery became, in words, for the owner's "send a test"."""
    try:
        body = json.loads(response.body)
    except ValueError:
        body = {}
    if response.status >= 300:
        return f"Refused (HTTP {response.status}): {body.get('error', 'no reason given')}"
    if "ignored" in body:
        return f"Acknowledged and ignored: {body['ignored']}"
    if body.get("created"):
        return f"Stored as feedback #{body.get('id')}"
    if body.get("revised"):
        return f"Updated feedback #{body.get('id')} (its card is redrawn)"
    return f"Already stored as feedback #{body.get('id')}: nothing new"


def _guarded(container: Container, handle: Callable[[Request, list[Source]], Response]) -> Route:
    """Size limit, then the handler; unreadable bodies and refused input become 4xx JSON, never 500.
    What the delivery became (or why it was refused) is kept on its source for the owner to see."""

    def route(request: Request) -> Response:
        if len(request.body) > MAX_BODY:
            return _error(413, f"body larger than {MAX_BODY} bytes")
        seen: list[Source] = []
        try:
            response = handle(request, seen)
        except Unauthorized as refused:
            container.sources.note_refused(_url_id(request), request.body, refused.message)
            return _error(401, refused.message)
        except PayloadInvalid as invalid:
            response = _error(422, invalid.message, invalid.field)
        except FeedbackInvalid as invalid:
            response = _error(422, invalid.message)
        except (ValueError, UnicodeDecodeError, RecursionError):
            response = _error(400, "body is not valid JSON")
        if seen:
            container.sources.record_delivery(
                seen[0], request.body, _outcome(response), accepted=response.status < 300
            )
        return response

    return route


def ingest_route(container: Container) -> Route:
    def ingest(request: Request, seen: list[Source]) -> Response:
        source = container.sources.authenticate(
            url_id=_url_id(request),
            legacy_name=request.headers.get("x-empathy-source", "").strip() or None,
            adapter=None,
            headers=request.headers,
            body=request.body,
        )
        seen.append(source)
        data = json.loads(request.body)
        return _store(container, source, _input(source.name, data), upsert=False)

    return _guarded(container, ingest)


def adapter_route(container: Container, adapter: Adapter) -> Route:
    def ingest(request: Request, seen: list[Source]) -> Response:
        source = container.sources.authenticate(
            url_id=_url_id(request),
            legacy_name=None,
            adapter=adapter,
            headers=request.headers,
            body=request.body,
            query=request.query,
        )
        seen.append(source)
        options = dict(source.options)
        if source.rating_scale:
            options["rating_scale"] = source.rating_scale
        result = adapter.parse(Delivery(request.body, request.headers, source.name, options))
        if isinstance(result, Ignored):
            return Response.json(200, {"ok": True, "ignored": result.reason})
        assert isinstance(result, Parsed)
        return _store(container, source, result.input, upsert=result.upsert)

    return _guarded(container, ingest)
