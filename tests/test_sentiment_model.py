"""The learned per-workspace model on the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.clock import FixedClock
from bot.container import Container
from bot.domain import sentiment
from bot.domain.errors import FieldError
from bot.domain.ratings import RatingInvalid, parse_scale
from bot.domain.sentiment_learning import FROM_CORRECTION, FROM_RATING
from bot.services.sentiment_model import SentimentModelService
from storage.db import make_sessions
from storage.models.sentiment import SentimentExample, SentimentModel
from tests.conftest import START

# Words no lexicon knows: only a model that learned this workspace's customers can read them.
BAD = [
    "the zorblat crate flonked {}",
    "zorblat flonked again on crate {}",
    "crate {} flonked, zorblat sploot",
]
GOOD = ["the quindle parcel glimmed {}", "quindle glimmed on parcel {}", "parcel {} glimmed, quindle here"]
UNRATED_BAD = "my zorblat crate flonked"


@pytest.fixture
def service(engine: Engine) -> Iterator[SentimentModelService]:
    yield SentimentModelService(
        make_sessions(engine), FixedClock(START), min_examples=8, window=20, min_window=4, min_per_label=2
    )


def teach(
    service: SentimentModelService, team: str, n: int, *, flip: bool = False, customer: str = ""
) -> None:
    bad, good = ("positive", "negative") if flip else ("negative", "positive")
    for i in range(n):
        service.learn(team, BAD[i % 3].format(i), bad, FROM_RATING, customer or f"c{i}", item_ref=f"b{i}")
        service.learn(team, GOOD[i % 3].format(i), good, FROM_RATING, customer or f"c{i}", item_ref=f"g{i}")


def test_before_learning_unknown_words_need_a_human_read(service: SentimentModelService) -> None:
    verdict = service.judge("T1", UNRATED_BAD)
    assert (verdict.label, verdict.source) == (sentiment.NEEDS_REVIEW, sentiment.NOT_SCORED)


def test_rated_items_teach_the_model_that_then_labels_unrated_items(service: SentimentModelService) -> None:
    teach(service, "T1", 6)
    verdict = service.judge("T1", UNRATED_BAD)
    assert (verdict.label, verdict.source) == (sentiment.NEGATIVE, sentiment.FROM_MODEL)
    assert verdict.describe().startswith("Negative (from what this workspace's labels taught")
    assert service.judge("T1", "quindle glimmed").label == sentiment.POSITIVE
    # A rating still decides, and the learned words are compared with it.
    rated = service.judge("T1", UNRATED_BAD, 5, parse_scale("1-5"))
    assert (rated.label, rated.disagreement) == (sentiment.POSITIVE, "the words read negative")
    quality = service.quality("T1")
    assert quality.in_use == sentiment.FROM_MODEL
    assert quality.judged == 12 and quality.model_right > quality.base_right
    assert "of 12 items" in quality.describe()


def test_a_correction_updates_the_model(service: SentimentModelService, engine: Engine) -> None:
    teach(service, "T1", 6)
    before = service.judge("T1", UNRATED_BAD)
    for i in range(4):
        service.learn("T1", UNRATED_BAD, "positive", FROM_CORRECTION, item_ref=f"b{i}")
    after = service.judge("T1", UNRATED_BAD)
    assert before.label == sentiment.NEGATIVE
    assert after.label != sentiment.NEGATIVE or after.confidence < before.confidence
    with make_sessions(engine)() as s:
        corrected = s.scalars(select(SentimentExample).where(SentimentExample.item_ref == "b0")).one()
        assert (corrected.label, corrected.origin, corrected.customer) == ("positive", FROM_CORRECTION, "c0")
        assert s.scalar(select(func.count()).select_from(SentimentExample)) == 12


def test_two_workspaces_never_mix(service: SentimentModelService, engine: Engine) -> None:
    teach(service, "T1", 6)
    assert service.judge("T2", UNRATED_BAD).source != sentiment.FROM_MODEL
    teach(service, "T2", 6, flip=True)
    assert service.judge("T1", UNRATED_BAD).label == sentiment.NEGATIVE
    assert service.judge("T2", UNRATED_BAD).label == sentiment.POSITIVE
    with make_sessions(engine)() as s:
        assert s.scalar(select(func.count()).where(SentimentExample.team_id == "T2")) == 12
        assert s.scalar(select(func.count()).select_from(SentimentModel)) == 2


def test_forget_customer_removes_their_examples(service: SentimentModelService, engine: Engine) -> None:
    teach(service, "T1", 6)
    teach(service, "T2", 2, customer="Ann@Example.com")
    service.learn("T1", "zorblat crate flonked at ann's", "negative", FROM_RATING, "ann@example.com")
    assert service.forget_customer("T1", "ANN@example.com") == 1
    with make_sessions(engine)() as s:
        assert s.scalar(select(func.count()).where(SentimentExample.team_id == "T1")) == 12
        assert s.scalar(select(func.count()).where(SentimentExample.team_id == "T2")) == 4
        assert s.scalar(select(SentimentModel.examples_seen).where(SentimentModel.team_id == "T1")) == 12
    assert service.forget_customer("T2", "ann@example.com") == 4
    with make_sessions(engine)() as s:
        assert s.get(SentimentModel, "T2") is None
    assert service.judge("T1", UNRATED_BAD).source == sentiment.FROM_MODEL


def test_a_corrupt_model_is_logged_the_base_scorer_used_and_the_model_rebuilt(
    service: SentimentModelService, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    teach(service, "T1", 6)
    with make_sessions(engine).begin() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None
        row.coef = b"not a model"
        row.version += 1
    with caplog.at_level(logging.WARNING):
        verdict = service.judge("T1", UNRATED_BAD)
    assert verdict.source != sentiment.FROM_MODEL
    assert "corrupt" in caplog.text
    assert service.judge("T1", UNRATED_BAD).source == sentiment.FROM_MODEL
    # Learning also copes with a corrupt model: it rebuilds before learning more.
    with make_sessions(engine).begin() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None
        row.steps = -1.0
    service.learn("T1", "crate flonked", "negative", FROM_RATING)
    with make_sessions(engine)() as s:
        assert s.scalar(select(SentimentModel.examples_seen).where(SentimentModel.team_id == "T1")) == 13


def test_bad_input_is_refused_and_nothing_stored(service: SentimentModelService, engine: Engine) -> None:
    with pytest.raises(FieldError):
        service.learn("T1", "fine", "needs_review", FROM_RATING)
    with pytest.raises(FieldError):
        service.learn("T1", "fine", "negative", "guess")
    with pytest.raises(RatingInvalid):
        service.judge("T1", "fine", 11, parse_scale("0-10"))
    with make_sessions(engine)() as s:
        assert s.scalar(select(func.count()).select_from(SentimentExample)) == 0


def test_a_german_complaint_without_rating_needs_a_human_read(service: SentimentModelService) -> None:
    teach(service, "T1", 6)
    verdict = service.judge("T1", "Mein Paket ist nie angekommen und niemand antwortet auf meine E-Mails.")
    assert (verdict.label, verdict.reason) == (sentiment.NEEDS_REVIEW, "not scored: German")


def test_a_model_stored_by_the_previous_learner_is_rebuilt_by_the_job_and_earns_its_place_again(
    service: SentimentModelService, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Models stored before the learner's format 2 (scikit-learn's, migration 0018) are never rebuilt in a
    request (judging may run before an ack); the learning job rebuilds them from the workspace's
    examples, and the new learner starts with no measured standing."""
    teach(service, "T1", 6)
    with make_sessions(engine).begin() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None
        row.format, row.state = 1, None
        row.version += 1
    with caplog.at_level(logging.INFO):
        assert service.judge("T1", UNRATED_BAD).source != sentiment.FROM_MODEL
    assert "format 1" in caplog.text and "corrupt" not in caplog.text
    with make_sessions(engine)() as s:
        assert s.scalar(select(SentimentModel.format).where(SentimentModel.team_id == "T1")) == 1

    assert service.upgrade_outdated() == 1
    assert service.upgrade_outdated() == 0
    with make_sessions(engine)() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None and (row.format, row.in_use, row.recent, row.examples_seen) == (
            2,
            False,
            [],
            12,
        )
    assert service.judge("T1", UNRATED_BAD).source != sentiment.FROM_MODEL  # not measured yet
    teach(service, "T1", 3)
    assert service.judge("T1", UNRATED_BAD).source == sentiment.FROM_MODEL


