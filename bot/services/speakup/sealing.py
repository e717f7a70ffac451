"""The sender's Slack id, sealed: AES-GCM under a key derived (HKDF) for this purpose from the server secret.

Each conversation gets a fresh random nonce, so two boxes of one sender share nothing a reader could
match. The keyed hashes (rate counts, blocks, flaggers) use keys of their own, derived for their own
purpose, and each mixes in what keeps it from linking more than it must (the day, the conversation).
Whoever holds both the database and EMPATHY_SECRET_KEY can open the boxes; nobody else can.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.domain.errors import UserFacingError

NONCE_BYTES = 12
_INFO = b"empathy-bot speakup v1 "


class SpeakupUnavailable(UserFacingError):
    """No server secret: Speak up cannot keep senders' ids sealed, so it does not run."""


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + purpose.encode()).derive(secret)


class Sealer:
    def __init__(self, secret_key: str | None) -> None:
        if not secret_key:
            self._box: AESGCM | None = None
            self._keys: dict[str, bytes] = {}
            return
        secret = secret_key.encode()
        self._box = AESGCM(_derive(secret, "sender"))
        self._keys = {p: _derive(secret, p) for p in ("rate", "block", "flagger")}

    def _ready(self) -> AESGCM:
        if self._box is None:
            raise SpeakupUnavailable(
                "Speak up needs the server's secret key (EMPATHY_SECRET_KEY) to keep senders anonymous; "
                "please ask whoever runs the bot to set it."
            )
        return self._box

    def seal(self, team_id: str, user_id: str) -> bytes:
        """nonce + ciphertext; the team is authenticated data, so a box moved to another team won't open."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._ready().encrypt(nonce, user_id.encode(), team_id.encode())

    def open(self, team_id: str, box: bytes) -> str | None:
        """The sealed user id, or None if the box does not open (other key or team)."""
        try:
            return self._ready().decrypt(box[:NONCE_BYTES], box[NONCE_BYTES:], team_id.encode()).decode()
        except (InvalidTag, ValueError):
            return None

    def _keyed(self, purpose: str, *parts: str) -> str:
        self._ready()
        return hmac.new(self._keys[purpose], ":".join(parts).encode(), hashlib.sha256).hexdigest()

    def rate_hash(self, team_id: str, day: date, user_id: str) -> str:
        """Changes every day: yesterday's counts cannot be matched with today's."""
        return self._keyed("rate", team_id, day.isoformat(), user_id)

    def block_hash(self, team_id: str, user_id: str) -> str:
        return self._keyed("block", team_id, user_id)

    def flagger_hash(self, team_id: str, conversation_id: int, user_id: str) -> str:
        """Per conversation: tells two flaggers apart without showing who flags across conversations."""
        return self._keyed("flagger", team_id, str(conversation_id), user_id)
