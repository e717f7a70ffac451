"""Feedback intake sources: made per workspace with a URL id, bearer token kept only as a hash, HMAC secret
sealed with AES-GCM under a key derived from EMPATHY_SECRET_KEY; deliveries authenticated against them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain import sentiment
from bot.domain.actor import Actor
from bot.domain.errors import FieldError, UserFacingError
from bot.domain.feedback import FeedbackInput, validate_input
from bot.domain.intake import ADAPTERS, Adapter
from bot.domain.intake.source import GENERIC, NewSource, Source
from bot.domain.pii import mask_pii
from bot.policy import Permission, require
from bot.services.settings import SettingsService
from storage.models import FeedbackSource
from storage.repositories import sources as repo

WINDOW_SECONDS = 300  # the generic endpoint's X-Empathy-Timestamp window
_SEALED = "v1:"


class Unauthorized(UserFacingError):
    """The delivery names no source, or fails that source's signature or token check (HTTP 401)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def generic_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Empathy-Signature value a sender of the generic JSON computes."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def presented_token(headers: Mapping[str, str], query: str) -> str | None:
    """`Authorization: Bearer <token>`, basic auth with the token as password (Postmark, SendGrid URLs),
    or `?token=` for vendors that only take a URL."""
    auth = headers.get("authorization", "")
    if auth.startswith("Bearer "):
        return auth[len("Bearer ") :].strip() or None
    if auth.startswith("Basic "):
        try:
            decoded = base64.b64decode(auth[len("Basic ") :].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    values = parse_qs(query).get("token")
    return values[0] if values else None


class SourceKeys:
    """AES-GCM sealing of HMAC secrets; the key is HKDF-SHA256 of EMPATHY_SECRET_KEY."""

    def __init__(self, secret_key: str | None) -> None:
        self._aead = None
        if secret_key:
            key = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None, info=b"empathy-bot feedback source secrets"
            ).derive(secret_key.encode())
            self._aead = AESGCM(key)

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            raise UserFacingError("EMPATHY_SECRET_KEY is not set: feedback source secrets cannot be kept.")
        return self._aead

    def seal(self, secret: str, url_id: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._cipher().encrypt(nonce, secret.encode(), url_id.encode())
        return _SEALED + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, url_id: str) -> str | None:
        """The secret, or None when it was sealed under another key or for another source."""
        if not sealed.startswith(_SEALED):
            return None
        raw = base64.b64decode(sealed[len(_SEALED) :])
        try:
            return self._cipher().decrypt(raw[:12], raw[12:], url_id.encode()).decode()
        except InvalidTag:
            return None


def _record(row: FeedbackSource) -> Source:
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
        self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService, secret_key: str | None
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._keys = SourceKeys(secret_key)

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
        if kind != GENERIC and kind not in ADAPTERS:
            raise FieldError(
                "kind", f"Unknown kind {kind!r}; choose one of: {', '.join([GENERIC, *ADAPTERS])}."
            )
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
            "config": dict(options or {}),
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
            return NewSource(_record(row), secret, token)

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
                    return _record(row)
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

    def revise(self, team_id: str, data: FeedbackInput) -> bool:
        """Replace text, rating, customer, tags and link of the stored item with a vendor's later version
        (Delighted's survey_response.updated carries the comment); re-scored unless a person corrected the
        label. False when nothing changed or the item is not stored. The card is not refreshed here."""
        data = validate_input(data)
        with self._sessions.begin() as s:
            fb = repo.find_feedback(s, team_id, data.source, data.external_id)
            if fb is None:
                return False
            ws = self._settings.get(team_id, s)
            text, customer = data.text, data.customer
            if not ws.keep_pii:
                text, customer = mask_pii(text), mask_pii(customer) if customer else None
            if text == fb.text and data.rating == fb.rating:
                return False
            values: dict[str, Any] = {"text": text, "rating": data.rating}
            if customer:
                values["customer"] = customer
            if data.tags:
                values["tags"] = list(dict.fromkeys([*(fb.tags or []), *data.tags]))
            if data.permalink:
                values["permalink"] = data.permalink
            if fb.label_corrected_by is None:
                mood = sentiment.score(data.text)
                values["polarity"], values["subjectivity"] = mood.polarity, mood.subjectivity
                values["label"] = sentiment.label(mood.polarity, ws.positive_threshold, ws.negative_threshold)
            repo.revise_feedback(s, fb, values, self._clock.now())
            return True
