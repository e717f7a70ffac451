"""Slack listeners, one module per capability; register_all wires them onto the app explicitly."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    digest,
    empathy,
    errors,
    feedback,
    home,
    ignored,
    kudos,
    lifecycle,
    pulse,
    sources,
    speakup,
)
from handlers import directory as people_directory


def register_all(app: App) -> None:
    errors.register(app)
    home.register(app)
    lifecycle.register(app)
    empathy.register(app)
    feedback.register(app)
    pulse.register(app)
    kudos.register(app)
    digest.register(app)
    speakup.register(app)
    people_directory.register(app)
    sources.register(app)
    ignored.register(app)  # last: acknowledges events no capability matched
