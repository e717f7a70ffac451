"""`empathy-bot run` as a real process, in HTTP mode and in Socket Mode, against the Slack stand-ins."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from storage.db import create_db_engine, make_sessions
from storage.repositories import outbox as outbox_repo
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
    token_checks = [c.method for c in slack.calls].count("auth.test")
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
    # Checked once at start, not again by the first requests (each would wait for it, 100-300 ms).
    assert [c.method for c in slack.calls].count("auth.test") == token_checks

    forged = urllib.request.Request(
        f"{base}/slack/events",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", **sign(body, "wrong")},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 401

    # A 300 MB Content-Length with no body: refused from the headers, at once, nothing read.
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 314572800\r\n\r\n")
        assert raw.recv(64).startswith(b"HTTP/1.1 413")

    output = stop(proc)
    assert "shutting down" in output
    assert "xoxb-process-test" not in output, "tokens never reach the log"


def _queue_direct_messages(database_url: str, count: int) -> None:
    engine = create_db_engine(database_url)
    try:
        with make_sessions(engine).begin() as s:
            for i in range(count):
                outbox_repo.enqueue(
                    s,
                    team_id="T0TEAM1",
                    dedupe_key=f"shutdown:{i}",
                    method="chat.postMessage",
                    payload={"channel": f"U{i:06d}", "text": f"hello {i}"},
                    on_sent=None,
                    now=datetime.now(UTC),
                )
    finally:
        engine.dispose()


def test_sigterm_with_200_pending_messages_exits_0_within_10_s_and_a_restart_sends_the_rest_once(
    slack: SlackStandIn, scratch_database_url: str, tmp_path: Path
) -> None:
    slack.slow_down("chat.postMessage", 0.3)
    proc, _base = start_bot(
        slack, scratch_database_url, tmp_path, "HTTP mode: listening", SLACK_SIGNING_SECRET=SIGNING_SECRET
    )
    try:
        _queue_direct_messages(scratch_database_url, 200)
        slack.wait_for("chat.postMessage", count=3, timeout=20)  # the outbox is mid fan-out
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        took = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert took < 10, f"SIGTERM took {took:.1f}s"
    assert len(slack.messages()) < 200

    slack.slow_down("chat.postMessage", 0.0)
    restarted, _ = start_bot(
        slack, scratch_database_url, tmp_path, "HTTP mode: listening", SLACK_SIGNING_SECRET=SIGNING_SECRET
    )
    try:
        slack.wait_for("chat.postMessage", count=200, timeout=60)
    finally:
        stop(restarted)
    counts = Counter(c["channel"] for c in slack.messages())
    assert len(counts) == 200 and set(counts.values()) == {1}, "everything sent, nothing twice"


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
        checked, opened = slack.calls_to("apps.connections.open")  # the start-up check, then the socket
        assert checked.token == opened.token == "xapp-1-A1-process-test", "opened with the app-level token"

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


def test_a_refused_app_token_stops_run_with_one_line_and_exit_1(
    slack: SlackStandIn, scratch_database_url: str, tmp_path: Path
) -> None:
    """The likeliest Socket Mode mistake: a wrong or wrong-scope xapp- token. One line, no traceback."""
    slack.fail_next("apps.connections.open", "invalid_auth")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "EMPATHY_ENV_FILE": str(tmp_path / "none.env"),
        "SLACK_BOT_TOKEN": "xoxb-process-test",
        "SLACK_APP_TOKEN": "xapp-1-wrong",
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": scratch_database_url,
        "EMPATHY_SECRET_KEY": "s" * 64,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("empathy-bot: Slack refused SLACK_APP_TOKEN (invalid_auth)")
    assert "Basic Information > App-Level Tokens; put it in .env (see .env.example)" in line
    assert "Traceback" not in result.stdout + result.stderr
