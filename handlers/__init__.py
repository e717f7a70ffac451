"""Slack listeners, one module per capability; register_all wires them onto the app explicitly."""

from __future__ import annotations

from slack_bolt import App

from handlers import empathy, errors, feedback, home, kudos, lifecycle

# Subscribed events that capabilities claim with matchers (their cards, the recognition emoji). Anything
# left over must still get a 200: Bolt answers 404 to an unclaimed event and Slack retries it.
SHARED_EVENTS = ("reaction_added", "reaction_removed", "message")


def register_all(app: App) -> None:
    errors.register(app)
    home.register(app)
    lifecycle.register(app)
    empathy.register(app)
    feedback.register(app)
    kudos.register(app)
    # Last: Bolt runs only the first listener whose matchers match.
    for event in SHARED_EVENTS:
        app.event(event)(ignore_unclaimed_event)


def ignore_unclaimed_event() -> None:
    """A reaction or message none of our listeners is about: nothing to do, nothing read or stored."""
