"""Anonymity of pulse answers, tested on the schema and the stored rows, not on the UI."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import Date, Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from bot.container import Container
from storage.db import is_postgres
from storage.models import Survey, SurveyParticipation, SurveyResponse
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, people
from tests.slack_requests import SlackDriver
from tests.slack_standin import SlackStandIn


def columns(engine: Engine, table: str) -> dict[str, object]:
    return {c["name"]: c["type"] for c in inspect(engine).get_columns(table)}


def test_participation_and_responses_share_nothing_but_the_survey(engine: Engine) -> None:
    participation = columns(engine, "pulse_participation")
    responses = columns(engine, "pulse_responses")
    assert set(participation) == {"survey_id", "participant"}  # no time, no ordering key
    assert set(participation) & set(responses) == {"survey_id"}
    time_columns = [n for n, t in responses.items() if "TIME" in str(t).upper()]
    assert time_columns == [] and isinstance(responses["answered_on"], Date)  # the day, never the time
    # The invitee list is the only place with user ids, and it has no column to join to an answer.
    assert set(columns(engine, "pulse_invitees")) & set(responses) == {"survey_id"}


def test_the_bank_invitation_receipts_and_answers_in_flight_add_no_link_to_an_answer(engine: Engine) -> None:
    responses = columns(engine, "pulse_responses")
    # Invitees: who was asked and where their invitation DM landed; nothing about answering.
    assert set(columns(engine, "pulse_invitees")) == {"survey_id", "user_id", "dm_channel", "dm_ts"}
    # A workspace's own bank items belong to no survey and no answer.
    bank = columns(engine, "pulse_bank_items")
    assert "survey_id" not in bank and set(bank) & set(responses) == {"id"}
    # The survey row counts answers in flight (a number) and nothing per person or per answer.
    survey = columns(engine, "pulse_surveys")
    assert {"answers_in_flight", "closing_since"} <= set(survey)
    assert not {"participant", "token_hash", "respondent_id", "user_id"} & set(survey)


def test_an_anonymous_response_cannot_carry_a_person(
    engine: Engine, container: Container, driver, slack
) -> None:
    people(slack, 5)
    survey_id = launch(driver, container)
    with pytest.raises(IntegrityError), container.sessions.begin() as s:
        s.add(
            SurveyResponse(
                id=str(uuid.uuid4()),
                survey_id=survey_id,
                token_hash="x" * 64,
                anonymous=True,
                respondent_id="UP00001",
                answers={},
                comments={},
                answered_on=date(2026, 11, 16),
            )
        )


def test_stored_rows_name_nobody_and_cannot_be_paired_after_close(
    engine: Engine, container: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    team = people(slack, 7)
    survey_id = launch(driver, container)
    container.outbox.drain()
    for user, score in zip(team, [9, 3, 10, 7, 8, 6], strict=False):
        Respondent.from_dm(driver, slack, user).click("q1", score)

    with container.sessions.begin() as s:
        responses = s.scalars(select(SurveyResponse)).all()
        participants = set(s.scalars(select(SurveyParticipation.participant)))
        dumped = " ".join(
            str(v) for r in responses for v in (r.id, r.token_hash, r.respondent_id, r.answers, r.comments)
        ) + " ".join(participants)
    assert len(responses) == 6 and len(participants) == 6
    with container.sessions.begin() as s:
        assert s.get(Survey, survey_id).answers_in_flight == 0  # type: ignore[union-attr]
    assert all(r.respondent_id is None for r in responses)
    assert not any(user in dumped for user in team)  # no user id anywhere in what was answered
    hashes = {container.pulse.participant_hash("T0TEAM1", survey_id, u) for u in team}
    assert participants <= hashes  # participation is only a keyed hash...
    assert not participants & {r.token_hash for r in responses} and not participants & {
        r.id for r in responses
    }

    if is_postgres(engine):
        with engine.connect() as conn:
            live_p = set(conn.execute(text("SELECT xmin::text FROM pulse_participation")).scalars())
            live_r = set(conn.execute(text("SELECT xmin::text FROM pulse_responses")).scalars())
        # ...written in a different transaction from the answers, so no transaction id pairs them.
        assert not live_p & live_r

    driver.command("/pulse", f"close {survey_id}", user=OWNER)
    if is_postgres(engine):
        with engine.connect() as conn:
            sealed_p = set(conn.execute(text("SELECT xmin::text FROM pulse_participation")).scalars())
            sealed_r = set(conn.execute(text("SELECT xmin::text FROM pulse_responses")).scalars())
        # After close all rows of both tables were rewritten together, in random order.
        assert len(sealed_p) == 1 and sealed_p == sealed_r
    else:
        with engine.connect() as conn:
            for table in ("pulse_participation", "pulse_responses"):
                sql = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
                ).scalar()
                assert "WITHOUT ROWID" in sql.upper()  # no hidden insertion order either
    with container.sessions.begin() as s:
        assert sorted(r.answers["q1"] for r in s.scalars(select(SurveyResponse))) == [3, 6, 7, 8, 9, 10]
