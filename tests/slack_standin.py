"""A local stand-in for the Slack Web API: a real HTTP server on 127.0.0.1 that records every call.

It answers the way Slack does for the methods the bot uses, and can be told to answer 429 with
Retry-After or 5xx every Nth call, or to fail a method with a Slack error. Tests give it users and
channel members, or override any method with `respond_with`.

Real Slack behaviour, off by default (benchmarks and request-path tests turn it on): `use_rate_tiers()`
answers 429 + Retry-After past each method's per-minute tier, `latency` delays every Web API call, and
`add_people(n)` fills a directory that users.list pages through 200 at a time with a cursor
(conversations.members pages too, at most 1000 a page). `limited` counts the 429s it answered.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TEAM_ID = "T0TEAM1"
BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"

Responder = Callable[[dict[str, Any]], dict[str, Any]]

# Slack's published per-method tiers (calls per minute per workspace); chat.postMessage is "special"
# (about one per second per channel), approximated here by Tier 4.
TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100
METHOD_TIERS: dict[str, int] = {
    "users.list": TIER_2,
    "conversations.members": TIER_4,
    "usergroups.list": TIER_2,
    "usergroups.users.list": TIER_2,
    "users.info": TIER_4,
    "conversations.info": TIER_3,
    "chat.getPermalink": TIER_4,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.push": TIER_4,
    "views.publish": TIER_4,
    "chat.postMessage": TIER_4,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
}
USERS_PAGE = 200  # users.list's largest page that Slack honours in practice
MEMBERS_PAGE = 1000  # conversations.members' largest page


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    token: str | None

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass
class Fault:
    every: int
    status: int
    retry_after: int | None
    methods: frozenset[str] | None


@dataclass
class SlackStandIn:
    calls: list[Call] = field(default_factory=list)
    attempts: int = 0
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    outside: set[str] = field(default_factory=set)  # channels the bot has not been invited to
    socket_url: str | None = None  # where apps.connections.open sends a Socket Mode client
    uploads: dict[str, bytes] = field(default_factory=dict)
    team_id: str = TEAM_ID
    scopes: str = "chat:write,commands"

    def __post_init__(self) -> None:
        self.limited = 0  # 429 answers given (tiers and faults), per method in `limited_by_method`
        self.limited_by_method: dict[str, int] = {}
        self._lock = threading.Lock()
        self._called = threading.Condition(self._lock)
        self._ts = itertools.count(1)
        self._faults: list[Fault] = []
        self._overrides: dict[str, Responder] = {}
        self._errors: dict[str, list[str]] = {}
        self._delays: dict[str, float] = {}
        self.latency = 0.0  # seconds added to every Web API call (a real Slack answers in 100-300 ms)
        self._tiers: dict[str, int] | None = None
        self._window: dict[str, deque[float]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # --- control -----------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.attempts = 0
            self.limited = 0
            self.limited_by_method.clear()
            self.users.clear()
            self.members.clear()
            self.usergroups.clear()
            self.outside.clear()
            self.socket_url = None
            self.uploads.clear()
            self._faults.clear()
            self._overrides.clear()
            self._errors.clear()
            self._delays.clear()
            self.latency = 0.0
            self._tiers = None
            self._window.clear()
            self.team_id = TEAM_ID
            self.scopes = "chat:write,commands"

    def fail_every(
        self, every: int, status: int = 429, retry_after: int | None = 1, methods: set[str] | None = None
    ) -> None:
        """Answer every `every`-th attempt (counted over all methods) with `status`."""
        self._faults.append(
            Fault(
                every, status, retry_after if status == 429 else None, frozenset(methods) if methods else None
            )
        )

    def fail_next(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with ok=false and `error` (HTTP 200, as Slack does)."""
        self._errors.setdefault(method, []).extend([error] * times)

    def slow_down(self, method: str, seconds: float) -> None:
        """Answer every call of `method` after `seconds` (a slow Slack; real time: real-process tests)."""
        self._delays[method] = seconds

    def use_rate_tiers(self, tiers: dict[str, int] | None = None) -> None:
        """Answer 429 (Retry-After: seconds until the minute's oldest call ages out) past each method's
        calls-per-minute tier, as Slack does per workspace; `tiers` overrides METHOD_TIERS."""
        with self._lock:
            self._tiers = {**METHOD_TIERS, **(tiers or {})}
            self._window.clear()

    def add_people(self, count: int, prefix: str = "UP", *, bots: int = 0, deleted: int = 0) -> list[str]:
        """A directory of `count` people (the first `bots` are bots, the next `deleted` deactivated)."""
        ids = [f"{prefix}{i:07d}" for i in range(count)]
        for i, user_id in enumerate(ids):
            self.add_user(user_id, f"person{i}", is_bot=i < bots, deleted=bots <= i < bots + deleted)
        return ids

    def respond_with(self, method: str, responder: Responder | dict[str, Any]) -> None:
        self._overrides[method] = responder if callable(responder) else (lambda _p, r=responder: r)

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "Europe/Berlin",
        **extra: Any,
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name or user_id.lower(),
            "real_name": name or user_id,
            "is_bot": is_bot,
            "deleted": deleted,
            "tz": tz,
            "profile": {"display_name": name or user_id, "real_name": name or user_id},
            **extra,
        }

    # --- queries -----------------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `count` calls of `method` were recorded (for a bot running in another process)."""
        with self._called:
            self._called.wait_for(lambda: sum(c.method == method for c in self.calls) >= count, timeout)
            return [c for c in self.calls if c.method == method]

    def messages(self, channel: str | None = None) -> list[Call]:
        return [c for c in self.calls_to("chat.postMessage") if channel is None or c["channel"] == channel]

    # --- answering ---------------------------------------------------------------------------------
    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self.latency and method not in ("respond",):
            time.sleep(self.latency)
        with self._lock:
            self.attempts += 1
            if (limited := self._over_tier(method)) is not None:
                self._count_limited(method)
                return 429, {"Retry-After": str(limited)}, {"ok": False, "error": "ratelimited"}
            for fault in self._faults:
                if (fault.methods is None or method in fault.methods) and self.attempts % fault.every == 0:
                    if fault.status == 429:
                        self._count_limited(method)
                    extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                    body = {"ok": False, "error": "ratelimited"} if fault.status == 429 else {"ok": False}
                    return fault.status, extra, body
            if self._errors.get(method):
                return 200, {}, {"ok": False, "error": self._errors[method].pop(0)}
            auth = headers.get("authorization", "")
            self.calls.append(Call(method, params, headers, auth[7:] if auth.startswith("Bearer ") else None))
            self._called.notify_all()
            override = self._overrides.get(method)
            delay = self._delays.get(method, 0.0)
        if delay:
            time.sleep(delay)
        if override is not None:
            return 200, {}, override(params)
        responder = getattr(self, "_" + method.replace(".", "_"), None)
        body = responder(params) if responder else {"ok": True}
        extra = {"x-oauth-scopes": self.scopes} if method == "auth.test" else {}
        return 200, extra, body

    def _count_limited(self, method: str) -> None:
        self.limited += 1
        self.limited_by_method[method] = self.limited_by_method.get(method, 0) + 1

    def _over_tier(self, method: str) -> int | None:
        """Seconds to wait when `method` is past its tier this minute (None: within it); lock held."""
        if self._tiers is None or method not in self._tiers:
            return None
        now = time.monotonic()
        window = self._window.setdefault(method, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self._tiers[method]:
            return max(1, int(window[0] + 60 - now) + 1)
        window.append(now)
        return None

    def _next_ts(self) -> str:
        return f"1800000000.{next(self._ts):06d}"

    def _channel_for(self, channel: str) -> str:
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def _auth_test(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example Co",
            "user": "empathy-bot",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, _p: dict[str, Any]) -> dict[str, Any]:
        if self.socket_url is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_url}

    def _chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        channel = self._channel_for(p.get("channel", ""))
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"text": p.get("text"), "ts": ts, "bot_id": BOT_ID, "blocks": p.get("blocks")},
        }

    def _chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text")}

    def _chat_postEphemeral(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        ts = str(p.get("message_ts", "")).replace(".", "")
        return {
            "ok": True,
            "channel": p.get("channel"),
            "permalink": f"https://example.slack.com/archives/{p.get('channel')}/p{ts}",
        }

    def _views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VHOME", **_as_dict(p.get("view"))}}

    def _views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VMODAL" + self._next_ts()[-4:], **_as_dict(p.get("view"))}}

    _views_update = _views_open
    _views_push = _views_open

    def _users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(p.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        """Pages of at most `limit` (Slack caps it near 200) from `cursor`, an opaque offset here."""
        limit = min(int(p.get("limit") or USERS_PAGE), USERS_PAGE)
        cursor = str(p.get("cursor") or "")
        if cursor and not cursor.startswith("dXNlcjo"):
            return {"ok": False, "error": "invalid_cursor"}
        start = int(cursor.removeprefix("dXNlcjo")) if cursor else 0
        with self._lock:
            members = list(self.users.values())
        page = members[start : start + limit]
        after = start + limit
        next_cursor = f"dXNlcjo{after}" if after < len(members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = p.get("channel", "")
        if channel not in self.members:
            return {"ok": False, "error": "channel_not_found"}
        limit = min(int(p.get("limit") or 100), MEMBERS_PAGE)
        cursor = str(p.get("cursor") or "")
        if cursor and not cursor.startswith("bWVtYmVyOg"):
            return {"ok": False, "error": "invalid_cursor"}
        start = int(cursor.removeprefix("bWVtYmVyOg")) if cursor else 0
        members = self.members[channel]
        after = start + limit
        next_cursor = f"bWVtYmVyOg{after}" if after < len(members) else ""
        return {
            "ok": True,
            "members": members[start:after],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = p.get("channel", "")
        if not channel.startswith(("C", "G")):
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "is_channel": True,
                "is_archived": False,
                "is_member": channel not in self.outside,
            },
        }

    def _usergroups_list(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "usergroups": [{"id": g, "handle": g.lower(), "name": f"Group {g}"} for g in self.usergroups],
        }

    def _usergroups_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        group = p.get("usergroup", "")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": self.usergroups[group]}

    def _files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = "F" + self._next_ts().replace(".", "")[-8:]
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files = p.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                headers = {k.lower(): v for k, v in self.headers.items()}
                if path.startswith("/upload/"):
                    with standin._lock:
                        standin.uploads[path.rsplit("/", 1)[1]] = raw
                    self._send(200, {}, b"OK - uploaded", "text/plain")
                    return
                method = path.removeprefix("/api/").lstrip("/")
                params = _parse_params(raw, headers.get("content-type", ""), urlsplit(self.path).query)
                status, extra, body = standin._answer(method, params, headers)
                self._send(status, extra, json.dumps(body).encode(), "application/json")

            do_GET = do_POST

            def _send(self, status: int, extra: dict[str, str], body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return json.loads(value)
    return dict(value or {})


def _parse_params(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    if "application/json" in content_type and raw:
        params.update(json.loads(raw))
    elif raw and "multipart" not in content_type:
        params.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
    for key in ("blocks", "view", "attachments"):
        if isinstance(params.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(params[key])
    return params
