"""Requests shaped and signed exactly as Slack sends them, and a driver that dispatches them to the App."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse

from tests.slack_standin import TEAM_ID

_ids = itertools.count(1)


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of 'v0:{timestamp}:{body}' with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}


def slash_command_body(
    command: str,
    text: str,
    *,
    user: str,
    team: str = TEAM_ID,
    channel: str = "CGENERAL",
    response_url: str = "",
    trigger_id: str | None = None,
) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": team,
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AAPP1",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or f"trigger.{next(_ids)}",
        }
    )


def interactive_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_actions_payload(
    action_id: str,
    *,
    user: str,
    value: str | None = None,
    team: str = TEAM_ID,
    block_id: str = "b",
    channel: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
    action: dict[str, Any] | None = None,
) -> dict[str, Any]:
    act = {"action_id": action_id, "block_id": block_id, "type": "button", "action_ts": "1.2"}
    if value is not None:
        act["value"] = value
    act.update(action or {})
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team, "domain": "example"},
        "user": {"id": user, "team_id": team, "username": user.lower()},
        "api_app_id": "AAPP1",
        "trigger_id": f"trigger.{next(_ids)}",
        "actions": [act],
    }
    if channel is not None:
        payload["channel"] = {"id": channel}
        payload["container"] = {
            "type": "message",
            "channel_id": channel,
            "message_ts": (message or {}).get("ts", "1.1"),
        }
        payload["message"] = message or {"ts": "1.1", "text": ""}
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission_payload(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    user: str,
    team: str = TEAM_ID,
    private_metadata: str = "",
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "example"},
        "user": {"id": user, "team_id": team},
        "api_app_id": "AAPP1",
        "trigger_id": f"trigger.{next(_ids)}",
        "view": {
            "id": f"V{next(_ids)}",
            "type": "modal",
            "callback_id": callback_id,
            "team_id": team,
            "private_metadata": private_metadata,
            "state": {"values": values},
        },
    }


def event_envelope(
    event: dict[str, Any], *, team: str = TEAM_ID, event_id: str | None = None
) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "AAPP1",
        "type": "event_callback",
        "event": {"event_ts": "1800000000.000001", **event},
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": 1800000000,
        "authorizations": [{"team_id": team, "user_id": "UBOT0001", "is_bot": True}],
    }


@dataclass
class SlackDriver:
    """Sends signed Slack requests to the real Bolt App through app.dispatch, as Bolt's adapters do."""

    app: App
    signing_secret: str
    response_url: str = ""

    def send(
        self,
        body: str,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> BoltResponse:
        headers = {
            "content-type": content_type,
            **sign(body, self.signing_secret, timestamp),
            **(extra_headers or {}),
        }
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def command(self, command: str, text: str = "", *, user: str, **kwargs: Any) -> BoltResponse:
        kwargs.setdefault("response_url", self.response_url)
        return self.send(
            slash_command_body(command, text, user=user, **kwargs), "application/x-www-form-urlencoded"
        )

    def action(self, action_id: str, *, user: str, **kwargs: Any) -> BoltResponse:
        kwargs.setdefault("response_url", self.response_url or None)
        return self.interactive(block_actions_payload(action_id, user=user, **kwargs))

    def submit(
        self, callback_id: str, values: dict[str, dict[str, dict[str, Any]]], *, user: str, **kwargs: Any
    ) -> BoltResponse:
        return self.interactive(view_submission_payload(callback_id, values, user=user, **kwargs))

    def interactive(self, payload: dict[str, Any]) -> BoltResponse:
        return self.send(interactive_body(payload), "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], *, retry_num: int | None = None, **kwargs: Any) -> BoltResponse:
        headers = (
            {}
            if retry_num is None
            else {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"}
        )
        return self.send(json.dumps(event_envelope(event, **kwargs)), "application/json", headers)

    def event_envelope(self, envelope: dict[str, Any], *, retry_num: int | None = None) -> BoltResponse:
        headers = (
            {}
            if retry_num is None
            else {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"}
        )
        return self.send(json.dumps(envelope), "application/json", headers)


def response_json(response: BoltResponse) -> dict[str, Any]:
    return json.loads(response.body) if response.body else {}


def final_answer(slack: Any, response: BoltResponse) -> dict[str, Any]:
    """What the person finally sees for a command: its ack, or, when the ack only said "working on it",
    what came through response_url after it (tests process before responding, so it has arrived)."""
    from bot.views.common import WORKING

    answer = response_json(response)
    if answer.get("text") != WORKING:
        return answer
    return dict(slack.calls_to("respond")[-1].params)
