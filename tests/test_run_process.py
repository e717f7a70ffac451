"""`empathy-bot run` as a real process in HTTP mode, against the Slack stand-in."""

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

import pytest

from tests.conftest import SIGNING_SECRET
from tests.slack_requests import event_envelope, sign
from tests.slack_standin import SlackStandIn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def bot_process(
    slack: SlackStandIn, scratch_database_url: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "EMPATHY_ENV_FILE": str(tmp_path / "none.env"),
        "SLACK_BOT_TOKEN": "xoxb-process-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": scratch_database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "EMPATHY_SECRET_KEY": "s" * 64,
        "LOG_LEVEL": "INFO",
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
    for line in proc.stdout:  # blocks until the server says it listens (or the process dies)
        if "HTTP mode: listening" in line:
            break
    else:
        pytest.fail(f"bot exited with {proc.wait()} before listening")
    yield proc, f"http://127.0.0.1:{port}"
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

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    output = proc.stdout.read() if proc.stdout else ""
    assert "shutting down" in output
    assert "xoxb-process-test" not in output, "tokens never reach the log"