def test_learning_rebuilds_a_model_of_the_previous_learner_before_learning_more(
    service: SentimentModelService, engine: Engine
) -> None:
    teach(service, "T1", 6)
    with make_sessions(engine).begin() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None
        row.format, row.state = 1, None
    service.learn("T1", "crate flonked", "negative", FROM_RATING)
    with make_sessions(engine)() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None and (row.format, row.examples_seen) == (2, 13)
        assert len(row.recent) <= 1  # the old learner's standing was not carried over


def test_the_learning_job_upgrades_models_of_the_previous_learner(container: Container) -> None:
    from jobs.feedback import learn_feedback_labels

    teach(container.sentiment, "T1", 2)
    with container.sessions.begin() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None
        row.format, row.state = 1, None
    learn_feedback_labels(container)
    with container.sessions() as s:
        assert s.scalar(select(SentimentModel.format).where(SentimentModel.team_id == "T1")) == 2


def test_one_workspace_whose_upgrade_fails_does_not_stop_the_others(
    service: SentimentModelService, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for team in ("T1", "T2"):
        teach(service, team, 2)
    with make_sessions(engine).begin() as s:
        for row in s.scalars(select(SentimentModel)):
            row.format, row.state = 1, None
    real = service._rebuilt

    def failing_for_t1(s: Any, team_id: str) -> Any:
        if team_id == "T1":
            raise RuntimeError("bad data")
        return real(s, team_id)

    monkeypatch.setattr(service, "_rebuilt", failing_for_t1)
    assert service.upgrade_outdated() == 1
    with make_sessions(engine)() as s:
        formats = dict(s.execute(select(SentimentModel.team_id, SentimentModel.format)).all())
    assert formats == {"T1": 1, "T2": 2}


def test_forgetting_a_customer_in_a_model_of_the_previous_learner_drops_its_standing(
    service: SentimentModelService, engine: Engine
) -> None:
    teach(service, "T1", 6)
    service.learn("T1", "zorblat crate flonked at ann's", "negative", FROM_RATING, "ann@example.com")
    with make_sessions(engine).begin() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None and row.in_use and row.recent
        row.format, row.state = 1, None
    assert service.forget_customer("T1", "ann@example.com") == 1
    with make_sessions(engine)() as s:
        row = s.get(SentimentModel, "T1")
        assert row is not None and (row.format, row.recent, row.in_use) == (2, [], False)
