"""Renderers for Speak up messages: content record type -> Message (built by bot/views/speakup.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain import speakup as records
from bot.views import speakup as views
from bot.views.common import Message

RENDERERS: Mapping[type, Callable[[Any], Message]] = {
    records.SpeakupCard: views.speakup_card,
    records.ThreadReply: views.thread_reply,
    records.ThreadNote: views.thread_note,
    records.ReplyToSender: views.reply_dm,
    records.StatusToSender: views.status_dm,
    records.FlagToOwner: views.flag_dm,
}
