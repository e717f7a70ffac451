"""The question bank as owners see it: items by theme, with their keys and directions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.pulse_bank import BANK_VERSION, THEMES, BankItem
from bot.views.common import Message, context, escape, md_section, message, truncate

BANK_HELP = (
    "Add your own: `/pulse bank add <theme> <1-5|0-10|text> [reverse] <wording>`, e.g. "
    "`/pulse bank add support 1-5 reverse I keep my worries to myself at work.` "
    "Questions launched with an item's exact wording count towards its theme in the results."
)

REVERSED = " _(reverse-scored)_"


def bank_message(items: Sequence[BankItem]) -> Message:
    """Every item the workspace can pick, one section per theme (each well under Slack's 3000 characters)."""
    blocks: list[Any] = [md_section(f"*Question bank* (open bank v{BANK_VERSION} and your own items)")]
    for theme, name in THEMES.items():
        lines = [
            f"• `{item.key}` [{item.scale}] {escape(item.text)}{REVERSED if item.reverse else ''}"
            for item in items
            if item.theme == theme
        ]
        if lines:
            blocks.append(md_section(truncate(f"*{escape(name)}*\n" + "\n".join(lines), 2900)))
    blocks.append(context(BANK_HELP))
    return message("Question bank", blocks)


def bank_item_added(item: BankItem) -> Message:
    direction = "reverse-scored" if item.reverse else "scored as worded"
    return message(
        "Item added",
        [
            md_section(
                f"Added `{item.key}` to *{escape(THEMES[item.theme])}* ({item.scale}, {direction}): "
                f"{escape(item.text)}"
            )
        ],
    )
