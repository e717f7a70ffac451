"""Keeping feedback source credentials: the bearer token only as its SHA-256, the HMAC secret sealed with
AES-GCM under a key derived from EMPATHY_SECRET_KEY; how a delivery presents its token or signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.domain.errors import UserFacingError

WINDOW_SECONDS = 300  # the generic endpoint's X-Empathy-Timestamp window
_SEALED = "v1:"


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
