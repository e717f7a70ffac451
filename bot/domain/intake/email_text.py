"""Inbound email text: the new part of a reply, without quoted history, signatures or mobile footers."""

from __future__ import annotations

import re

_QUOTE_HEADERS = (
    re.compile(r"^\s*On .{3,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le .{3,200}a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am .{3,200}schrieb .{1,200}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Forwarded message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*From:\s.+$", re.IGNORECASE),
)
_SIGNATURES = (
    re.compile(r"^--\s?$"),
    re.compile(r"^\s*Sent from my \w+", re.IGNORECASE),
    re.compile(r"^\s*Get Outlook for \w+", re.IGNORECASE),
)


def strip_reply(body: str) -> str:
    """Cut at the first quote header or signature delimiter; drop `>` quoted lines; trim blank lines."""
    kept: list[str] = []
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if any(p.match(line) for p in _SIGNATURES):
            break
        if any(p.match(line) for p in _QUOTE_HEADERS):
            # "On Mon, Jan 5, 2026 at 9:00 AM Jane <jane@x>" is often wrapped onto two lines
            break
        if (
            index + 1 < len(lines)
            and re.match(r"^\s*On .{3,200}$", line)
            and lines[index + 1].strip().endswith("wrote:")
        ):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def address(value: str | None) -> str | None:
    """The mailbox of a From header: "Jane Roe <jane@example.com>" -> "jane@example.com"."""
    if not value:
        return None
    match = re.search(r"<([^<>@\s]+@[^<>\s]+)>", value)
    if match:
        return match.group(1)
    match = re.search(r"[^\s<>\"',;]+@[^\s<>\"',;]+", value)
    return match.group(0) if match else value.strip()[:255] or None
