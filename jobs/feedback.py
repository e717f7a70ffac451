"""Feedback reminders: SLA reminders for unanswered negative feedback and follow-ups after a resolve."""

from __future__ import annotations

from bot.container import Container


def send_feedback_nudges(container: Container) -> None:
    """Job id kept from before the glossary's "reminder" (schedules and tests name it); the notifier wakes
    the outbox once the reminders are committed."""
    container.feedback.send_reminders()


def learn_feedback_labels(container: Container) -> None:
    """Teach each workspace's sentiment model its newly rated and corrected items (off the request path:
    about 60 ms per model update, one update per batch). Models an earlier learner stored are rebuilt
    first, here rather than in a request."""
    container.sentiment.upgrade_outdated()
    container.feedback.learn_pending()
