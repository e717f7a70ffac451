"""Trust: any customer text through the feedback card builders stays within Block Kit limits and inert."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.domain.feedback import FeedbackItem, masked
from bot.domain.pii import mask_pii
from bot.views.common import MAX_MESSAGE_BLOCKS, SECTION_TEXT_LIMIT, TOP_TEXT_LIMIT, Message, quote
from bot.views.feedback import (
    MORE,
    STATES,
    feedback_card,
    follow_up_reminder,
    full_text_reply,
    sla_reminder,
)

HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123ABC>",
    "<#C123ABC>",
    "<!subteam^S123>",
    "<https://evil.example|your bank>",
    "<http://x>",
    "<mailto:a@b.c|mail>",
    "&lt;!channel&gt;",
    "&",
    "<",
    ">",
    "|",
    "*",
    "_",
    "`",
    "```",
    "~",
    "\n",
    "\r\n",
    "@channel",
    "\u200b",
    "\u202e",
    "😀",
    "jane.doe@example.com",
    "+49 151 2345 6712",
    " ",
]
hostile_text = st.one_of(
    st.text(max_size=3000),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20)), max_size=400).map("".join),
)
# Any live token Slack would expand: a mention, a special mention, a channel, or a link (disguised or not).
LIVE = re.compile(r"<(?:[!@#]|https?:|mailto:)[^>]*>|<!|<@|<#|<https?:")


EXAMPLE: dict[str, Any] = {
    "customer": None,
    "source": "csv",
    "tags": (),
    "rating": None,
    "polarity": 0.0,
    "label": "neutral",
    "state": "new",
    "resolution": None,
    "root_cause": None,
    "rule": None,
}


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return []


def check(message: Message) -> None:
    assert len(message.blocks) <= MAX_MESSAGE_BLOCKS
    assert 0 < len(message.text) <= TOP_TEXT_LIMIT
    for block in message.blocks:
        Block.parse(block).to_dict()  # type: ignore[union-attr]  # slack_sdk validates every limit
        for section_text in [block.get("text", {}).get("text", "")] + [
            e.get("text", "") for e in block.get("elements", []) if e.get("type") == "mrkdwn"
        ]:
            assert len(section_text) <= SECTION_TEXT_LIMIT
    for text in strings(message.blocks) + [message.text]:
        assert "<" not in text, f"unescaped angle bracket in {text[:200]!r}"
        assert not LIVE.search(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=hostile_text.filter(str.strip),
    customer=st.none() | hostile_text.map(lambda s: s[:255]),
    source=hostile_text.map(lambda s: s[:64] or "csv"),
    tags=st.lists(hostile_text.map(lambda s: s[:40]), max_size=8).map(tuple),
    rating=st.none() | st.floats(-1e6, 1e6, allow_nan=False),
    polarity=st.floats(-1, 1),
    label=st.sampled_from(["positive", "neutral", "negative"]),
    state=st.sampled_from(sorted(STATES)),
    resolution=st.none() | hostile_text,
    root_cause=st.none() | hostile_text.map(lambda s: s[:64]),
    rule=st.none() | hostile_text.map(lambda s: s[:255]),
)
@example(**{**EXAMPLE, "text": "<" * 1000})  # escapes 4x: the quote must not be cut silently
@example(**{**EXAMPLE, "text": "\n" * 1100 + "x"})
@example(**{**EXAMPLE, "text": "<!channel> <@U1> <https://evil|bank> " * 200})
@example(**{**EXAMPLE, "text": "& " * 20_000})
def test_any_customer_text_makes_a_valid_inert_card(
    text: str,
    customer: str | None,
    source: str,
    tags: tuple[str, ...],
    rating: float | None,
    polarity: float,
    label: str,
    state: str,
    resolution: str | None,
    root_cause: str | None,
    rule: str | None,
) -> None:
    item = FeedbackItem(
        id=42,
        source=source,
        text=text,
        customer=customer,
        rating=rating,
        tags=tags,
        polarity=polarity,
        label=label,
        label_corrected_by=None,
        rule=rule,
        state=state,
        assignee=None,
        resolution=resolution,
        root_cause=root_cause,
    )
    item = masked(item)  # as services hand items to the views (bot.services.feedback)
    card = feedback_card(item)
    check(card)
    check(follow_up_reminder(item))
    check(sla_reminder(item, 12.5, 2))
    reply = full_text_reply(item)
    if reply is None:
        assert card.blocks[1]["text"]["text"] == quote(mask_pii(text)), "cut text needs the thread reply"
    else:
        check(reply)
        assert card.blocks[1]["text"]["text"].endswith(MORE)


def test_text_that_only_grows_when_escaped_goes_whole_into_the_thread() -> None:
    item = FeedbackItem(id=1, text="<" * 1000, label_corrected_by=None, assignee=None, **EXAMPLE)
    card, reply = feedback_card(item), full_text_reply(item)
    assert card.blocks[1]["text"]["text"].endswith(MORE)
    assert reply is not None
    assert sum(b["text"]["text"].count("&lt;") for b in reply.blocks) == 1000
