"""Intake adapters fuzzed through HTTP, correctly signed so the payload reaches the adapter: always a JSON
answer (2xx, or 4xx with an error), never a 500, and never half a record (an item without its event)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from bot.container import Container
from storage.models import Feedback, FeedbackEvent, FeedbackSource, OutboxMessage
from tests.intake_helpers import add_source, configure, fixture, send
from tests.test_intake_adapters import CASES

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=10,
)


def mutate(value: Any, data: st.DataObject) -> Any:
    """The documented payload with some leaves replaced by arbitrary JSON (shapes vendors never send)."""
    if isinstance(value, dict):
        return {
            k: (data.draw(json_values) if data.draw(st.integers(0, 5)) == 0 else mutate(v, data))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mutate(v, data) for v in value]
    return data.draw(json_values) if data.draw(st.integers(0, 3)) == 0 else value


def reset(container: Container) -> None:
    with container.sessions.begin() as s:
        for model in (FeedbackEvent, Feedback, FeedbackSource, OutboxMessage):
            s.execute(delete(model))


@FUZZ
@given(name=st.sampled_from(CASES), data=st.data())
def test_any_payload_gets_a_json_answer_never_a_500_and_never_half_a_record(
    container: Container, name: str, data: st.DataObject
) -> None:
    reset(container)
    configure(container)
    case = fixture(name)
    source = add_source(container, case["kind"])
    shape = data.draw(st.sampled_from(["mutated", "any-json", "bytes"]))
    original = case.get("form", case.get("body"))
    if shape == "mutated":
        body: Any = mutate(original, data)
        if "form" in case:
            body = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in body.items()}
    elif shape == "any-json":
        body = data.draw(json_values)
        if "form" in case:
            body = {"from": json.dumps(body)}
    else:
        body = None
    if body is None:
        raw_case = {**case, "form": None} if "form" in case else case
        result = _send_bytes(container, raw_case, source, data.draw(st.binary(max_size=200)))
    else:
        result = send(container, case, source, body)
    assert result.status < 500, result.body
    answer = json.loads(result.body)
    if result.status >= 400:
        assert answer["ok"] is False and isinstance(answer["error"], str) and answer["error"]
    with container.sessions() as s:
        items = s.scalar(select(func.count()).select_from(Feedback)) or 0
        events = s.scalar(select(func.count()).select_from(FeedbackEvent)) or 0
    assert items == events == (1 if result.status == 201 else 0)


def _send_bytes(container: Container, case: dict[str, Any], source: Any, raw: bytes) -> Any:
    from tests.intake_helpers import BOUNDARY, auth_headers, deliver

    content_type = f"multipart/form-data; boundary={BOUNDARY}" if "form" in case else "application/json"
    now = int(container.clock.now().timestamp())
    headers = {**case.get("headers", {}), **auth_headers(case["kind"], source.secret, source.token, raw, now)}
    return deliver(container, case["kind"], source.source.url_id, raw, headers, content_type)
