"""Block Kit for customer feedback: the triage card, its thread reply, the resolve and /feedback modals."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)

from bot.domain.feedback import CARD_TEXT_LIMIT, CORRECTABLE_LABELS, FeedbackItem, fits_on_card, readable
from bot.domain.sentiment import LABEL_NAMES
from bot.views import ids
from bot.views.common import (
    MAX_MESSAGE_BLOCKS,
    SECTION_TEXT_LIMIT,
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

MORE = "… (full text in thread)"
EMOJI = {
    "positive": ":large_green_circle:",
    "neutral": ":white_circle:",
    "negative": ":red_circle:",
    "needs_review": ":large_yellow_circle:",
}
STATES = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "taken": "Taken",
    "resolved": "Resolved",
}


def _number(value: float) -> str:
    return f"{value:g}"


def label_name(label: str) -> str:
    return LABEL_NAMES.get(label, label.capitalize())


def _headline(label: str) -> str:
    """ "Negative customer feedback"; "Customer feedback that needs a human read"."""
    if label == "needs_review":
        return "Customer feedback that needs a human read"
    return f"{label_name(label)} customer feedback"


def _how_labelled(item: FeedbackItem) -> str:
    """Where the label came from: "from the customer's 1★ rating; the words read positive", or who
    corrected it and what the scorer had said."""
    said = escape(item.label_reason or f"auto-scored, polarity {item.polarity:+.2f}")
    if item.disagreement:
        said += f"; {escape(item.disagreement)}"
    if item.label_corrected_by:
        return f"label corrected by <@{item.label_corrected_by}>; scored {said}"
    return said


def feedback_card(item: FeedbackItem) -> Message:
    """The card posted to the routed (and escalation) channel; every customer-written string escaped.

    Services hand over items already masked (bot.domain.feedback.masked): privacy is not a view's call."""
    emoji = EMOJI.get(item.label, ":white_circle:")
    scored = _how_labelled(item)
    body = item.text if fits_on_card(item.text) else _cut(item.text, CARD_TEXT_LIMIT - len(MORE)) + MORE
    facts = [f"*Source:* {escape(item.source)}"]
    if item.customer:
        facts.append(f"*Customer:* {escape(item.customer)}")
    if item.rating is not None:
        facts.append(f"*Rating:* {_number(item.rating)}")
    if item.tags:
        facts.append(f"*Tags:* {escape(', '.join(item.tags))}")
    facts.append(f"*Routed by:* {escape(item.rule) if item.rule else 'default feedback channel'}")
    if item.permalink:
        facts.append(f"<{item.permalink}|original message>")
    status = f"*Status:* {STATES.get(item.state, item.state)}"
    if item.state == "resolved" and item.resolved_by:
        status += f" by <@{item.resolved_by}>"
        if item.assignee and item.assignee != item.resolved_by:
            status += f" (taken by <@{item.assignee}>)"
    elif item.assignee:
        status += f" · owner <@{item.assignee}>"
    if item.acknowledged_by:
        status += f" · acknowledged by <@{item.acknowledged_by}>"
    if item.state == "resolved" and item.resolution:
        status += f"\n*Resolution:* {escape(truncate(item.resolution, 500))}"
        if item.root_cause:
            status += f" _(root cause: {escape(item.root_cause)})_"
    blocks: list = [
        md_section(f"{emoji} *{_headline(item.label)}* ({scored})"),
        md_section(quote(body)),
        context(" · ".join(facts)),
        md_section(status),
    ]
    value = str(item.id)
    if item.state != "resolved":
        buttons: list[ButtonElement | StaticSelectElement] = []
        if item.state == "new":
            buttons.append(
                ButtonElement(text=plain("Acknowledge"), action_id=ids.FEEDBACK_ACKNOWLEDGE, value=value)
            )
        if item.state != "taken":
            buttons.append(
                ButtonElement(text=plain("I'll take it"), action_id=ids.FEEDBACK_TAKE, value=value)
            )
        buttons.append(
            ButtonElement(
                text=plain("Resolved"), action_id=ids.FEEDBACK_RESOLVE, value=value, style="primary"
            )
        )
        buttons.append(
            StaticSelectElement(
                placeholder=plain("Correct label"),
                action_id=ids.FEEDBACK_RELABEL,
                options=[
                    Option(text=plain(label_name(label)), value=f"{item.id}:{label}")
                    for label in CORRECTABLE_LABELS
                    if label != item.label
                ],
            )
        )
        blocks.append(ActionsBlock(block_id=f"feedback_actions_{item.id}", elements=buttons))
    text = f"{_headline(item.label)} from {item.source}: {item.text}"
    return message(escape(truncate(text, 300)), blocks)


def full_text_reply(item: FeedbackItem) -> Message | None:
    """The whole text in the card's thread when the card had to cut it; None when it fits."""
    if fits_on_card(item.text):
        return None
    chunks: list[str] = []
    rest = item.text
    while rest and len(chunks) < MAX_MESSAGE_BLOCKS:
        chunk = _cut(rest, SECTION_TEXT_LIMIT)
        chunks.append(chunk)
        rest = rest[len(chunk) :]
    return message("Full text of the customer feedback", [md_section(quote(chunk)) for chunk in chunks])


