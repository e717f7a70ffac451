"""Renderers for feedback messages: content record type -> Message (built by bot/views/feedback.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.feedback import FeedbackCard, FollowUpReminder, FullTextReply, SlaReminder
from bot.views.common import Message
from bot.views.feedback import feedback_card, follow_up_reminder, full_text_reply, sla_reminder


def _full_text(content: FullTextReply) -> Message:
    reply = full_text_reply(content.item)
    if reply is None:  # the service sends one only for text the card cut (bot.domain.feedback.fits_on_card)
        raise ValueError(f"feedback {content.item.id}: its text fits on the card, no thread reply to send")
    return reply


RENDERERS: Mapping[type, Callable[[Any], Message]] = {
    FeedbackCard: lambda content: feedback_card(content.item),
    FullTextReply: _full_text,
    SlaReminder: lambda content: sla_reminder(content.item, content.hours, content.stage),
    FollowUpReminder: lambda content: follow_up_reminder(content.item),
}
