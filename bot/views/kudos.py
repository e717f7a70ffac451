"""Block Kit for peer recognition: the card, DMs, the /kudos and reaction modals, Home section, notices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserMultiSelectElement,
)

from bot.domain.kudos import Allowance, KudosHome, Recognition
from bot.views import ids
from bot.views.common import (
    OPTION_TEXT_LIMIT,
    Message,
    context,
    escape,
    md_section,
    message,
    plain,
    quote,
    truncate,
    view,
)

BENEFICIARY_LABELS = {"customer": "a customer", "colleague": "a colleague", "community": "the community"}
STORY_LIMIT = 2000
ONE_LINE_LIMIT = 300


def mentions(users: Sequence[str]) -> str:
    """`<@A>`, `<@A> and <@B>`, `<@A>, <@B> and <@C>` (ids come from Slack, never from free text)."""
    tags = [f"<@{u}>" for u in users]
    if len(tags) <= 1:
        return "".join(tags)
    return ", ".join(tags[:-1]) + " and " + tags[-1]


def _values(values: Sequence[str]) -> str:
    return " ".join(f"`#{escape(v)}`" for v in values)


def _plus_ones(count: int) -> str:
    return f":raised_hands: {count} {'person adds' if count == 1 else 'people add'} their voice"


def kudos_card(k: Recognition) -> Message:
    """The card in the kudos channel: giver first, then receivers, the story, values and a +1 button."""
    headline = f":heart_hands: <@{k.giver}> recognised {mentions(k.receivers)}"
    blocks: list[Block] = [md_section(headline), md_section(quote(truncate(k.reason or "", STORY_LIMIT)))]
    if k.impact:
        blocks.append(md_section(f"*What it meant:* {escape(truncate(k.impact, STORY_LIMIT))}"))
    facts = [f"For {BENEFICIARY_LABELS.get(k.beneficiary, escape(k.beneficiary))}"]
    if k.values:
        facts.append(_values(k.values))
    if k.permalink:
        facts.append(f"<{k.permalink}|the message>")
    if k.plus_ones:
        facts.append(_plus_ones(k.plus_ones))
    blocks.append(context(" · ".join(facts)))
    blocks.append(
        ActionsBlock(
            block_id=f"kudos_actions_{k.id}",
            elements=[
                ButtonElement(text=plain("+1 / me too"), action_id=ids.KUDOS_PLUS_ONE, value=str(k.id))
            ],
        )
    )
    text = f"<@{k.giver}> recognised {mentions(k.receivers)}: {escape(truncate(k.reason or '', 200))}"
    return message(text, blocks)


def kudos_dm(k: Recognition, receiver: str, card_channel: str | None) -> Message:
    """What a receiver gets: who noticed, the story in full, where it was posted."""
    others = [r for r in k.receivers if r != receiver]
    text = f":heart_hands: <@{k.giver}> recognised you"
    if others:
        text += f" (with {mentions(others)})"
    blocks: list[Block] = [md_section(text + "."), md_section(quote(truncate(k.reason or "", STORY_LIMIT)))]
    if k.impact:
        blocks.append(md_section(f"*What it meant:* {escape(truncate(k.impact, STORY_LIMIT))}"))
    facts = []
    if k.values:
        facts.append(_values(k.values))
    if card_channel:
        facts.append(f"posted in <#{card_channel}>")
    if k.permalink:
        facts.append(f"<{k.permalink}|your message>")
    if facts:
        blocks.append(context(" · ".join(facts)))
    return message(f"<@{k.giver}> recognised you: {escape(truncate(k.reason or '', 200))}", blocks)


def _value_options(values: Sequence[str]) -> list[Option]:
    return [Option(text=plain("#" + v, OPTION_TEXT_LIMIT), value=v) for v in values[:100]]


def _beneficiary_select(initial: str | None) -> StaticSelectElement:
    options = [Option(text=plain(label.capitalize()), value=key) for key, label in BENEFICIARY_LABELS.items()]
    chosen = next((o for o in options if o.value == initial), None)
    return StaticSelectElement(action_id=ids.KUDOS_VALUE, options=options, initial_option=chosen)


def kudos_modal(
    values: Sequence[str],
    *,
    users: Sequence[str] = (),
    story: str = "",
    beneficiary: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """/kudos without text: the story leads (what happened, what it meant), then people and values."""
    return view(
        type="modal",
        callback_id=ids.KUDOS_MODAL,
        private_metadata=json.dumps(metadata or {}),
        title=plain("Recognise someone", 24),
        submit=plain("Send kudos", 24),
        close=plain("Cancel", 24),
        blocks=[
            InputBlock(
                block_id=ids.KUDOS_STORY_BLOCK,
                label=plain("What happened?"),
                hint=plain("The story teaches more than the thanks: what did they do?", 2000),
                element=PlainTextInputElement(
                    action_id=ids.KUDOS_VALUE,
                    multiline=True,
                    max_length=STORY_LIMIT,
                    initial_value=story[:STORY_LIMIT] or None,
                ),
            ),
            InputBlock(
                block_id=ids.KUDOS_IMPACT_BLOCK,
                label=plain("What did it mean to the customer or colleague?"),
                optional=True,
                element=PlainTextInputElement(action_id=ids.KUDOS_VALUE, multiline=True, max_length=1000),
            ),
            InputBlock(
                block_id=ids.KUDOS_USERS_BLOCK,
                label=plain("Who do you want to recognise?"),
                element=UserMultiSelectElement(
                    action_id=ids.KUDOS_VALUE, initial_users=list(users) or None, max_selected_items=10
                ),
            ),
            InputBlock(
                block_id=ids.KUDOS_BENEFICIARY_BLOCK,
                label=plain("Who benefited?"),
                element=_beneficiary_select(beneficiary or "colleague"),
            ),
            InputBlock(
                block_id=ids.KUDOS_VALUES_BLOCK,
                label=plain("Which values did it show?"),
                optional=True,
                element=StaticMultiSelectElement(action_id=ids.KUDOS_VALUE, options=_value_options(values)),
            ),
        ],
    )


def reaction_prompt(kudos_id: int, receiver: str, permalink: str | None, remaining: int) -> Message:
    """Ephemeral to whoever reacted: the author is recognised; ask for a one-line why and a value."""
    where = f"<{permalink}|their message>" if permalink else "their message"
    text = f":heart_hands: You recognised <@{receiver}> for {where}. Add a one-line why and a value?"
    left = f"You have {remaining} kudos left today." if remaining else "That was your last kudos for today."
    blocks: list[Block] = [
        md_section(text),
        context(
            f"{left} Removing the reaction within 10 minutes withdraws it; without a why it lapses in a week."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=plain("Add the why"),
                    action_id=ids.KUDOS_ADD_REASON,
                    value=str(kudos_id),
                    style="primary",
                )
            ]
        ),
    ]
    return message(text, blocks)


def reaction_reason_modal(kudos_id: int, receiver_name: str, values: Sequence[str]) -> dict[str, Any]:
    return view(
        type="modal",
        callback_id=ids.KUDOS_REASON_MODAL,
        private_metadata=str(kudos_id),
        title=plain("Why this message?", 24),
        submit=plain("Send kudos", 24),
        close=plain("Cancel", 24),
        blocks=[
            md_section(f"You recognised {escape(receiver_name)}. One line on why it mattered:"),
            InputBlock(
                block_id=ids.KUDOS_STORY_BLOCK,
                label=plain("Why"),
                element=PlainTextInputElement(action_id=ids.KUDOS_VALUE, max_length=ONE_LINE_LIMIT),
            ),
            InputBlock(
                block_id=ids.KUDOS_BENEFICIARY_BLOCK,
                label=plain("Who benefited?"),
                element=_beneficiary_select("colleague"),
            ),
            InputBlock(
                block_id=ids.KUDOS_VALUES_BLOCK,
                label=plain("Value"),
                optional=True,
                element=StaticMultiSelectElement(action_id=ids.KUDOS_VALUE, options=_value_options(values)),
            ),
        ],
    )


def given_notice(k: Recognition, card_channel: str | None, remaining: int) -> Message:
    """Ephemeral answer to /kudos: done, where it went, what is left today."""
    where = f"posted in <#{card_channel}>" if card_channel else "sent by DM (no kudos channel is set yet)"
    text = f":sparkles: Kudos for {mentions(k.receivers)} {where}. Thank you for noticing."
    return message(text, [md_section(text), context(f"You have {remaining} kudos left today.")])


def withdrawn_notice(receiver: str) -> str:
    return f"Your kudos for <@{receiver}> was withdrawn (the reaction was removed)."


def _kudos_line(k: Recognition) -> str:
    """Givers before receivers, always."""
    line = f"<@{k.giver}> → {mentions(k.receivers)}: {escape(truncate(k.reason or '', 140))}"
    if k.values:
        line += " " + _values(k.values)
    return line


def kudos_home_section(home: KudosHome) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=plain("Recognition")),
        md_section(
            f"*{escape(home.month_label)}*: you received *{home.received}* kudos and gave *{home.given}*. "
            f"You have {home.allowance.remaining} of {home.allowance.limit} left today."
        ),
    ]
    if home.my_values:
        tags = ", ".join(f"`#{escape(v)}` ({n})" for v, n in home.my_values)
        blocks.append(md_section(f"*You are recognised for:* {tags}"))
    if home.team_values:
        tags = ", ".join(f"`#{escape(v)}` ({n})" for v, n in home.team_values)
        blocks.append(md_section(f"*This month the team was most recognised for:* {tags}"))
    if home.latest:
        blocks.append(
            md_section("*Latest kudos in the team*\n" + "\n".join(_kudos_line(k) for k in home.latest))
        )
    else:
        blocks.append(md_section("No kudos yet. `/kudos @someone for what they did #value` starts it."))
    return blocks


def praise_offer(feedback_id: int, receiver: str, customer: str | None, excerpt: str) -> Message:
    """To whoever clicked a feedback card: turn the customer's praise into kudos in one click."""
    who = escape(customer) if customer else "A customer"
    text = f":sparkles: {who} praised <@{receiver}>. Send kudos on their behalf?"
    button = ButtonElement(
        text=plain("Send kudos"),
        action_id=ids.KUDOS_FROM_FEEDBACK,
        value=json.dumps({"feedback": feedback_id, "user": receiver}),
        style="primary",
    )
    blocks: list[Block] = [
        md_section(text),
        md_section(quote(truncate(excerpt, 500))),
        ActionsBlock(elements=[button]),
    ]
    return message(text, blocks)


