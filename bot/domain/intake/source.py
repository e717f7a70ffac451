"""A configured intake source as services hand it out: which workspace, which adapter, which options; what
owners see of its last delivery; the one summary card a first poll's backfill leaves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENERIC = "json"  # the project's own JSON (handlers/ingest.py's generic endpoint)
APP_STORE = "app_store"  # polled, not pushed: bot/services/review_polling.py
POLLED = (APP_STORE,)
PAYLOAD_KEPT = 2000  # characters of the last delivery's payload kept for "send a test"


@dataclass(frozen=True)
class Source:
    id: int
    team_id: str
    name: str
    kind: str
    url_id: str
    rating_scale: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def polled(self) -> bool:
        return self.kind in POLLED

    @property
    def default_tags(self) -> tuple[str, ...]:
        tags = self.options.get("tags")
        return tuple(str(t) for t in tags) if isinstance(tags, list) else ()

    @property
    def path(self) -> str:
        kind = "" if self.kind == GENERIC else f"/{self.kind}"
        return f"/feedback/ingest{kind}?source={self.url_id}"


@dataclass(frozen=True)
class NewSource:
    """What the owner sees once when a source is made: the URL id, the HMAC secret and the bearer token."""

    source: Source
    secret: str
    token: str

    @property
    def path(self) -> str:
        return self.source.path


@dataclass(frozen=True)
class LastDelivery:
    """The last delivery a source received: when, the start of its payload, and what it became
    ("stored as feedback #12", "ignored: …") or why it was refused."""

    at: datetime
    payload: str
    outcome: str
    accepted: bool


@dataclass(frozen=True)
class BackfillSummary:
    """The one card a polled source's first poll posts instead of one card per earlier review."""

    source: str
    stored: int
    shown: int


def parse_tags(text: str | None) -> list[str]:
    """ "billing, ios" -> ["billing", "ios"]: comma separated, blanks dropped, at most 10 of 32 characters."""
    tags = [t.strip()[:32] for t in (text or "").split(",") if t.strip()]
    return list(dict.fromkeys(tags))[:10]
