"""The one error handler: logs with traceback, tells the user something kind and useful."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot.domain.errors import NotAllowed, UserFacingError
from bot.views.common import notice_modal

log = logging.getLogger("empathy_bot.domain.errors")

DB_DOWN = "I can't reach my database right now, so nothing was saved. Please try again in a moment."
BUSY = "I'm busy with another change right now, so nothing was saved. Please try again in a few seconds."
SLACK_BUSY = "Slack asked me to slow down for a moment, so nothing was saved. Please try again in a minute."
UNEXPECTED = (
    "Sorry, something went wrong on my side and nothing was saved. "
    "Please try again; if it keeps happening, tell an owner."
)


def register(app: App) -> None:
    app.error(handle_error)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    request: BoltRequest,
    response: BoltResponse | None,
    client: WebClient,
    respond: Respond | None,
) -> BoltResponse | None:
    if isinstance(error, NotAllowed):
        log.warning(
            "refused %s from user %s: %s", body.get("type") or body.get("command"), _user(body), error
        )
        text = error.message
    elif isinstance(error, UserFacingError):
        text = error.message
    elif isinstance(error, OperationalError) and "database is locked" in str(error.orig):
        # SQLite's busy timeout ran out behind another writer: say so rather than time out in silence.
        log.warning("database busy while handling a request")
        text = BUSY
    elif isinstance(error, SlackApiError) and error.response.status_code == 429:
        # Listeners' client fails fast on a rate limit instead of waiting past Slack's 3 s.
        log.warning("rate-limited by Slack while handling a request: %s", error.response.get("error"))
        text = SLACK_BUSY
    elif isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        log.error("database unavailable while handling a request", exc_info=error)
        text = DB_DOWN
    else:
        log.error("unhandled error in a listener", exc_info=error)
        text = UNEXPECTED
    acked = request.context.ack is not None and request.context.ack.response is not None
    told = tell_user(text, body, not acked, client, respond)
    if not acked:
        return told
    # Already acknowledged: Slack has its answer. With process_before_response Bolt would turn the error
    # into an HTTP 500 after the fact unless it gets the ack back; on the listener executor it passes no
    # response and there is nothing to give back (returning one there trips an assertion in Bolt).
    return request.context.ack.response if response is not None else None


def _user(body: dict[str, Any]) -> str | None:
    return body.get("user_id") or (body.get("user") or {}).get("id")


def tell_user(
    text: str, body: dict[str, Any], not_acked: bool, client: WebClient, respond: Respond | None
) -> BoltResponse | None:
    """Show `text` to the person behind `body` in the one way this kind of request allows.

    Before ack a slash command or modal submission answers in the HTTP response; after it, through
    response_url, an ephemeral message, or a modal opened with the trigger.
    """
    if body.get("command") and not_acked:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    if body.get("type") == "view_submission" and not_acked:
        return BoltResponse(
            status=200,
            body=json.dumps({"response_action": "update", "view": notice_modal("Not saved", text)}),
            headers={"content-type": ["application/json"]},
        )
    try:
        if respond is not None and body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif (channel := (body.get("channel") or {}).get("id") or body.get("channel_id")) and (
            user := _user(body)
        ):
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        elif body.get("trigger_id"):
            client.views_open(trigger_id=body["trigger_id"], view=notice_modal("Sorry", text))
    except (SlackApiError, OSError) as exc:
        log.warning("could not tell the user about an error: %s", exc)
    return None
