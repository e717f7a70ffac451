"""The App Home tab: what the bot does, the commands, capability sections, and owners' settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock, HeaderBlock

from bot.manifest import COMMANDS
from bot.views import ids
from bot.views.common import context, md_section, plain, view

INTRO = (
    "I help this team keep empathy at the centre: customer feedback reaches the people who can act on "
    "it, short anonymous pulse surveys show how the team is doing, peers recognise each other's "
    "empathetic actions, and managers get a weekly digest. I help people respond; I never answer "
    "customers myself, and I never read your conversations."
)


def home_view(*, is_owner: bool, sections: Sequence[Sequence[Block]] = ()) -> dict[str, Any]:
    blocks: list[Block] = [HeaderBlock(text=plain("empathy-bot")), md_section(INTRO)]
    for section in sections:
        if section:
            blocks.append(DividerBlock())
            blocks.extend(section)
    if COMMANDS:
        blocks.append(DividerBlock())
        lines = [f"`{c.command} {c.usage_hint}`".replace(" `", "`") + f"  {c.description}" for c in COMMANDS]
        blocks.append(md_section("*Commands*\n" + "\n".join(lines)))
    if is_owner:
        blocks.append(DividerBlock())
        blocks.append(
            md_section("*Settings*\nChannels, owners and managers, working hours, values, thresholds.")
        )
        blocks.append(
            ActionsBlock(
                elements=[ButtonElement(text="Open settings", action_id=ids.OPEN_SETTINGS, style="primary")]
            )
        )
    else:
        blocks.append(context("Owners can change settings from here."))
    return view(type="home", blocks=blocks)
