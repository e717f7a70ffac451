"""The app as it runs in production (listeners on the executor, not process_before_response): Slack gets
its answer when the listener acks, without Bolt's 10 ms poll for the ack, and work after the ack goes on."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
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


def test_work_after_the_ack_goes_on_after_the_answer(
    production_app: App, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview is sent through response_url after the ack; Slack's answer does not wait for it (nor,
    without the ack's signal, would it come before the listener ends: the wait is made longer than WAIT)."""
    monkeypatch.setattr(answer_at_ack, "ACK_TIMEOUT", 600.0)
    release = threading.Event()
    slack.respond_with("respond", lambda _params: {"ok": release.wait(3 * WAIT)})
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


def _submitted(app: App, monkeypatch: pytest.MonkeyPatch) -> list[Future[Any]]:
    """The futures of everything the app's listener executor is given from now on."""
    executor = app.listener_runner.listener_executor
    futures: list[Future[Any]] = []
    submit = executor.submit

    def keep(fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        futures.append(submit(fn, *args, **kwargs))
        return futures[-1]

    monkeypatch.setattr(executor, "submit", keep)
    return futures


def test_a_listener_failing_after_its_ack_is_handled_without_an_error_inside_bolt(
    production_app: App, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    @production_app.command("/explode")
    def explode(ack: Any) -> None:
        ack()
        raise RuntimeError("after the ack")

    futures = _submitted(production_app, monkeypatch)
    driver = SlackDriver(production_app, SIGNING_SECRET, response_url=f"{slack.base}/respond")
    assert driver.command("/explode", user="UMEMBER01").status == 200
    [future] = futures
    assert future.exception(WAIT) is None, "the error handler's answer tripped Bolt's own assertion"
    [told] = slack.wait_for("respond")
    assert "something went wrong" in told["text"]


def test_the_signalling_ack_can_be_copied_as_bolt_copies_a_request_for_lazy_listeners() -> None:
    ack = answer_at_ack.SignallingAck()
    ack(text="on it")
    copied = copy.deepcopy({"ack": ack})["ack"]
    assert copied.response is not None and copied.response.body == "on it"
