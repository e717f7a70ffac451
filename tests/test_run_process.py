"""`empathy-bot run` as a real process, in HTTP mode and in Socket Mode, against the Slack stand-ins."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.conftest import SIGNING_SECRET
from tests.slack_requests import event_envelope, sign, slash_command_body
from tests.slack_standin import SlackStandIn
from tests.socket_standin import SocketModeStandIn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_bot(
    slack: SlackStandIn, database_url: str, tmp_path: Path, ready: str, **extra: str
) -> tuple[subprocess.Popen[str], str]:
    """`python -m bot run` with a clean environment; returns once its log says `ready`."""
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "EMPATHY_ENV_FILE": str(tmp_path / "none.env"),
        "SLACK_BOT_TOKEN": "xoxb-process-test",
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "EMPATHY_SECRET_KEY": "s" * 64,
        "LOG_LEVEL": "INFO",
        **extra,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # blocks until the bot says it is ready (or the process dies)
        seen.append(line)
        if ready in line:
            return proc, f"http://127.0.0.1:{port}"
    pytest.fail(f"bot exited with {proc.wait()} before {ready!r}:\n{''.join(seen)}")


def stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM, as a platform stopping a dyno does; the process must exit 0. Returns the rest of its log."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    return proc.stdout.read() if proc.stdout else ""


@pytest.fixture
def bot_process(
    slack: SlackStandIn, scratch_database_url: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc, base = start_bot(
        slack, scratch_database_url, tmp_path, "HTTP mode: listening", SLACK_SIGNING_SECRET=SIGNING_SECRET
    )
    yield proc, base
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_run_answers_a_signed_home_event_and_stops_cleanly_on_sigterm(
    bot_process: tuple[subprocess.Popen[str], str], slack: SlackStandIn
) -> None:
    proc, base = bot_process
    assert [c.method for c in slack.calls][:1] == ["auth.test"], "the token is checked at start"
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as health:
        assert health.status == 200 and json.load(health)["database"] == "ok"

    body = json.dumps(
        event_envelope({"type": "app_home_opened", "user": "UEMPLOYEE", "channel": "D1", "tab": "home"})
    )
    request = urllib.request.Request(
        f"{base}/slack/events",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", **sign(body, SIGNING_SECRET)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    [publish] = slack.wait_for("views.publish")
    assert publish["user_id"] == "UEMPLOYEE"

    forged = urllib.request.Request(
        f"{base}/slack/events",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", **sign(body, "wrong")},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 401

    output = stop(proc)
    assert "shutting down" in output
    assert "xoxb-process-test" not in output, "tokens never reach the log"


@pytest.fixture
def socket_mode() -> Iterator[SocketModeStandIn]:
    standin = SocketModeStandIn()
    yield standin
    standin.close()


def test_socket_mode_connects_answers_events_and_commands_and_serves_health_and_ingest(
    slack: SlackStandIn, socket_mode: SocketModeStandIn, scratch_database_url: str, tmp_path: Path
) -> None:
    """Socket Mode, as most small workspaces run it (no public URL): no signing secret is needed, the
    bot opens the socket through apps.connections.open, acks envelopes on it, and still serves
    /healthz and the feedback webhook on PORT."""
    slack.socket_url = socket_mode.url
    proc, base = start_bot(
        slack,
        scratch_database_url,
        tmp_path,
        "Socket Mode connected",
        SLACK_APP_TOKEN="xapp-1-A1-process-test",
    )
    try:
        socket_mode.wait_connected()
        [opened] = slack.calls_to("apps.connections.open")
        assert opened.token == "xapp-1-A1-process-test", "the socket is opened with the app-level token"

        home = event_envelope(
            {"type": "app_home_opened", "user": "UEMPLOYEE", "channel": "D1", "tab": "home"}
        )
        assert socket_mode.ack_for(socket_mode.send("events_api", home))
        [publish] = slack.wait_for("views.publish")
        assert publish["user_id"] == "UEMPLOYEE"

        command = dict(parse_qsl(slash_command_body("/empathy", "privacy", user="UEMPLOYEE")))
        ack = socket_mode.ack_for(socket_mode.send("slash_commands", command, accepts_response_payload=True))
        assert ack["payload"]["response_type"] == "ephemeral"
        assert "What empathy-bot stores" in ack["payload"]["text"]

        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as health:
            assert health.status == 200
        unsigned = urllib.request.Request(
            f"{base}/feedback/ingest", data=b'{"text": "hi", "source": "web"}', method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(unsigned, timeout=10)
        assert refused.value.code == 401 and "error" in json.load(refused.value)
    finally:
        output = stop(proc)
    assert "xapp-1-A1-process-test" not in output and "xoxb-process-test" not in output
