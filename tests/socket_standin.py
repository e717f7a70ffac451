"""A local stand-in for Slack's Socket Mode: a WebSocket server the bot connects to after
`apps.connections.open` (answered by the Web API stand-in with this server's URL).

It greets the bot with `hello` as Slack does, sends envelopes (events, slash commands, interactions)
and collects the bot's acknowledgements, each `{"envelope_id": …, "payload": …}`.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


class SocketModeStandIn:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._connections: queue.Queue[ServerConnection] = queue.Queue()
        self._acks: dict[str, dict[str, Any]] = {}
        self._acked = threading.Condition()
        self._server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.connection: ServerConnection | None = None

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def close(self) -> None:
        self._server.shutdown()

    def _session(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "standin", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "AAPP1"},
                }
            )
        )
        self._connections.put(connection)
        try:
            for raw in connection:
                ack = json.loads(raw)
                with self._acked:
                    self._acks[ack["envelope_id"]] = ack
                    self._acked.notify_all()
        except ConnectionClosed:
            pass

    def wait_connected(self, timeout: float = 20.0) -> None:
        self.connection = self._connections.get(timeout=timeout)

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False) -> str:
        """Send one envelope (`events_api`, `slash_commands` or `interactive`); returns its id."""
        assert self.connection is not None, "wait_connected() first"
        envelope_id = f"env-{next(self._ids)}"
        self.connection.send(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": accepts_response_payload,
                    "retry_attempt": 0,
                    "retry_reason": "",
                }
            )
        )
        return envelope_id

    def ack_for(self, envelope_id: str, timeout: float = 20.0) -> dict[str, Any]:
        """The bot's acknowledgement of an envelope (Slack wants one within 3 seconds)."""
        with self._acked:
            if not self._acked.wait_for(lambda: envelope_id in self._acks, timeout=timeout):
                raise AssertionError(f"no ack for {envelope_id}")
            return self._acks[envelope_id]
