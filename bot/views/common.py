"""What every view needs: escaping untrusted text, cutting to Block Kit limits, checking messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
OPTION_TEXT_LIMIT = 75
MODAL_TITLE_LIMIT = 24
TOP_TEXT_LIMIT = 3000


def escape(text: str) -> str:
    """Make untrusted text inert in mrkdwn: no mentions, @channel or disguised links can survive."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, suffix: str = "…") -> str:
    """Cut `text` to at most `limit` characters, ending with `suffix` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(suffix), 0)] + suffix


def quote(text: str) -> str:
    """Escaped text as a mrkdwn block quote (every line prefixed)."""
    return "\n".join("&gt; " + line for line in escape(text).splitlines() or [""])


def plain(text: str, limit: int = HEADER_LIMIT) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit), emoji=True)


def md_section(text: str, **kwargs: Any) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT)), **kwargs)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT))])


@dataclass(frozen=True)
class Message:
    """A message ready for chat.postMessage / chat.update: fallback text plus validated blocks."""

    text: str
    blocks: list[dict[str, Any]]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def message(text: str, blocks: Sequence[Block | dict[str, Any]]) -> Message:
    """Validate the whole tree against Slack's limits (slack_sdk) and the 50-block count (we count)."""
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        raise ValueError(f"message has {len(blocks)} blocks; Slack allows {MAX_MESSAGE_BLOCKS}")
    rendered = [(Block.parse(b) if isinstance(b, dict) else b).to_dict() for b in blocks]  # type: ignore[union-attr]
    return Message(text=truncate(text, TOP_TEXT_LIMIT), blocks=rendered)


def view(**kwargs: Any) -> dict[str, Any]:
    """Build a modal or Home view dict, validated as a whole by slack_sdk (and the 100-block count)."""
    built = View(**kwargs)
    if len(built.blocks) > MAX_VIEW_BLOCKS:
        raise ValueError(f"view has {len(built.blocks)} blocks; Slack allows {MAX_VIEW_BLOCKS}")
    return built.to_dict()


# The immediate answer of a command that finishes after its ack (the result follows via response_url).
WORKING = "Working on it…"


def notice_modal(title: str, text: str, close: str = "Close") -> dict[str, Any]:
    """A modal that only tells the user something (errors from Home buttons, finished actions; "Back"
    for one pushed over another)."""
    return view(
        type="modal", title=truncate(title, MODAL_TITLE_LIMIT), close=close, blocks=[md_section(text)]
    )


def count(n: int, singular: str, plural: str | None = None) -> str:
    """`1 detractor`, `2 detractors`, `1 person`, `0 people`: a number with its noun agreeing."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
