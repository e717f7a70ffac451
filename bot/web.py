"""The HTTP surface: Slack requests to Bolt, /healthz, and any extra routes (e.g. feedback ingest)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.exc import SQLAlchemyError

from bot.container import Container
from bot.http import Request, Response, Route
from storage.db import ping
from storage.repositories import outbox as outbox_repo

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # larger bodies are refused before they are read (routes may set lower limits)


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
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def healthz(container: Container) -> Route:
    def check(_request: Request) -> Response:
        try:
            ping(container.engine)
            with container.sessions() as s:
                counts = outbox_repo.counts_by_status(s)
        except SQLAlchemyError as exc:
            log.warning("health check: database unavailable: %s", type(exc).__name__)
            return Response.json(503, {"status": "unavailable", "database": "unreachable"})
        return Response.json(
            200,
            {
                "status": "ok",
                "database": "ok",
                "outbox": {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0)},
            },
        )

    return check


class WebApp:
    """A small WSGI application: Slack paths go to Bolt's adapter, other paths to named routes."""

    def __init__(self, bolt_app: App | None, routes: Mapping[tuple[str, str], Route]) -> None:
        self._slack = SlackRequestHandler(bolt_app) if bolt_app is not None else None
        self._routes = dict(routes)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if self._slack is not None and path.startswith("/slack/"):
            return self._slack(environ, start_response)
        route = self._routes.get((method, path))
        if route is None:
            allowed = [m for (m, p) in self._routes if p == path]
            response = (
                Response.json(405, {"error": f"use {', '.join(allowed)} for {path}"})
                if allowed
                else Response.json(404, {"error": f"no such path: {path}"})
            )
        else:
            length = environ.get("CONTENT_LENGTH") or "0"
            if not length.isdigit():
                response = Response.json(400, {"error": "bad Content-Length"})
            elif int(length) > MAX_BODY:
                response = Response.json(413, {"error": f"body larger than {MAX_BODY} bytes"})
            else:
                body = environ["wsgi.input"].read(int(length)) if int(length) else b""
                headers = {
                    k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
                }
                if environ.get("CONTENT_TYPE"):
                    headers["content-type"] = environ["CONTENT_TYPE"]
                response = route(Request(method, path, headers, body, environ.get("QUERY_STRING", "")))
        status = f"{response.status} {REASONS.get(response.status, 'Unknown')}"
        start_response(status, [*response.headers.items(), ("Content-Length", str(len(response.body)))])
        return [response.body]


def build_web_app(
    container: Container, bolt_app: App | None, extra_routes: Mapping[tuple[str, str], Route] | None = None
) -> WebApp:
    routes: dict[tuple[str, str], Route] = {("GET", "/healthz"): healthz(container)}
    routes.update(extra_routes or {})
    return WebApp(bolt_app, routes)
