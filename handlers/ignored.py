"""Requests no capability wants: acknowledged, logged if they are interactions, registered last.

Bolt answers 404 to a request no listener matches, and Slack treats that as a failure: a button shows an
error to the person who clicked it, a modal cannot be submitted, and events are retried (too many
failures disable the app's event subscriptions). Reactions and messages arrive for every conversation
the bot is in; only card threads, card reactions and the recognition emoji matter, and everything else
ends here, unread. A click or submission nobody claims comes from a message or modal of an older
version of the bot: acknowledged so the person sees no error, and logged so it can be looked into.
(Shortcuts are not caught: tests/test_manifest.py keeps every declared one matched by a listener.)
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

log = logging.getLogger(__name__)

ANY = re.compile(r".*", re.DOTALL)


def register(app: App) -> None:
    app.event("reaction_added")(ignore)
    app.event("reaction_removed")(ignore)
    app.event("message")(ignore)
    app.action(ANY)(acknowledge_unknown_action)
    app.view(ANY)(acknowledge_unknown_submission)
    app.view_closed(ANY)(acknowledge_unknown_submission)
    app.options(ANY)(answer_unknown_options)


def ignore() -> None:
    return None


def _where(body: dict[str, Any]) -> tuple[str, str]:
    team = (body.get("team") or {}).get("id") or body.get("team_id") or "?"
    user = (body.get("user") or {}).get("id") or "?"
    return str(team), str(user)


def acknowledge_unknown_action(ack: Ack, action: dict[str, Any], body: dict[str, Any]) -> None:
    ack()
    team, user = _where(body)
    name = action.get("action_id") or action.get("callback_id") or body.get("callback_id")
    log.warning("unclaimed action %r from %s in %s acknowledged and ignored", name, user, team)


def acknowledge_unknown_submission(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    team, user = _where(body)
    callback = (body.get("view") or {}).get("callback_id")
    log.warning(
        "unclaimed %s %r from %s in %s acknowledged and ignored", body.get("type"), callback, user, team
    )


def answer_unknown_options(ack: Ack, body: dict[str, Any]) -> None:
    ack(options=[])
    team, user = _where(body)
    name = body.get("action_id") or body.get("callback_id")
    log.warning("unclaimed options request %r from %s in %s answered with none", name, user, team)
