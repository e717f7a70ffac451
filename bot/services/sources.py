"""Feedback intake sources, the one place they are managed: made per workspace with a URL id, the bearer
token kept only as a hash and the HMAC secret sealed from creation (bot/services/source_keys.py); listed,
re-scaled and re-keyed by owners; deliveries authenticated against them and their last outcome kept."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.actor import Actor
from bot.domain.errors import FieldError, UserFacingError
from bot.domain.intake import ADAPTERS, Adapter
from bot.domain.intake.source import (
    APP_STORE,
    GENERIC,
    PAYLOAD_KEPT,
    POLLED,
    LastDelivery,
    NewSource,
    Source,
    parse_tags,
)
from bot.domain.pii import mask_pii
from bot.domain.ratings import parse_scale
from bot.policy import Permission, require
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from bot.services.source_keys import (
    WINDOW_SECONDS,
    SourceKeys,
    generic_signature,
    presented_token,
    token_hash,
)
from storage.models import FeedbackSource
from storage.repositories import sources as repo

__all__ = [
    "KINDS",
    "WINDOW_SECONDS",
    "SourceKeys",
    "SourcesService",
    "Unauthorized",
    "generic_signature",
    "presented_token",
    "token_hash",
]

KINDS = (GENERIC, *ADAPTERS, *POLLED)


class Unauthorized(UserFacingError):
    """The delivery names no source, or fails that source's signature or token check (HTTP 401)."""


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise FieldError("kind", f"Unknown kind {kind!r}; choose one of: {', '.join(KINDS)}.")
    return kind


def check_scale(name: str | None) -> str | None:
    """The scale's canonical name ("nps" -> "0-10"); FieldError listing the valid ones."""
    return parse_scale(name).name if name and name.strip() else None