RESOLUTION = "resolution"  # the offer button's "for": a kudos for resolved feedback, not for praise


def _whose(customer: str | None, complaint: bool) -> str:
    what = "complaint" if complaint else "feedback"
    return f"{escape(customer)}'s {what}" if customer else f"a customer's {what}"


def resolution_offer(feedback_id: int, owner: str, customer: str | None, complaint: bool) -> Message:
    """To whoever resolved feedback someone else had taken on: recognise their work (never "praised")."""
    text = (
        f":white_check_mark: You resolved {_whose(customer, complaint)}, which <@{owner}> had taken on. "
        f"Recognise <@{owner}>'s work on it?"
    )
    button = ButtonElement(
        text=plain("Send kudos"),
        action_id=ids.KUDOS_FROM_FEEDBACK,
        value=json.dumps({"feedback": feedback_id, "user": owner, "for": RESOLUTION}),
        style="primary",
    )
    return message(text, [md_section(text), ActionsBlock(elements=[button])])


def offered_story(for_: str | None, customer: str | None, feedback_text: str, complaint: bool) -> str:
    """The story an offered kudos starts with: the customer's praise, or the resolution of their feedback."""
    if for_ == RESOLUTION:
        what = "complaint" if complaint else "feedback"
        return f"Took on {customer or 'a customer'}'s {what} and saw it through to a resolution."
    return f'{customer or "A customer"} wrote: "{feedback_text[:1500]}"'


def fairness_nudge(names: Sequence[str], weeks: int) -> Message:
    """Private, to one manager: teammates nobody recognised lately. Never posted anywhere public."""
    text = (
        f":seedling: Nobody has recognised {mentions(names)} in the last {weeks} weeks. "
        "Good work is easy to miss when it is quiet: is there something of theirs worth noticing?"
    )
    return message(
        text, [md_section(text), context("Only you see this. Turn these notes off in the App Home settings.")]
    )


def kudos_help(values: Sequence[str], allowance: Allowance) -> Message:
    """`/kudos help`: how to give kudos, the company's values, and what is left today."""
    text = (
        "*Recognise someone's empathetic action*\n"
        "• `/kudos @ana @ben for staying late to call back the customer whose order was lost #extra-mile`\n"
        "• `/kudos` alone opens a form that starts with the story: what happened, and what it meant.\n"
        "• React with the recognition emoji on someone's message; I'll ask you for a one-line why.\n"
        "The why is required. Not for yourself or bots. "
        f"You have {allowance.remaining} of {allowance.limit} left today."
    )
    tags = " ".join(f"`#{escape(v)}`" for v in values)
    return message("How to give kudos", [md_section(text), md_section(truncate(f"*Values*: {tags}", 3000))])
