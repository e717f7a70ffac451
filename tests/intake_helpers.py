"""Driving the vendor intake routes as each vendor does: its documented payload, its signature or token."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.intake.source import NewSource
from bot.web import build_web_app
from handlers import ingest
from tests.conftest import OWNER
from tests.http_client import HttpResult, call_wsgi
from tests.slack_requests import TEAM_ID

FIXTURES = Path(__file__).parent / "fixtures" / "intake"
SECRET = "whsec_test_0123456789abcdef"
BOUNDARY = "xYzZY"
TOKEN_ONLY = ("freshdesk", "trustpilot", "postmark", "sendgrid")


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    data.setdefault("kind", name)
    return data


def configure(container: Container) -> None:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01", "keep_pii": True}
    )


def add_source(container: Container, kind: str, name: str | None = None, team_id: str = TEAM_ID) -> NewSource:
    return container.sources.add(Actor.operator(team_id), name or kind, kind, secret=SECRET)


def secret_and_token(container: Container, actor: Actor, name: str) -> tuple[str, str]:
    """A generic JSON source made as owners make it: its HMAC secret and bearer token (shown once)."""
    made = container.sources.add(actor, name)
    return made.secret, made.token


def multipart(fields: dict[str, str]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def raw_body(case: dict[str, Any], body: Any = None) -> tuple[bytes, str]:
    if "form" in case:
        return multipart(
            body if body is not None else case["form"]
        ), f"multipart/form-data; boundary={BOUNDARY}"
    return json.dumps(body if body is not None else case["body"]).encode(), "application/json"


def drop(body: Any, paths: list[str]) -> Any:
    """A copy of body without the dotted paths (list indexes as numbers)."""
    body = copy.deepcopy(body)
    for path in paths:
        *parents, last = path.split(".")
        node = body
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node.pop(int(last))
        else:
            node.pop(last, None)
    return body


def auth_headers(kind: str, secret: str, token: str, raw: bytes, now: int) -> dict[str, str]:
    """The headers the vendor would send: its signature, or our token where the vendor has none."""
    mac = lambda msg, algo="sha256": hmac.new(secret.encode(), msg, getattr(hashlib, algo))  # noqa: E731
    if kind == "typeform":
        return {"Typeform-Signature": "sha256=" + base64.b64encode(mac(raw).digest()).decode()}
    if kind == "tally":
        return {"Tally-Signature": base64.b64encode(mac(raw).digest()).decode()}
    if kind == "delighted":
        return {"X-Delighted-Webhook-Signature": "sha256=" + mac(raw).hexdigest()}
    if kind == "zendesk":
        stamp = "2026-11-30T09:00:00Z"
        return {
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            "X-Zendesk-Webhook-Signature": base64.b64encode(mac(stamp.encode() + raw).digest()).decode(),
        }
    if kind == "helpscout":
        return {"X-HelpScout-Signature": base64.b64encode(mac(raw, "sha1").digest()).decode()}
    if kind == "intercom":
        return {"X-Hub-Signature": "sha1=" + mac(raw, "sha1").hexdigest()}
    if kind == "stripe":
        return {"Stripe-Signature": f"t={now},v1={mac(f'{now}.'.encode() + raw).hexdigest()}"}
    if kind in ("postmark", "sendgrid"):  # basic auth in the webhook URL, as both vendors document
        return {"Authorization": "Basic " + base64.b64encode(f"postmark:{token}".encode()).decode()}
    return {"Authorization": f"Bearer {token}"}


def deliver(
    container: Container,
    kind: str,
    url_id: str,
    raw: bytes,
    headers: dict[str, str],
    content_type: str = "application/json",
) -> HttpResult:
    web = build_web_app(container, None, extra_routes=ingest.routes(container))
    path = f"{ingest.PATH}/{kind}"
    query = f"source={url_id}"
    return call_wsgi(web, "POST", path, raw, {"Content-Type": content_type, **headers}, query=query)


def send(container: Container, case: dict[str, Any], source: NewSource, body: Any = None) -> HttpResult:
    """Deliver the case's payload (or `body`) signed as the vendor signs it."""
    raw, content_type = raw_body(case, body)
    now = int(container.clock.now().timestamp())
    headers = {**case.get("headers", {}), **auth_headers(case["kind"], source.secret, source.token, raw, now)}
    return deliver(container, case["kind"], source.source.url_id, raw, headers, content_type)
