"""Reading what our own buttons carry. A value that does not parse was tampered with or comes from an
old message: the user is told to reload, nothing is done."""

from __future__ import annotations

from typing import Any

from bot.domain.errors import UserFacingError


def action_record_id(action: dict[str, Any], *, fix: str = "please reload the message") -> int:
    """The record id a button or select option carries (`"42"` or `"42:label"`)."""
    raw = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
    try:
        return int(str(raw).split(":")[0])
    except ValueError as exc:
        raise UserFacingError(f"That button is broken; {fix}.") from exc
