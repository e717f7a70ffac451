"""A configured intake source as services hand it out: which workspace, which adapter, which options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GENERIC = "json"  # the project's own JSON (handlers/ingest.py's generic endpoint)


@dataclass(frozen=True)
class Source:
    id: int
    team_id: str
    name: str
    kind: str
    url_id: str
    rating_scale: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewSource:
    """What the owner sees once when a source is made: the URL id, the HMAC secret and the bearer token."""

    source: Source
    secret: str
    token: str

    @property
    def path(self) -> str:
        kind = "" if self.source.kind == GENERIC else f"/{self.source.kind}"
        return f"/feedback/ingest{kind}?source={self.source.url_id}"