def _check_options(kind: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """An App Store source needs its numeric app id and a two-letter country (default us)."""
    values = dict(options or {})
    if "tags" in values and not isinstance(values["tags"], list):
        values["tags"] = parse_tags(str(values["tags"]))
    if kind == APP_STORE:
        app_id, country = str(values.get("app_id", "")).strip(), str(values.get("country") or "us").strip()
        if not app_id.isdigit():
            raise FieldError("app_id", "An App Store source needs the app's numeric id (app_id=123456789).")
        if not (len(country) == 2 and country.isalpha()):
            raise FieldError("country", "The App Store country is two letters, e.g. us, gb, de.")
        values.update(app_id=app_id, country=country.lower())
    return values


def source_record(row: FeedbackSource) -> Source:
    """A stored source as services hand it out (no secret, no token)."""
    return Source(
        id=row.id,
        team_id=row.team_id,
        name=row.name,
        kind=row.kind or GENERIC,
        url_id=row.url_id or "",
        rating_scale=row.rating_scale,
        options=dict(row.config or {}),
    )


class SourcesService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        secret_key: str | None,
        postbox: Postbox,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._keys = SourceKeys(secret_key)
        self._postbox = postbox

    def add(
        self,
        actor: Actor,
        name: str,
        kind: str = GENERIC,
        *,
        secret: str | None = None,
        rating_scale: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> NewSource:
        """Make a source; its secret (the vendor's, when it generates one) and token are returned once."""
        require(actor, Permission.MANAGE_FEEDBACK_SOURCES)
        name = name.strip()
        if not name or len(name) > 64:
            raise FieldError("name", "A source name has 1 to 64 characters.")
        check_kind(kind)
        rating_scale = check_scale(rating_scale)
        config = _check_options(kind, options)
        if secret is not None and not 8 <= len(secret.strip()) <= 160:
            raise FieldError("secret", "A signing secret has 8 to 160 characters.")
        secret = secret.strip() if secret else secrets.token_hex(32)
        token, url_id = secrets.token_urlsafe(32), secrets.token_urlsafe(12)
        digest = token_hash(token)
        values = {
            "team_id": actor.team_id,
            "name": name,
            "kind": kind,
            "url_id": url_id,
            "rating_scale": rating_scale,
            "config": config,
            "secret": "",
            "secret_sealed": self._keys.seal(secret, url_id),
            "token": digest,
            "token_hash": digest,
            "created_at": self._clock.now(),
        }
        with self._sessions.begin() as s:
            if not repo.add(s, values):
                raise FieldError("name", f"A source named {name!r} already exists.")
            row = repo.by_url_id(s, url_id)
            assert row is not None
            return NewSource(source_record(row), secret, token)

    def set_secret(self, actor: Actor, name: str, secret: str) -> None:
        """Store the secret the vendor generated (Stripe's whsec_…, Intercom's client secret, …)."""
        require(actor, Permission.MANAGE_FEEDBACK_SOURCES)
        if not 8 <= len(secret.strip()) <= 160:
            raise FieldError("secret", "A signing secret has 8 to 160 characters.")
        with self._sessions.begin() as s:
            row = repo.by_name(s, actor.team_id, name)
            if row is None or not row.url_id:
                raise FieldError("name", f"No source named {name!r}.")
            repo.set_secret(s, actor.team_id, name, self._keys.seal(secret.strip(), row.url_id))

    def list_all(self, actor: Actor) -> list[Source]:
        require(actor, Permission.MANAGE_FEEDBACK_SOURCES)
        with self._sessions() as s:
            return [source_record(row) for row in repo.of_team(s, actor.team_id)]

    def configure(
        self, actor: Actor, name: str, *, rating_scale: str | None = None, tags: str | None = None
    ) -> Source:
        """Change a source's rating scale ("" clears it) or default tags; the rest stays."""
        require(actor, Permission.MANAGE_FEEDBACK_SOURCES)
        with self._sessions.begin() as s:
            row = repo.by_name(s, actor.team_id, name)
            if row is None:
                raise FieldError("name", f"No source named {name!r}.")
            if rating_scale is not None:
                row.rating_scale = check_scale(rating_scale)
            if tags is not None:
                row.config = {**(row.config or {}), "tags": parse_tags(tags)}
            return source_record(row)

    def record_delivery(self, source: Source, payload: bytes, outcome: str, *, accepted: bool) -> None:
        """Keep what the last delivery was and became, for the owner's "send a test" (PII masked unless
        the workspace keeps it)."""
        text = payload[: PAYLOAD_KEPT * 4].decode("utf-8", "replace")[:PAYLOAD_KEPT]
        with self._sessions.begin() as s:
            if not self._settings.get(source.team_id, s).keep_pii:
                text = mask_pii(text)
            kept = {"at": self._clock.now().isoformat(), "payload": text, "outcome": outcome}
            repo.set_last_delivery(s, source.id, {**kept, "accepted": accepted})

    def note_refused(self, url_id: str | None, payload: bytes, reason: str) -> None:
        """A delivery that named a source by URL id but failed its check: kept so the owner sees why."""
        if not url_id:
            return
        with self._sessions() as s:
            row = repo.by_url_id(s, url_id)
            source = source_record(row) if row is not None else None
        if source is not None:
            self.record_delivery(source, payload, f"Refused (HTTP 401): {reason}", accepted=False)

    def last_delivery(self, actor: Actor, name: str) -> LastDelivery | None:
        require(actor, Permission.MANAGE_FEEDBACK_SOURCES)
        with self._sessions() as s:
            row = repo.by_name(s, actor.team_id, name)
            if row is None:
                raise FieldError("name", f"No source named {name!r}.")
            kept = row.last_delivery
        if not kept:
            return None
        return LastDelivery(
            at=datetime.fromisoformat(kept["at"]),
            payload=str(kept.get("payload", "")),
            outcome=str(kept.get("outcome", "")),
            accepted=bool(kept.get("accepted")),
        )

    def seal_legacy(self) -> int:
        """Seal every source still holding a plain-text secret or token (made before migration 0009)."""
        with self._sessions.begin() as s:
            rows = repo.legacy(s)
            for row in rows:
                self._seal(s, row)
            return len(rows)

    def _seal(self, s: Session, row: FeedbackSource) -> str:
        url_id = row.url_id or secrets.token_urlsafe(12)
        secret = row.secret
        if row.secret_sealed:
            secret = self._keys.open(row.secret_sealed, url_id) or ""
        digest = row.token_hash or token_hash(row.token)
        repo.seal(s, row.id, token_hash=digest, secret_sealed=self._keys.seal(secret, url_id), url_id=url_id)
        return secret

    def authenticate(
        self,
        *,
        url_id: str | None,
        legacy_name: str | None,
        adapter: Adapter | None,
        headers: Mapping[str, str],
        body: bytes,
        query: str = "",
    ) -> Source:
        """The source this delivery authenticates as, or Unauthorized.

        The URL id names one source (and so one workspace). The legacy X-Empathy-Source header names a
        source by name only; names are unique per workspace, so every workspace's source of that name is
        tried and the one whose secret or token matches wins (issue 21 item 1).
        """
        kind = adapter.kind if adapter is not None else GENERIC
        now = self._clock.now()
        token = presented_token(headers, query)
        with self._sessions.begin() as s:
            if url_id:
                row = repo.by_url_id(s, url_id)
                candidates = [row] if row is not None else []
            elif legacy_name and adapter is None:
                candidates = repo.named(s, legacy_name)
            elif token and adapter is None:
                row = repo.by_token(s, token_hash(token), token)
                candidates = [row] if row is not None else []
            else:
                raise Unauthorized("Say which source this is: add ?source=<its URL id> to the URL.")
            if not candidates:
                raise Unauthorized("unknown source")
            for row in candidates:
                if (row.kind or GENERIC) != kind:
                    continue
                secret = self._secret(s, row)
                if self._passes(row, secret, token, adapter, headers, body, now):
                    return source_record(row)
        raise Unauthorized("bad or expired signature, or bad bearer token")

    def _secret(self, s: Session, row: FeedbackSource) -> str:
        if row.secret_sealed and row.url_id and row.token_hash:
            return self._keys.open(row.secret_sealed, row.url_id) or ""
        return self._seal(s, row)  # a legacy row: sealed now that it is used

    @staticmethod
    def _passes(
        row: FeedbackSource,
        secret: str,
        token: str | None,
        adapter: Adapter | None,
        headers: Mapping[str, str],
        body: bytes,
        now: datetime,
    ) -> bool:
        stored = row.token_hash or token_hash(row.token)
        token_ok = token is not None and hmac.compare_digest(token_hash(token), stored)
        if adapter is None:
            if token_ok:
                return True
            stamp, given = headers.get("x-empathy-timestamp", ""), headers.get("x-empathy-signature", "")
            try:
                age = abs(now.timestamp() - int(stamp))
            except ValueError:
                return False
            return (
                bool(secret)
                and age <= WINDOW_SECONDS
                and hmac.compare_digest(given.encode(), generic_signature(secret, stamp, body).encode())
            )
        if adapter.verify is None:
            return token_ok
        signed = bool(secret) and adapter.verify(secret, headers, body, now)
        return signed or (adapter.signature_optional and token_ok)
