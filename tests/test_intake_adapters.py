"""Every vendor adapter through HTTP with its documented example: one card with the right text, customer,
rating and scale, tags and link; the same delivery again stores nothing; bad or missing signature 401 with
nothing stored; a rating-only payload still makes a card; an unrelated event is 200 and ignored."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.intake import ADAPTERS, Delivery, Parsed
from bot.domain.intake.source import NewSource
from storage.models import Feedback, FeedbackSource
from tests.intake_helpers import add_source, configure, deliver, drop, fixture, raw_body, send
from tests.slack_requests import TEAM_ID
from tests.slack_standin import SlackStandIn

CASES = [
    "typeform", "tally", "delighted", "zendesk", "freshdesk", "helpscout", "helpscout_nps",
    "intercom", "trustpilot", "stripe", "postmark", "sendgrid",
]  # fmt: skip


def stored(container: Container) -> list[Feedback]:
    with container.sessions() as s:
        return list(s.scalars(select(Feedback).order_by(Feedback.id)))


@pytest.fixture
def configured(container: Container) -> Container:
    configure(container)
    return container


def test_every_adapter_has_a_documented_fixture() -> None:
    kinds = {fixture(name)["kind"] for name in CASES}
    assert kinds == set(ADAPTERS)
    assert all(fixture(name)["doc"].startswith("https://") for name in CASES)


@pytest.mark.parametrize("name", CASES)
def test_the_documented_example_makes_exactly_one_card_and_a_replay_stores_nothing(
    configured: Container, slack: SlackStandIn, name: str
) -> None:
    case, expect = fixture(name), fixture(name)["expect"]
    source = add_source(configured, case["kind"])
    first = send(configured, case, source)
    assert first.status == 201, first.body
    again = send(configured, case, source)
    assert again.status == 200 and again.json()["created"] is False
    configured.outbox.drain()
    [card] = slack.messages("CFEED01")
    shown = json.dumps(card["blocks"])
    [item] = stored(configured)
    assert item.text == expect["text"]
    assert json.dumps(expect["text"].splitlines()[0])[1:-1] in shown
    assert item.customer == expect["customer"]
    assert item.rating == expect["rating"]
    assert item.tags == expect["tags"]
    assert item.permalink == expect["permalink"]
    assert item.source == case["kind"]
    if expect["rating"] is not None:
        assert f"*Rating:* {expect['rating']:g}" in shown
    if expect["permalink"]:
        assert f"<{expect['permalink']}|" in shown
    if expect["tags"]:
        assert ", ".join(expect["tags"]) in shown
    # the pure adapter says which scale that rating is on
    raw, content_type = raw_body(case)
    headers = {k.lower(): v for k, v in {**case.get("headers", {}), "Content-Type": content_type}.items()}
    parsed = ADAPTERS[case["kind"]].parse(Delivery(raw, headers, case["kind"]))
    assert isinstance(parsed, Parsed) and parsed.input.rating_scale == expect["rating_scale"]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("how", ["wrong", "missing"])
def test_a_wrong_or_missing_signature_or_token_is_401_and_nothing_is_stored(
    configured: Container, name: str, how: str
) -> None:
    case = fixture(name)
    source = add_source(configured, case["kind"])
    raw, content_type = raw_body(case)
    headers: dict[str, str] = dict(case.get("headers", {}))
    if how == "wrong":  # another source's genuine credentials on this source's URL
        imposter = configured.sources.add(
            Actor.operator(TEAM_ID), "other", case["kind"], secret="another-secret"
        )
        result = send(configured, case, NewSource(source.source, imposter.secret, imposter.token))
    else:
        result = deliver(configured, case["kind"], source.source.url_id, raw, headers, content_type)
    assert result.status == 401, result.body
    assert result.json()["ok"] is False and result.json()["error"]
    assert stored(configured) == []


@pytest.mark.parametrize("name", [n for n in CASES if fixture(n)["rating_only_drop"]])
def test_a_rating_without_a_comment_still_makes_a_card(
    configured: Container, slack: SlackStandIn, name: str
) -> None:
    case = fixture(name)
    source = add_source(configured, case["kind"])
    result = send(configured, case, source, drop(case["body"], case["rating_only_drop"]))
    assert result.status == 201, result.body
    configured.outbox.drain()
    [item] = stored(configured)
    assert item.text == case["expect"]["rating_only_text"]
    [card] = slack.messages("CFEED01")
    assert case["expect"]["rating_only_text"] in json.dumps(card["blocks"])


@pytest.mark.parametrize("name", [n for n in CASES if fixture(n)["unrelated"] is not None])
def test_an_unrelated_event_is_acknowledged_and_ignored(configured: Container, name: str) -> None:
    case = fixture(name)
    if "unrelated_headers" in case:
        case = {**case, "headers": case["unrelated_headers"]}
    source = add_source(configured, case["kind"])
    result = send(configured, case, source, case["unrelated"])
    assert result.status == 200, result.body
    assert result.json()["ok"] is True and result.json()["ignored"]
    assert stored(configured) == []


def test_a_source_url_serves_only_its_own_kind(configured: Container) -> None:
    case = fixture("typeform")
    source = add_source(configured, "typeform")
    as_tally = {**fixture("tally"), "kind": "tally"}
    result = send(configured, as_tally, source)
    assert result.status == 401
    assert send(configured, case, source).status == 201


def test_delighted_update_carries_the_comment_into_the_same_item(
    configured: Container, slack: SlackStandIn
) -> None:
    case = fixture("delighted")
    source = add_source(configured, "delighted")
    created = send(configured, case, source, case["created_first"])
    assert created.status == 201, created.body
    [item] = stored(configured)
    # The customer's rating decides (issue 14): NPS 3 is a detractor, negative whatever the words.
    assert item.text == "rated 3/10, no comment" and item.label == "negative"
    updated = send(configured, case, source)
    assert updated.status == 200 and updated.json()["revised"] is True
    [item] = stored(configured)
    assert item.text == case["expect"]["text"]
    assert item.label == "negative"
    assert send(configured, case, source).json()["revised"] is False
    configured.outbox.drain()
    assert len(slack.messages("CFEED01")) == 1


def test_sources_keep_no_token_and_no_secret_in_plain_text(configured: Container) -> None:
    source = add_source(configured, "typeform")
    with configured.sessions() as s:
        row = s.scalars(select(FeedbackSource)).one()
        stored_values = json.dumps([row.secret, row.token, row.token_hash, row.secret_sealed])
    assert source.token not in stored_values and source.secret not in stored_values
    with configured.sessions() as s:
        assert s.scalar(select(func.count()).select_from(FeedbackSource)) == 1


def test_a_delighted_update_is_judged_like_the_first_delivery_the_rating_first(
    configured: Container,
) -> None:
    case = fixture("delighted")
    source = add_source(configured, "delighted")
    assert send(configured, case, source, case["created_first"]).status == 201
    kind_words = copy.deepcopy(case["body"])
    kind_words["event_data"]["comment"] = "Lovely people, wonderful service, thank you so much!"
    assert send(configured, case, source, kind_words).json()["revised"] is True
    [item] = stored(configured)
    # NPS 3 is a detractor whatever the words say; the card says the words disagree.
    assert (item.label, item.label_source) == ("negative", "rating")
    assert item.disagreement
