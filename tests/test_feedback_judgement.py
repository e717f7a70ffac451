"""Issue 14 through the real app: the customer's rating decides, unsure items need a human read, the
per-workspace model learns from ratings and corrections (off the request path), workspaces never mix."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.container import Container
from bot.domain import sentiment
from bot.domain.actor import Actor
from bot.domain.digest_period import week_of
from bot.domain.feedback import FeedbackInput
from bot.feedback_import import import_csv
from bot.views import ids
from bot.views.digest import sentiment_blocks
from bot.web import build_web_app
from handlers import ingest
from jobs.feedback import learn_feedback_labels, send_feedback_nudges
from storage.models import Feedback
from storage.models.sentiment import SentimentExample, SentimentModel
from storage.repositories import digest as digest_repo
from tests.conftest import OWNER
from tests.http_client import HttpResult, call_wsgi
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn

OTHER = "T0OTHER"
HAPPY = "Wonderful service, thank you so much, the team was great and helpful!"
ANGRY = "This is terrible, the app crashed again and support was useless and rude."
GERMAN = "Das Paket ist nie angekommen und niemand antwortet auf meine E-Mails. Eine Frechheit!"
# Words no lexicon knows: only a model that learned this workspace's customers can read them.
BAD = [
    "the zorblat crate flonked {}",
    "zorblat flonked again on crate {}",
    "crate {} flonked, zorblat sploot",
]
GOOD = ["the quindle parcel glimmed {}", "quindle glimmed on parcel {}", "parcel {} glimmed, quindle here"]
UNRATED_BAD = "my zorblat crate flonked"


@pytest.fixture
def configured(container: Container) -> Container:
    for team, channel in ((TEAM_ID, "CFEED01"), (OTHER, "COTHER1")):
        container.workspace_settings.update(
            container.actors.of(team, OWNER),
            {"feedback_channel": channel, "escalation_channel": "CESCAL1", "sla_hours": 4},
        )
    return container


@pytest.fixture
def small_gate(configured: Container, monkeypatch: pytest.MonkeyPatch) -> Container:
    """The in-use gate at test scale: 8 examples, 2 of each label in a window of 20 evaluations."""
    for name, value in (("_min_examples", 8), ("_window", 20), ("_min_window", 4), ("_min_per_label", 2)):
        monkeypatch.setattr(configured.sentiment, name, value)
    return configured


def post(container: Container, team: str, body: dict[str, Any], scale: str | None = "1-5") -> HttpResult:
    """Send one item to a source of `team` (made on first use, with its declared rating scale)."""
    sources = getattr(container, "_test_sources", {})
    if team not in sources:
        sources[team] = container.sources.add(Actor.operator(team), "zendesk", rating_scale=scale)
        container._test_sources = sources  # type: ignore[attr-defined]
    made = sources[team]
    web = build_web_app(container, None, extra_routes=ingest.routes(container))
    return call_wsgi(
        web,
        "POST",
        ingest.PATH,
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {made.token}"},
        query=f"source={made.source.url_id}",
    )


def card_of(slack: SlackStandIn, channel: str = "CFEED01") -> str:
    return json.dumps(slack.messages(channel)[-1]["blocks"], ensure_ascii=False)


def count(container: Container, model: Any = Feedback, team: str | None = None) -> int:
    with container.sessions() as s:
        query = select(func.count()).select_from(model)
        if team is not None:
            query = query.where(model.team_id == team)
        return s.scalar(query) or 0


def test_a_1_star_rating_makes_a_negative_escalated_card_whatever_the_words(
    configured: Container, slack: SlackStandIn
) -> None:
    result = post(configured, TEAM_ID, {"id": "R-1", "text": HAPPY, "rating": 1})
    assert result.status == 201, result.body
    configured.outbox.drain()
    card = card_of(slack)
    assert "Negative customer feedback" in card
    assert "from the customer's 1★ rating" in card and "the words read positive" in card
    assert slack.messages("CESCAL1"), "a negative item goes to the escalation channel too"
    post(configured, TEAM_ID, {"id": "R-2", "text": ANGRY, "rating": 5})
    configured.outbox.drain()
    card = card_of(slack)
    assert "Positive customer feedback" in card and "the words read negative" in card
    with configured.sessions() as s:
        fb = s.scalars(select(Feedback).where(Feedback.external_id == "R-2")).one()
        assert (fb.label_source, fb.disagreement) == ("rating", "the words read negative")
        assert fb.polarity < 0 and fb.subjectivity > 0  # the words are still scored and stored


def test_a_rating_outside_the_scale_is_a_clear_4xx_and_nothing_is_stored(configured: Container) -> None:
    result = post(configured, TEAM_ID, {"id": "R-1", "text": HAPPY, "rating": 7})
    assert result.status == 422
    assert "not on the 1-5 scale" in json.loads(result.body)["error"]
    assert count(configured) == 0


def test_a_csv_row_with_a_rating_off_the_scale_is_a_line_error_and_history_trains_the_model(
    small_gate: Container,
) -> None:
    rows = [f'h{i},"{(BAD if i % 2 else GOOD)[i % 3].format(i)}",C{i},{1 if i % 2 else 5}' for i in range(30)]
    text = "id,text,customer,rating\n" + "\n".join(rows) + '\nbad,"crate zorblat",C9,9\n'
    small_gate.sources.add(Actor.operator(TEAM_ID), "csv", rating_scale="1-5")
    report = import_csv(small_gate.feedback, TEAM_ID, io.StringIO(text), chunk_rows=10)
    assert report.imported == 30
    [(line, message)] = report.rejected
    assert line == 32 and "not on the 1-5 scale" in message
    assert count(small_gate, SentimentExample, TEAM_ID) == 30  # learned before the bot goes live
    assert small_gate.sentiment.quality(TEAM_ID).in_use == sentiment.FROM_MODEL
    verdict = small_gate.sentiment.judge(TEAM_ID, UNRATED_BAD)
    assert (verdict.label, verdict.source) == (sentiment.NEGATIVE, sentiment.FROM_MODEL)


def teach_over_http(container: Container, team: str, rounds: int, start: int = 0) -> None:
    """Rated items arrive by webhook; the learning job runs after each round (off the request path)."""
    for r in range(rounds):
        for i in range(start + 6 * r, start + 6 * r + 6):
            words, rating = (BAD, 1) if i % 2 else (GOOD, 5)
            assert (
                post(
                    container, team, {"id": f"{team}-{i}", "text": words[i % 3].format(i), "rating": rating}
                ).status
                == 201
            )
        assert count(container, SentimentExample, team) == 6 * r + start  # not learned in the request
        learn_feedback_labels(container)
        container.outbox.drain()


def test_rated_items_teach_the_model_which_labels_unrated_items_and_a_correction_updates_it(
    small_gate: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    post(small_gate, TEAM_ID, {"id": "before", "text": UNRATED_BAD})
    small_gate.outbox.drain()
    assert "Customer feedback that needs a human read" in card_of(slack)
    teach_over_http(small_gate, TEAM_ID, 3)
    assert post(small_gate, TEAM_ID, {"id": "U-1", "text": UNRATED_BAD}).status == 201
    small_gate.outbox.drain()
    card = card_of(slack)
    assert "Negative customer feedback" in card and "from what this workspace's labels taught" in card
    feedback_id = json.loads(slack.messages("CFEED01")[-1]["blocks"][-1]["elements"][0]["value"])
    with small_gate.sessions() as s:
        version = s.scalars(select(SentimentModel.version)).one()
    driver.action(
        ids.FEEDBACK_RELABEL,
        user="UAGENT1",
        channel="CFEED01",
        action={"type": "static_select", "selected_option": {"value": f"{feedback_id}:positive"}},
    )
    learn_feedback_labels(small_gate)
    with small_gate.sessions() as s:
        example = s.scalars(
            select(SentimentExample).where(SentimentExample.item_ref == f"feedback:{feedback_id}")
        ).one()
        assert (example.label, example.origin) == ("positive", "correction")
        assert s.scalars(select(SentimentModel.version)).one() > version


def test_a_correction_replaces_the_example_its_rating_gave(small_gate: Container) -> None:
    item, _ = small_gate.feedback.ingest(
        TEAM_ID, FeedbackInput("api", "X-1", HAPPY, rating=1, rating_scale="1-5")
    )
    learn_feedback_labels(small_gate)
    small_gate.feedback.correct_label(TEAM_ID, item.id, "UAGENT1", "positive")
    learn_feedback_labels(small_gate)
    with small_gate.sessions() as s:
        [example] = s.scalars(select(SentimentExample)).all()
    assert (example.item_ref, example.label, example.origin) == (
        f"feedback:{item.id}",
        "positive",
        "correction",
    )


def test_models_of_two_workspaces_never_mix_and_forget_customer_removes_their_examples(
    small_gate: Container,
) -> None:
    teach_over_http(small_gate, TEAM_ID, 3)
    other = small_gate.sentiment.judge(OTHER, UNRATED_BAD)
    assert other.source != sentiment.FROM_MODEL and other.label == sentiment.NEEDS_REVIEW
    assert count(small_gate, SentimentExample, OTHER) == 0
    # The other workspace learns the opposite from the same words; neither changes the first.
    for i in range(18):
        words, label_rating = (BAD, 5) if i % 2 else (GOOD, 1)
        small_gate.feedback.ingest(
            OTHER,
            FeedbackInput("api", f"o{i}", words[i % 3].format(i), rating=label_rating, rating_scale="1-5"),
        )
        if i % 6 == 5:
            learn_feedback_labels(small_gate)
    assert small_gate.sentiment.judge(TEAM_ID, UNRATED_BAD).label == sentiment.NEGATIVE
    assert small_gate.sentiment.judge(OTHER, UNRATED_BAD).label == sentiment.POSITIVE
    small_gate.feedback.ingest(
        TEAM_ID,
        FeedbackInput("api", "dana", "zorblat crate flonked", customer="Dana", rating=1, rating_scale="1-5"),
    )
    learn_feedback_labels(small_gate)
    before = count(small_gate, SentimentExample, TEAM_ID)
    forgotten = small_gate.data_rights.forget_customer(small_gate.actors.of(TEAM_ID, OWNER), "dana")
    assert forgotten.counts["sentiment example(s)"] == 1
    assert count(small_gate, SentimentExample, TEAM_ID) == before - 1
    with small_gate.sessions() as s:
        assert not s.scalars(
            select(SentimentExample).where(func.lower(SentimentExample.customer) == "dana")
        ).all()
    assert count(small_gate, SentimentExample, OTHER) == 18


def test_a_german_complaint_needs_a_human_read_gets_the_sla_nudge_and_is_counted_apart(
    configured: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    assert post(configured, TEAM_ID, {"id": "G-1", "text": GERMAN}).status == 201
    configured.outbox.drain()
    card = card_of(slack)
    assert "Customer feedback that needs a human read" in card and "not scored: German" in card
    assert slack.messages("CESCAL1") == []  # not escalated as a complaint
    relabel = json.loads(card)[-1]["elements"][-1]
    assert {o["value"].split(":")[1] for o in relabel["options"]} == {"positive", "neutral", "negative"}
    clock.advance(hours=4, minutes=30)
    send_feedback_nudges(configured)
    configured.outbox.drain()
    nudges = [m for m in slack.messages("CFEED01") if "no response for" in m["text"]]
    assert len(nudges) == 1 and "needs a human read" in nudges[0]["text"]
    week = week_of(clock.now(), configured.workspace_settings.get(TEAM_ID).tz)
    with configured.sessions() as s:
        stats = digest_repo.window_stats(s, TEAM_ID, week.start, week.end)
    assert stats.by_label["needs_review"] == 1 and stats.by_label["neutral"] == 0
    digest = configured.digests.build(TEAM_ID, week)
    assert digest.sentiment is not None
    assert "1 needs a human read" in json.dumps([b.to_dict() for b in sentiment_blocks(digest.sentiment)])


def test_a_person_can_mark_an_item_as_needing_a_human_read(
    configured: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    post(configured, TEAM_ID, {"id": "A-1", "text": ANGRY})
    configured.outbox.drain()
    relabel = json.loads(card_of(slack))[-1]["elements"][-1]
    values = [o["value"] for o in relabel["options"]]
    [needs] = [v for v in values if v.endswith(":needs_review")]
    driver.action(
        ids.FEEDBACK_RELABEL,
        user="UAGENT1",
        channel="CFEED01",
        action={"type": "static_select", "selected_option": {"value": needs}},
    )
    with configured.sessions() as s:
        fb = s.scalars(select(Feedback)).one()
        assert fb.label == "needs_review" and not fb.learn_pending
    learn_feedback_labels(configured)
    assert count(configured, SentimentExample) == 0


def test_owners_see_how_well_the_scorer_does_on_app_home(
    configured: Container, slack: SlackStandIn, driver: SlackDriver, clock: FixedClock
) -> None:
    post(configured, TEAM_ID, {"id": "Q-1", "text": ANGRY, "rating": 1})
    post(configured, TEAM_ID, {"id": "Q-2", "text": HAPPY, "rating": 1})
    learn_feedback_labels(configured)
    driver.event({"type": "app_home_opened", "user": OWNER, "tab": "home"})
    home = json.dumps(slack.calls_to("views.publish")[-1]["view"], ensure_ascii=False)
    assert "The scorer agreed with your team on 50 % of 2 items (last 30 days); in use: base scorer" in home
    driver.event({"type": "app_home_opened", "user": "UAGENT1", "tab": "home"})
    member = json.dumps(slack.calls_to("views.publish")[-1]["view"], ensure_ascii=False)
    assert "scorer agreed" not in member
    clock.advance(days=31)
    assert configured.sentiment.quality(TEAM_ID).judged == 0
