"""Speak up in Slack: the modal (what receivers see, what is stored), the leadership card, thread posts,
the member's DMs, and the sentence for the privacy page."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)

from bot.domain import speakup as rules
from bot.views import ids
from bot.views.common import SECTION_TEXT_LIMIT, Message, escape, message, plain, view

ANONYMOUS, NAMED = "anonymous", "named"
CHUNK = SECTION_TEXT_LIMIT - 100

PRIVACY_TEXT = (
    "*Speak up.* Who sent an anonymous message is stored only encrypted (AES-GCM, under a key derived from "
    "the server's secret key, with a new random nonce for every conversation, so even two conversations "
    "of one person cannot be matched); nothing else about the sender is kept, stored times are whole days, "
    "and messages are passed on both ways after a random delay, never in quiet hours. Nobody in Slack, no "
    "owner and no database dump can tell who wrote; someone holding both the database and the server's "
    "secret key could. For the same reason `forget-user` cannot find a person's Speak up conversations: "
    "they are deleted with everything else after the comment retention period."
)


def what_receivers_see(setup: rules.Setup) -> str:
    """The modal's promise, from the workspace's actual settings."""
    where = (
        f"<#{setup.channel}>"
        if setup.channel
        else ", ".join(f"<@{user}>" for user in setup.receivers[:20])
        + (" and others" if len(setup.receivers) > 20 else "")
    )
    return (
        f"*Who receives it:* {where}.\n"
        "*What they see:* the topic and your message (emails and phone numbers of other people masked), "
        "and *Anonymous*, or your name if you choose so below. Their replies reach you here as a DM from "
        "the bot, and yours reach them the same way, each after a random delay of "
        f"{setup.delay_min_minutes} to {setup.delay_max_minutes} minutes, never outside working hours, "
        "so timing can't give you away.\n"
        "*What is stored:* your message, the topic and the day (not the time). Who you are is stored only "
        "encrypted, so that the bot can send you replies; no owner and no database dump can read it. "
        f"Conversations are deleted after {setup.retention_days} days."
    )


FLAG_EVENTS = {
    "closed": "The member closed this conversation.",
    "shared": 'The member agreed to share this as "you said, we did".',
    "flagged": "A receiver flagged this conversation as abusive; the owners were told.",
    "blocked": "A second receiver flagged it: the sender can't start or answer conversations any more. "
    "Nobody was told who they are.",
}
STATUS_WORDS = {
    rules.OPEN: "Open",
    rules.ACKNOWLEDGED: "Acknowledged",
    rules.RESOLVED: "Resolved",
    rules.CLOSED: "Closed by the member",
}


def text_sections(text: str) -> list[SectionBlock]:
    """User text, escaped, in as many sections as Slack's 3000-character limit needs (never cut)."""
    sections: list[SectionBlock] = []
    piece: list[str] = []
    size = 0
    for char in text:
        escaped = escape(char)
        if size + len(escaped) > CHUNK:
            sections.append(SectionBlock(text=MarkdownTextObject(text="".join(piece))))
            piece, size = [], 0
        piece.append(escaped)
        size += len(escaped)
    if piece or not sections:
        sections.append(SectionBlock(text=MarkdownTextObject(text="".join(piece) or " ")))
    return sections


def _from(sender: str | None) -> str:
    return f"<@{sender}>" if sender else "Anonymous"


# --- the member's modal ------------------------------------------------------------------------------


def speakup_modal(setup: rules.Setup, text: str = "") -> dict[str, Any]:
    return view(
        type="modal",
        callback_id=ids.SPEAKUP_MODAL,
        title=plain("Speak up", 24),
        submit=plain("Send", 24),
        close=plain("Cancel", 24),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=what_receivers_see(setup))),
            InputBlock(
                block_id=ids.SPEAKUP_TOPIC_BLOCK,
                label=plain("Topic"),
                element=StaticSelectElement(
                    action_id=ids.SPEAKUP_VALUE,
                    placeholder=plain("Pick a topic"),
                    options=[Option(text=plain(t, 75), value=t) for t in setup.topics[:100]],
                ),
            ),
            InputBlock(
                block_id=ids.SPEAKUP_TEXT_BLOCK,
                label=plain("What do you want to say?"),
                hint=plain("A concern, an idea, a mistake: what nobody asked about.", 2000),
                element=PlainTextInputElement(
                    action_id=ids.SPEAKUP_VALUE,
                    multiline=True,
                    max_length=rules.MAX_TEXT,
                    initial_value=text[: rules.MAX_TEXT] or None,
                ),
            ),
            InputBlock(
                block_id=ids.SPEAKUP_HOW_BLOCK,
                label=plain("How it goes"),
                element=RadioButtonsElement(
                    action_id=ids.SPEAKUP_VALUE,
                    options=[
                        (anonymous := Option(text=plain("Anonymous"), value=ANONYMOUS)),
                        Option(text=plain("With my name"), value=NAMED),
                    ],
                    initial_option=anonymous,
                ),
            ),
        ],
    )


