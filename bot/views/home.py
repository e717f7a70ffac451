"""The App Home tab: what the bot does, the commands, capability sections, and owners' settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock, HeaderBlock

from bot.views import ids
from bot.views.common import Message, context, count, md_section, message, plain, view

INTRO = (
    "I help this team keep empathy at the centre: customer feedback reaches the people who can act on "
    "it, short anonymous pulse surveys show how the team is doing, peers recognise each other's "
    "empathetic actions, and managers get a weekly digest. I help people respond; I never answer "
    "customers myself, and I never read your conversations."
)


class Command(Protocol):
    """A slash command as the manifest (bot/manifest.py, the one list of them) describes it."""

    @property
    def command(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def usage_hint(self) -> str: ...


def commands_section(commands: Sequence[Command]) -> Block:
    """Every slash command with its usage and what it does."""
    lines = [f"`{c.command} {c.usage_hint}`".replace(" `", "`") + f"  {c.description}" for c in commands]
    return md_section("*Commands*\n" + "\n".join(lines))


def empathy_help(commands: Sequence[Command]) -> Message:
    return message(
        "empathy-bot help",
        [
            md_section(INTRO),
            commands_section(commands),
            context("The bot's Home tab shows your kudos and, for owners, the settings."),
        ],
    )


def privacy_summary(min_responses: int) -> list[Block]:
    """Two lines on what matters most to a member, and where the whole statement is: the full text,
    at the top of everyone's Home tab, pushed the commands out of sight."""
    return [
        md_section(
            "*Privacy: what empathy-bot keeps*\n"
            "Survey answers are stored without your name and shown only as totals, once at least "
            f"{count(min_responses, 'person', 'people')} answered.\n"
            "I never read your conversations for sentiment; kudos show in the kudos channel, no leaderboard."
        ),
        context("What is kept, for how long and who sees it: `/empathy privacy`"),
    ]


def home_view(
    *, is_owner: bool, commands: Sequence[Command], sections: Sequence[Sequence[Block]] = ()
) -> dict[str, Any]:
    blocks: list[Block] = [HeaderBlock(text=plain("empathy-bot")), md_section(INTRO)]
    for section in sections:
        if section:
            blocks.append(DividerBlock())
            blocks.extend(section)
    blocks.append(DividerBlock())
    blocks.append(commands_section(commands))
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


def first_owner_section() -> list[Block]:
    """Shown to everyone while the workspace has no owner: one click makes you the owner."""
    return [
        md_section(
            "*No owner yet: claim ownership*\nOwners choose the channels, run surveys and add more "
            "owners and managers in settings. The first person to claim becomes the owner; the claim "
            "is recorded and cannot be made twice."
        ),
        ActionsBlock(
            elements=[ButtonElement(text="Claim ownership", action_id=ids.CLAIM_OWNERSHIP, style="primary")]
        ),
    ]
