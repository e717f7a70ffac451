"""Trust: POST /feedback/ingest fuzzed: always a 4xx with a JSON error (or a 2xx for a valid item), never a
500, never a partial record."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bot.container import Container
from bot.domain.actor import Actor
from storage.models import Feedback, FeedbackEvent, FeedbackSource, OutboxMessage
from tests.conftest import OWNER
from tests.intake_helpers import secret_and_token
from tests.slack_requests import TEAM_ID
from tests.test_feedback_relay import count, post, signed

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ("text", "source", "customer", "rating", "channel_hint", "tags", "external_id", "id", "received_at")
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=len(FIELDS)),
    json_values,
    st.binary(max_size=300),
    st.just(b"{" * 70_000),
    st.just(json.dumps({"text": "x" * 70_000}).encode()),
)


def assert_answer(result: Any) -> bool:
    assert result.status < 500, result.body
    payload = json.loads(result.body)
    if result.status >= 400:
        assert isinstance(payload.get("error"), str) and payload["error"]
        return False
    return True


def setup(container: Container) -> tuple[str, str]:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    return secret_and_token(container, Actor.operator(TEAM_ID), "zendesk")


@FUZZ
@example(body={"text": "Great service, thank you", "id": "e-1"}, how="signed")
@example(body={"text": "Slow and rude", "id": "e-2"}, how="bearer")
@example(body={"text": 12, "id": "e-3"}, how="signed")
@given(body=bodies, how=st.sampled_from(["signed", "bad-signature", "stale", "bearer", "bad-bearer", "none"]))
def test_any_body_and_any_credentials_get_a_clear_answer_and_never_a_partial_record(
    container: Container, body: Any, how: str
) -> None:
    with container.sessions.begin() as s:
        for model in (FeedbackEvent, Feedback, FeedbackSource, OutboxMessage):  # each example starts empty
            s.execute(delete(model))
    secret, token = setup(container)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    now = int(container.clock.now().timestamp())
    headers: dict[str, str] = {
        "signed": signed(secret, raw, timestamp=now),
        "bad-signature": {**signed(secret, raw, timestamp=now), "X-Empathy-Signature": "sha256=00"},
        "stale": signed(secret, raw, timestamp=now - 3600),
        "bearer": {"Authorization": f"Bearer {token}"},
        "bad-bearer": {"Authorization": "Bearer nope"},
        "none": {},
    }[how]
    stored = assert_answer(post(container, raw, headers))
    assert count(container) == (1 if stored else 0)
    if stored:
        assert how in ("signed", "bearer")
