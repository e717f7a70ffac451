"""The app as it runs in production (listeners on the executor, not process_before_response): Slack gets
its answer when the listener acks, without Bolt's 10 ms poll for the ack, and work after the ack goes on."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import slack_bolt.listener.thread_runner as thread_runner
from slack_bolt import App

from bot import answer_at_ack
from bot.app import create_app
from bot.container import Container
from bot.views.common import WORKING
from tests.conftest import OWNER, SIGNING_SECRET
from tests.slack_requests import SlackDriver, response_json
from tests.slack_standin import SlackStandIn

WAIT = 10.0  # seconds; reached only when the behaviour under test is broken


@pytest.fixture
def production_app(container: Container) -> Iterator[App]:
    app = create_app(container)  # as `run` builds it: listeners on the listener executor
    yield app
    app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]


@pytest.fixture
def polls(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each sleep of Bolt's listener runner: it sleeps 10 ms at a time while it waits for an ack."""
    slept: list[float] = []
    clock = SimpleNamespace(time=time.time, sleep=slept.append)
    monkeypatch.setattr(thread_runner, "time", clock)
    return slept


def test_the_answer_leaves_when_the_listener_acks_not_at_the_next_poll(
    production_app: App, slack: SlackStandIn, polls: list[float]
) -> None:
    driver = SlackDriver(production_app, SIGNING_SECRET, response_url=f"{slack.base}/respond")
    for _ in range(10):
        response = driver.command("/empathy", "privacy", user="UMEMBER01")
        assert response.status == 200
        assert "who sees what" in response_json(response)["text"]
    assert polls == [], "Bolt had to poll for an ack that had already been given"


def _dispatch_in_thread(driver: SlackDriver, *args: str, user: str) -> tuple[threading.Thread, list[Any]]:
    answers: list[Any] = []
    thread = threading.Thread(target=lambda: answers.append(driver.command(*args, user=user)), daemon=True)
    thread.start()
    return thread, answers


def test_work_after_the_ack_goes_on_after_the_answer(production_app: App, slack: SlackStandIn) -> None:
    """The preview is sent through response_url after the ack; Slack's answer does not wait for it."""
    release = threading.Event()
    slack.respond_with("respond", lambda _params: {"ok": release.wait(WAIT)})
    driver = SlackDriver(production_app, SIGNING_SECRET, response_url=f"{slack.base}/respond")
    thread, answers = _dispatch_in_thread(driver, "/digest", "this-week", user=OWNER)
    thread.join(WAIT)
    try:
        assert not thread.is_alive(), "the answer waited for the work after the ack"
        assert response_json(answers[0])["text"] == WORKING
        [preview] = slack.wait_for("respond")  # sent, and held by the stand-in until released
        assert "digest" in preview["text"].lower()
    finally:
        release.set()


def test_a_listener_that_fails_before_its_ack_answers_when_it_ends(
    production_app: App, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal is raised before any ack: the listener's end, not an ack, lets the answer go."""
    monkeypatch.setattr(answer_at_ack, "ACK_TIMEOUT", 600.0)
    driver = SlackDriver(production_app, SIGNING_SECRET, response_url=f"{slack.base}/respond")
    thread, answers = _dispatch_in_thread(driver, "/digest", "this-week", user="UMEMBER01")
    thread.join(WAIT)
    assert not thread.is_alive(), "the answer waited for an ack that never came"
    assert "owners" in response_json(answers[0])["text"].lower()
