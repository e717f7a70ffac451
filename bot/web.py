"""The HTTP surface: Slack requests to Bolt, /healthz, and any extra routes (e.g. feedback ingest).

The edge refuses what it can before reading or parsing anything: bodies over the path's limit by
Content-Length, Slack requests with a bad or stale signature or a replayed one, and bodies that are not
well-formed. A client error is a short JSON answer, never a traceback; a database that is down or
read-only is a 503 with Retry-After, whatever route met it.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from bot.container import Container
from bot.http import Request, Response, Route
from storage.db import ping
from storage.repositories import delivery as delivery_repo
from storage.repositories import outbox as outbox_repo

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # /slack/* and any other route; larger bodies are refused before they are read
INGEST_MAX_BODY = 64 * 1024  # /feedback/ingest*
RETRY_AFTER_SECONDS = 30  # what a client is asked to wait when the database is unavailable
MAX_HEADER = 64 * 1024
CHANNEL_TIMEOUT = 30  # seconds a connection may sit idle (slow clients) before waitress closes it

REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"ok": False, "error": message})


def body_limit(path: str) -> int:
    return INGEST_MAX_BODY if path.startswith("/feedback/ingest") else MAX_BODY


def database_unavailable(exc: BaseException) -> bool:
    """Down, unreachable, locked or read-only: a temporary condition the client should retry after."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def unavailable() -> Response:
    response = _error(503, "the database is unavailable; try again later")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def healthz(container: Container, name: str = "web") -> Route:
    """200 only when the database answers and accepts a write; reports how late the outbox runs."""

    def check(_request: Request) -> Response:
        try:
            ping(container.engine)
        except SQLAlchemyError as exc:
            log.warning("health check: database unavailable: %s", type(exc).__name__)
            return Response.json(503, {"status": "unavailable", "database": "unreachable"})
        now = container.clock.now()
        try:
            with container.sessions.begin() as s:
                delivery_repo.beat(s, name, now)
            with container.sessions() as s:
                counts = outbox_repo.counts_by_status(s)
                oldest_due = outbox_repo.oldest_due_age(s, now)
        except SQLAlchemyError as exc:
            log.warning("health check: database does not accept writes: %s", type(exc).__name__)
            return Response.json(503, {"status": "unavailable", "database": "not writable"})
        return Response.json(
            200,
            {
                "status": "ok",
                "database": "ok",
                "outbox": {
                    "pending": counts.get("pending", 0),
                    "dead": counts.get("dead", 0),
                    "oldest_due_seconds": None if oldest_due is None else round(oldest_due, 1),
                },
            },
        )

    return check


def well_formed(body: bytes, content_type: str) -> bool:
    """Whether Bolt can parse the body: JSON (not nested past the parser's limit) or a form whose
    `payload` field, if any, is such JSON."""
    try:
        if content_type.startswith("application/json"):
            json.loads(body)
        else:
            payload = parse_qs(body.decode(), strict_parsing=False).get("payload")
            if payload:
                json.loads(payload[0])
    except (ValueError, RecursionError):
        return False
    return True


class SlackGate:
    """What a Slack request must pass before Bolt sees it: signature, freshness, no replay, sane body."""

    def __init__(self, container: Container, signing_secret: str) -> None:
        self._container = container
        self._verifier = SignatureVerifier(signing_secret)

    def refuse(self, headers: Mapping[str, str], body: bytes) -> Response | None:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp.isdigit() or not self._verifier.is_valid(body, timestamp, signature):
            return _error(401, "invalid request")
        if not well_formed(body, headers.get("content-type", "")):
            return _error(400, "malformed body")
        if not self._first_use(signature, int(timestamp), headers):
            log.warning("refused a replayed Slack request (timestamp %s)", timestamp)
            return _error(401, "request already received")
        return None

    def _first_use(self, signature: str, timestamp: int, headers: Mapping[str, str]) -> bool:
        """A signature is accepted once. Slack's own event retries (X-Slack-Retry-Num) go through: the
        events' ids deduplicate those downstream. Commands and interactions are never retried by Slack,
        so a second use of their signature can only be a replay. Fails open if the database is down:
        the listener meets the same outage and nothing can be written twice."""
        try:
            first = delivery_repo.first_use(self._container.engine, signature, timestamp)
        except SQLAlchemyError as exc:
            log.warning("could not check a Slack request for replay: %s", type(exc).__name__)
            return True
        return first or bool(headers.get("x-slack-retry-num"))


