"""Intake adapters: each vendor's documented webhook payload (+ headers) to a FeedbackInput, pure."""

from __future__ import annotations

from bot.domain.intake import (
    delighted,
    freshdesk,
    helpscout,
    intercom,
    postmark,
    sendgrid,
    stripe,
    tally,
    trustpilot,
    typeform,
    zendesk,
)
from bot.domain.intake.common import Adapter, Delivery, Ignored, Parsed, PayloadInvalid, Result

ADAPTERS: dict[str, Adapter] = {
    a.kind: a
    for a in (
        typeform.ADAPTER,
        tally.ADAPTER,
        delighted.ADAPTER,
        zendesk.ADAPTER,
        freshdesk.ADAPTER,
        helpscout.ADAPTER,
        intercom.ADAPTER,
        trustpilot.ADAPTER,
        stripe.ADAPTER,
        sendgrid.ADAPTER,
        postmark.ADAPTER,
    )
}

__all__ = ["ADAPTERS", "Adapter", "Delivery", "Ignored", "Parsed", "PayloadInvalid", "Result"]