def _value(values: dict[str, Any], block: str) -> dict[str, Any]:
    return dict((values.get(block) or {}).get(ids.SPEAKUP_VALUE) or {})


def parse_speakup_modal(values: dict[str, Any]) -> tuple[str, str, bool]:
    """(text, topic, named) from the modal's state."""
    text = _value(values, ids.SPEAKUP_TEXT_BLOCK).get("value") or ""
    topic = (_value(values, ids.SPEAKUP_TOPIC_BLOCK).get("selected_option") or {}).get("value") or ""
    how = (_value(values, ids.SPEAKUP_HOW_BLOCK).get("selected_option") or {}).get("value") or ANONYMOUS
    return text, topic, how == NAMED


MODAL_FIELDS = {
    "message": ids.SPEAKUP_TEXT_BLOCK,
    "topic": ids.SPEAKUP_TOPIC_BLOCK,
    "": ids.SPEAKUP_TEXT_BLOCK,
}


def sent_notice(started: rules.Started) -> str:
    who = "with your name" if started.named else "anonymously"
    return (
        f"Thank you for speaking up. Your message goes to the receivers {who} after a short random delay; "
        "their replies will reach you here as a DM from the bot. "
        f"You can start {started.left_today} more conversation(s) today."
    )


# --- reply modals (receivers from a card; the member from their DM) -------------------------------------


def reply_modal(callback_id: str, conversation_id: int, channel: str, *, to_member: bool) -> dict[str, Any]:
    intro = (
        "Your reply is posted in the card's thread now and reaches the member by DM after a random delay."
        if to_member
        else "Your answer appears in the card's thread as *Anonymous* after a random delay."
    )
    return view(
        type="modal",
        callback_id=callback_id,
        private_metadata=json.dumps({"conversation": conversation_id, "channel": channel}),
        title=plain("Reply", 24),
        submit=plain("Send", 24),
        close=plain("Cancel", 24),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=intro)),
            InputBlock(
                block_id=ids.SPEAKUP_REPLY_BLOCK,
                label=plain("Your reply"),
                element=PlainTextInputElement(
                    action_id=ids.SPEAKUP_VALUE, multiline=True, max_length=rules.MAX_TEXT
                ),
            ),
        ],
    )


def parse_reply_modal(view_payload: dict[str, Any]) -> tuple[int, str, str]:
    """(conversation id, card channel, text) from a submitted reply modal."""
    meta = json.loads(view_payload.get("private_metadata") or "{}")
    text = _value(view_payload["state"]["values"], ids.SPEAKUP_REPLY_BLOCK).get("value") or ""
    return int(meta.get("conversation", 0)), str(meta.get("channel", "")), text


# --- leadership card and its thread ------------------------------------------------------------------


def speakup_card(card: rules.SpeakupCard) -> Message:
    c = card.conversation
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Speak up · {c.topic}")),
        *text_sections(c.text),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"From: *{_from(c.sender)}* · Status: *{STATUS_WORDS.get(c.status, c.status)}*"
                    + (" · share requested" if c.share_requested and not c.shared else "")
                    + (' · shared as "you said, we did"' if c.shared else "")
                    + (" · flagged" if c.flagged else "")
                )
            ]
        ),
    ]
    if c.status != rules.CLOSED:
        value = str(c.id)
        buttons = [ButtonElement(text=plain("Reply", 75), action_id=ids.SPEAKUP_REPLY, value=value)]
        if c.status == rules.OPEN:
            buttons.append(
                ButtonElement(text=plain("Acknowledge", 75), action_id=ids.SPEAKUP_ACKNOWLEDGE, value=value)
            )
        if c.status != rules.RESOLVED:
            buttons.append(
                ButtonElement(text=plain("Mark resolved", 75), action_id=ids.SPEAKUP_RESOLVE, value=value)
            )
        if not c.share_requested:
            buttons.append(
                ButtonElement(
                    text=plain('Share as "you said, we did"', 75), action_id=ids.SPEAKUP_SHARE, value=value
                )
            )
        buttons.append(
            ButtonElement(text=plain("Flag as abusive", 75), action_id=ids.SPEAKUP_FLAG, value=value)
        )
        blocks.append(ActionsBlock(elements=buttons))
    return message(f"Speak up ({c.topic}) from {_from(c.sender)}", blocks)