class WebApp:
    """A small WSGI application: Slack paths go to Bolt's adapter, other paths to named routes."""

    def __init__(
        self,
        bolt_app: App | None,
        routes: Mapping[tuple[str, str], Route],
        gate: SlackGate | None = None,
    ) -> None:
        self._slack = SlackRequestHandler(bolt_app) if bolt_app is not None else None
        self._routes = dict(routes)
        self._gate = gate

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        response: Response | Iterable[bytes]
        try:
            response = self._dispatch(environ, method, path, start_response)
        except Exception as exc:  # noqa: BLE001 - the edge answers, whatever a route raised
            if database_unavailable(exc):
                log.warning("%s %s: database unavailable: %s", method, path, type(exc).__name__)
                response = unavailable()
            else:
                log.error("%s %s failed", method, path, exc_info=exc)
                response = _error(500, "internal error")
        if not isinstance(response, Response):  # Bolt's answer, already started
            return response
        status = f"{response.status} {REASONS.get(response.status, 'Unknown')}"
        start_response(status, [*response.headers.items(), ("Content-Length", str(len(response.body)))])
        return [response.body]

    def _dispatch(
        self, environ: dict[str, Any], method: str, path: str, start_response: Callable[..., Any]
    ) -> Response | Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            return _error(400, "bad Content-Length")
        limit = body_limit(path)
        if int(length) > limit:
            return _error(413, f"body larger than {limit} bytes")
        if self._slack is not None and path.startswith("/slack/"):
            return self._to_bolt(environ, method, int(length), start_response)
        route = self._routes.get((method, path))
        if route is None:
            allowed = [m for (m, p) in self._routes if p == path]
            if allowed:
                return _error(405, f"use {', '.join(allowed)} for {path}")
            return _error(404, f"no such path: {path}")
        body = environ["wsgi.input"].read(int(length)) if int(length) else b""
        return route(Request(method, path, _headers(environ), body, environ.get("QUERY_STRING", "")))

    def _to_bolt(
        self, environ: dict[str, Any], method: str, length: int, start_response: Callable[..., Any]
    ) -> Response | Iterable[bytes]:
        assert self._slack is not None
        if method == "POST" and self._gate is not None:
            body = environ["wsgi.input"].read(length) if length else b""
            refused = self._gate.refuse(_headers(environ), body)
            if refused is not None:
                return refused
            environ["wsgi.input"] = io.BytesIO(body)
        return self._slack(environ, start_response)


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


def build_web_app(
    container: Container, bolt_app: App | None, extra_routes: Mapping[tuple[str, str], Route] | None = None
) -> WebApp:
    routes: dict[tuple[str, str], Route] = {("GET", "/healthz"): healthz(container)}
    routes.update(extra_routes or {})
    secret = container.config.signing_secret
    gate = SlackGate(container, secret) if bolt_app is not None and secret else None
    return WebApp(bolt_app, routes, gate)


class Server:
    """waitress with limits (body, headers, idle connections) and a prompt, graceful stop.

    `stop()` only sets a flag (safe from a signal handler); `serve()` then closes the listening socket
    (new connections are refused, not left hanging), keeps serving the requests already received
    until they are answered or `grace` seconds passed, and returns.
    """

    def __init__(self, app: WebApp, host: str, port: int, threads: int = 8) -> None:
        import waitress

        self._server: Any = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_BODY + 1,  # waitress refuses a Content-Length >= this unread
            max_request_header_size=MAX_HEADER,
            channel_timeout=CHANNEL_TIMEOUT,
        )
        self._stopping = threading.Event()

    @property
    def effective_port(self) -> int:
        return int(self._server.effective_port)

    def stop(self) -> None:
        self._stopping.set()

    def serve(self, grace: float = 5.0) -> None:
        from waitress import wasyncore

        server = self._server
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.25, map=server._map, count=1)
        wasyncore.dispatcher.close(server)  # stop accepting; keeps the trigger and open channels
        deadline = time.monotonic() + grace
        while self._busy() and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=server._map, count=1)
        server.task_dispatcher.shutdown(timeout=1)
        wasyncore.close_all(server._map)

    def _busy(self) -> bool:
        from waitress.channel import HTTPChannel

        dispatcher = self._server.task_dispatcher
        if dispatcher.active_count or dispatcher.queue:
            return True
        return any(
            isinstance(channel, HTTPChannel) and (channel.requests or channel.total_outbufs_len)
            for channel in list(self._server._map.values())
        )
