"""Block Kit for owners' feedback routing rules: the App Home entry and the rules modal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ChannelSelectElement,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)

from bot.domain.feedback import Rule
from bot.views import ids
from bot.views.common import context, escape, md_section, plain, view

KINDS = {"source": "Source is", "tag": "Tag is", "keyword": "Text contains"}
FIELD_BLOCKS = {
    "kind": ids.FEEDBACK_RULE_KIND_BLOCK,
    "pattern": ids.FEEDBACK_RULE_PATTERN_BLOCK,
    "channel": ids.FEEDBACK_RULE_CHANNEL_BLOCK,
}


def routing_home_section(*, is_owner: bool) -> list[Block]:
    """The App Home entry to the rules: owners only (the routing service checks again)."""
    if not is_owner:
        return []
    return [
        md_section("*Customer feedback routing*\nSend feedback by source, tag or keyword to a channel."),
        ActionsBlock(
            elements=[ButtonElement(text=plain("Routing rules"), action_id=ids.FEEDBACK_OPEN_ROUTING)]
        ),
    ]


def _rule_line(position: int, rule: Rule) -> str:
    kind = KINDS.get(rule.kind, rule.kind)
    return f"*{position}.* {kind} “{escape(rule.pattern)}” → <#{rule.channel_id}>"


def routing_rules_modal(rules: Sequence[Rule]) -> dict[str, Any]:
    """Every rule in the order tried, with Delete and Move up buttons, and a form to add one."""
    blocks: list[Block] = [
        md_section(
            "Feedback goes to the channel of the first rule it matches, else to the feedback channel. "
            "Negative feedback is also posted to the escalation channel."
        )
    ]
    for position, rule in enumerate(rules, start=1):
        blocks.append(
            md_section(
                _rule_line(position, rule),
                block_id=f"feedback_rule_{rule.id}",
                accessory=ButtonElement(
                    text=plain("Delete"),
                    action_id=ids.FEEDBACK_DELETE_RULE,
                    value=str(rule.id),
                    style="danger",
                    confirm=ConfirmObject(
                        title=plain("Delete this rule?", 100),
                        text=plain(f"{KINDS.get(rule.kind, rule.kind)} “{rule.pattern}”", 300),
                        confirm=plain("Delete", 30),
                        deny=plain("Keep", 30),
                    ),
                ),
            )
        )
        if position > 1:
            blocks.append(
                ActionsBlock(
                    block_id=f"feedback_rule_move_{rule.id}",
                    elements=[
                        ButtonElement(
                            text=plain("Move up"),
                            action_id=ids.FEEDBACK_MOVE_RULE_UP,
                            value=str(rule.id),
                        )
                    ],
                )
            )
    if not rules:
        blocks.append(context("No rules yet: all feedback goes to the feedback channel."))
    blocks += [
        DividerBlock(),
        HeaderBlock(text=plain("Add a rule")),
        InputBlock(
            block_id=ids.FEEDBACK_RULE_KIND_BLOCK,
            label=plain("Match"),
            element=StaticSelectElement(
                action_id=ids.FEEDBACK_VALUE,
                options=[Option(value=kind, text=plain(label, 75)) for kind, label in KINDS.items()],
            ),
        ),
        InputBlock(
            block_id=ids.FEEDBACK_RULE_PATTERN_BLOCK,
            label=plain("Source, tag or keyword"),
            element=PlainTextInputElement(action_id=ids.FEEDBACK_VALUE, max_length=255),
        ),
        InputBlock(
            block_id=ids.FEEDBACK_RULE_CHANNEL_BLOCK,
            label=plain("Send to channel"),
            element=ChannelSelectElement(action_id=ids.FEEDBACK_VALUE),
        ),
    ]
    return view(
        type="modal",
        callback_id=ids.FEEDBACK_ROUTING_MODAL,
        title=plain("Feedback routing", 24),
        submit=plain("Add rule", 24),
        close=plain("Done", 24),
        blocks=blocks,
    )


def read_rule_form(values: dict[str, dict[str, dict[str, Any]]]) -> tuple[str, str, str]:
    """(kind, pattern, channel id) from a submitted rules modal; empty strings for missing inputs."""

    def element(block: str) -> dict[str, Any]:
        return values.get(block, {}).get(ids.FEEDBACK_VALUE, {})

    kind = (element(ids.FEEDBACK_RULE_KIND_BLOCK).get("selected_option") or {}).get("value") or ""
    pattern = element(ids.FEEDBACK_RULE_PATTERN_BLOCK).get("value") or ""
    channel = element(ids.FEEDBACK_RULE_CHANNEL_BLOCK).get("selected_channel") or ""
    return str(kind), str(pattern), str(channel)