def thread_reply(reply: rules.ThreadReply) -> Message:
    if reply.from_sender:
        head = f"*{_from(reply.sender)}* (the member) answered:"
    else:
        who = f"<@{reply.author}>" if reply.author else "A receiver"
        head = f"{who} replied (the member gets it by DM after a random delay):"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head)), *text_sections(reply.text)]
    return message(head, blocks)


def thread_note(note: rules.ThreadNote) -> Message:
    text = FLAG_EVENTS.get(note.event, note.event)
    return message(text, [ContextBlock(elements=[MarkdownTextObject(text=text)])])


# --- the member's DMs ----------------------------------------------------------------------------------


def _member_buttons(conversation_id: int, *, share: bool = False) -> ActionsBlock:
    value = str(conversation_id)
    buttons = [ButtonElement(text=plain("Reply", 75), action_id=ids.SPEAKUP_ANSWER, value=value)]
    if share:
        buttons.append(
            ButtonElement(
                text=plain("Yes, share it", 75),
                action_id=ids.SPEAKUP_AGREE_SHARE,
                value=value,
                style="primary",
            )
        )
    buttons.append(
        ButtonElement(text=plain("Close the conversation", 75), action_id=ids.SPEAKUP_CLOSE, value=value)
    )
    return ActionsBlock(elements=buttons)


def reply_dm(reply: rules.ReplyToSender) -> Message:
    head = f"*Leadership replied* to what you raised about _{escape(reply.topic)}_:"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=head)),
        *text_sections(reply.text),
        ContextBlock(
            elements=[MarkdownTextObject(text="Your answer stays anonymous unless you gave your name.")]
        ),
        _member_buttons(reply.conversation_id),
    ]
    return message(f"Leadership replied about {reply.topic}", blocks)


STATUS_DM = {
    rules.ACKNOWLEDGED: "Leadership *acknowledged* what you raised about _{topic}_.",
    rules.RESOLVED: "Leadership marked what you raised about _{topic}_ as *resolved*.",
    "share_requested": (
        'Leadership would like to share what you raised about _{topic}_ as "you said, we did" (your words, '
        "without your name unless you gave it). Nothing is shared unless you say yes."
    ),
}


def status_dm(status: rules.StatusToSender) -> Message:
    text = STATUS_DM.get(status.status, "Your conversation about _{topic}_ changed.").format(
        topic=escape(status.topic)
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        _member_buttons(status.conversation_id, share=status.status == "share_requested"),
    ]
    return message(text.replace("*", "").replace("_", ""), blocks)


def flag_dm(flag: rules.FlagToOwner) -> Message:
    head = (
        "*A Speak up message was flagged by two receivers*: its sender can no longer start or answer "
        "conversations. Nobody, you included, is told who they are."
        if flag.blocked
        else "*A receiver flagged a Speak up message as abusive.* If a second receiver flags it, its "
        "sender is stopped from sending (without anyone learning who they are)."
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=head)),
        ContextBlock(elements=[MarkdownTextObject(text=f"Topic: {escape(flag.topic)}")]),
        *text_sections(flag.text),
    ]
    return message("A Speak up message was flagged", blocks)


def done_notice(what: str) -> str:
    return {
        "closed": "Closed. The receivers will see that you ended the conversation (after a short delay).",
        "already_closed": "This conversation is already closed.",
        "shared": 'Thank you: the receivers may now share it as "you said, we did".',
        "not_shared": "There is nothing to agree to here any more.",
        "answered": "Sent: your answer appears in the card's thread as Anonymous after a short delay.",
        "flagged": "Flagged. The owners were told; a second receiver's flag stops the sender.",
        "blocked": "Flagged. That was the second flag: the sender is stopped. Nobody learns who they are.",
        "already": "You flagged this conversation already.",
    }[what]


def speakup_home_section() -> list[Block]:
    """App Home: the way in for people who don't use slash commands."""
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text="*Speak up*\nRaise a concern, an idea or a mistake with leadership, anonymously if you "
                "like, and get an answer here. `/speakup` does the same."
            )
        ),
        ActionsBlock(elements=[ButtonElement(text=plain("Speak up", 75), action_id=ids.SPEAKUP_OPEN)]),
    ]
