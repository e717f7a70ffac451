"""Feedback reminders: SLA nudges for unanswered negative feedback and follow-ups after a resolve."""

from __future__ import annotations

from bot.container import Container


def send_feedback_nudges(container: Container) -> None:
    if container.feedback.send_nudges():
        container.outbox.wakeup()
