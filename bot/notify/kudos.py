"""Renderers for kudos messages: content record type -> Message (built by bot/views/kudos.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.kudos import FairnessNote, KudosCard, KudosDM, PraiseOffer, ResolutionOffer
from bot.views.common import Message
from bot.views.kudos import fairness_nudge, kudos_card, kudos_dm, praise_offer, resolution_offer


def _card(content: KudosCard) -> Message:
    return kudos_card(content.recognition)


def _dm(content: KudosDM) -> Message:
    return kudos_dm(content.recognition, content.receiver, content.card_channel)


def _offer(content: PraiseOffer) -> Message:
    return praise_offer(content.feedback_id, content.receiver, content.customer, content.excerpt)


def _resolution_offer(content: ResolutionOffer) -> Message:
    return resolution_offer(content.feedback_id, content.owner, content.customer, content.complaint)


def _fairness(content: FairnessNote) -> Message:
    return fairness_nudge(content.names, content.weeks)


RENDERERS: Mapping[type, Callable[[Any], Message]] = {
    KudosCard: _card,
    KudosDM: _dm,
    PraiseOffer: _offer,
    ResolutionOffer: _resolution_offer,
    FairnessNote: _fairness,
}