def _quoted_cost(char: str) -> int:
    """Characters `quote` turns `char` into: entities for & < >, a new "&gt; " prefix for a line break."""
    if char == "&":
        return 5
    if char in "<>":
        return 4
    return 6 if char.splitlines() != [char] else 1


def _cut(text: str, limit: int) -> str:
    """The longest start of `text` at most `limit` characters long whose quoted form fits one section."""
    budget = SECTION_TEXT_LIMIT - 5 - len(MORE)
    for end, char in enumerate(text[:limit]):
        budget -= _quoted_cost(char)
        if budget < 0:
            return text[:end]
    return text[:limit]


def resolve_modal(feedback_id: int) -> dict:
    return view(
        type="modal",
        callback_id=ids.FEEDBACK_RESOLVE_MODAL,
        private_metadata=str(feedback_id),
        title=plain("Resolve feedback", 24),
        submit=plain("Resolve", 24),
        close=plain("Cancel", 24),
        blocks=[
            InputBlock(
                block_id=ids.FEEDBACK_RESOLUTION_BLOCK,
                label=plain("How was it resolved?"),
                element=PlainTextInputElement(action_id=ids.FEEDBACK_VALUE, multiline=True, max_length=3000),
            ),
            InputBlock(
                block_id=ids.FEEDBACK_ROOT_CAUSE_BLOCK,
                label=plain("Root cause tag"),
                optional=True,
                element=PlainTextInputElement(action_id=ids.FEEDBACK_VALUE, max_length=64),
            ),
        ],
    )


def log_feedback_modal(
    text: str = "", permalink: str | None = None, names: Mapping[str, str] | None = None
) -> dict:
    return view(
        type="modal",
        callback_id=ids.FEEDBACK_LOG_MODAL,
        private_metadata=permalink or "",
        title=plain("Customer feedback", 24),
        submit=plain("Log it", 24),
        close=plain("Cancel", 24),
        blocks=[
            InputBlock(
                block_id=ids.FEEDBACK_LOG_TEXT_BLOCK,
                label=plain("What did the customer say?"),
                element=PlainTextInputElement(
                    action_id=ids.FEEDBACK_VALUE,
                    multiline=True,
                    # Slack sends command and message text as markup (&amp;, <@U1|name>, <!here>); the
                    # form, and so the card, shows it as a person reads it
                    initial_value=readable(text, names)[:3000] or None,
                ),
            ),
            InputBlock(
                block_id=ids.FEEDBACK_LOG_CUSTOMER_BLOCK,
                label=plain("Customer"),
                optional=True,
                element=PlainTextInputElement(action_id=ids.FEEDBACK_VALUE, max_length=255),
            ),
        ],
    )


def feedback_help() -> Message:
    text = (
        "*Log customer feedback*\n"
        "• `/feedback` opens a form; `/feedback what the customer said` fills it in for you.\n"
        "• On any message: ⋮ > *Log as customer feedback* (the card links back to it).\n"
        "Each piece is scored for sentiment (automatically; anyone can correct the label), routed to the "
        "right channel, and posted as a card to acknowledge, take and resolve."
    )
    return message("How to log customer feedback", [md_section(text)])


def logged_notice(item: FeedbackItem, created: bool) -> str:
    if not created:
        return "That feedback was already logged."
    how = f" ({escape(item.label_reason)})" if item.label_reason else ""
    if item.label == "needs_review":
        return f"Logged: it needs a human read{how}. Thanks!"
    return f"Logged as {label_name(item.label).lower()} customer feedback{how}. Thanks!"


def sla_reminder(item: FeedbackItem, hours: float, stage: int) -> Message:
    """A reminder in the card's thread: negative feedback, or feedback that needs a human read, nobody
    has answered yet."""
    who = f"<@{item.assignee}>, t" if item.assignee else "T"
    again = " (second reminder)" if stage > 1 else ""
    what = "feedback that needs a human read" if item.label == "needs_review" else "negative feedback"
    text = (
        f":alarm_clock: {who}his {what} from {escape(item.source)} has had no response for "
        f"{hours:.1f} working hours{again}. Acknowledge it, take it, or reply in this thread."
    )
    return message(text, [md_section(text)])


def follow_up_reminder(item: FeedbackItem) -> Message:
    """A DM to whoever resolved feedback: check that the fix held for the customer."""
    customer = f" with {escape(item.customer)}" if item.customer else ""
    text = (
        f":seedling: You resolved feedback from {escape(item.source)} a few days ago. "
        f"Worth checking{customer} that the fix held?"
    )
    blocks: list[Block] = [md_section(text), md_section(quote(truncate(item.text, 500)))]
    if item.permalink:
        blocks.append(context(f"<{item.permalink}|original message>"))
    return message(text, blocks)


def sentiment_quality_home_section(described: str) -> list[Block]:
    """Owners' App Home: how well the sentiment scorer agrees with ratings and corrections, and which
    scorer (base or learned) is in use."""
    return [md_section(f"*Customer sentiment scorer*\n{escape(described[:1].upper() + described[1:])}.")]
