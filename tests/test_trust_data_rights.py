"""Retention, export and forgetting: what is kept, for how long, and what an export can never reveal."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bot.__main__ import main
from bot.clock import FixedClock
from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.errors import NotAllowed
from bot.domain.feedback import FeedbackInput
from bot.services.retention import REDACTED
from jobs.feedback import learn_feedback_labels
from jobs.housekeeping import apply_retention
from storage.migrate import alembic_config
from storage.models import (
    AwayRow,
    Base,
    DirectoryPerson,
    Feedback,
    FeedbackSource,
    Kudos,
    KudosRecipient,
    OutboxMessage,
    SentimentExample,
    SurveyInvitee,
    SurveyParticipation,
    SurveyResponse,
)
from storage.repositories.workspaces import ensure_workspace
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, people
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, database_url: str, settings, tmp_path: Path, engine: Engine
) -> None:
    """The CLI on the test database, which the fixtures built from the models: mark it as migrated, and
    know the workspace (as the bot records it when it starts)."""
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.stamp(config, "heads")
    with Session(engine) as s, s.begin():
        ensure_workspace(s, TEAM_ID, datetime(2026, 11, 1, tzinfo=UTC))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EMPATHY_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("EMPATHY_ENV_FILE", str(tmp_path / "none.env"))


def closed_survey_with_comments(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> tuple[int, list[str]]:
    team = people(slack, 6)
    survey_id = launch(driver, container)
    container.outbox.drain()
    for user in team[:5]:
        Respondent.from_dm(driver, slack, user).click("q1", 8)
    with container.sessions.begin() as s:
        for response in s.scalars(select(SurveyResponse)):
            response.comments = {"q2": "More quiet time, please."}
    driver.command("/pulse", f"close {survey_id}", user=OWNER)
    return survey_id, team


def ingest(
    container: Container, ext: str, customer: str, text: str = "The delivery was late and nobody called."
) -> None:
    container.feedback.ingest(TEAM_ID, FeedbackInput("email", ext, text, customer=customer), post_cards=False)


def test_retention_redacts_old_feedback_and_comments_keeps_numbers_and_says_what_it_did(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn, caplog
) -> None:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"feedback_retention_days": 30, "comment_retention_days": 30}
    )
    ingest(container, "old-1", "Ann Old")
    rated = FeedbackInput(
        "email", "old-2", "Lovely people, the parcel was late.", "Al", 2, rating_scale="1-5"
    )
    container.feedback.ingest(TEAM_ID, rated, post_cards=False)
    source = container.sources.add(Actor.operator(TEAM_ID), "shop").source
    container.sources.record_delivery(
        source, b'{"email": "al@example.com", "text": "late"}', "card", accepted=True
    )
    learn_feedback_labels(container)
    closed_survey_with_comments(driver, container, slack)
    container.outbox.drain()
    clock.advance(days=31)
    ingest(container, "new-1", "Ben New")
    newer = FeedbackInput("email", "new-2", "Quick and kind, thank you.", "Bo", 5, rating_scale="1-5")
    container.feedback.ingest(TEAM_ID, newer, post_cards=False)
    # History imported today: received 60 days ago, learned now. Its copy goes by its own date.
    backdated = FeedbackInput(
        "csv", "hist-1", "Rude on the phone.", "Cy", 1, received_at=clock.now() - timedelta(days=60),
        rating_scale="1-5",
    )  # fmt: skip
    container.feedback.ingest(TEAM_ID, backdated, post_cards=False)
    learn_feedback_labels(container)
    with container.sessions() as s:
        assert {e.text for e in s.scalars(select(SentimentExample))} == {
            "Lovely people, the parcel was late.",
            "Quick and kind, thank you.",
            "Rude on the phone.",
        }

    with caplog.at_level(logging.INFO, logger="jobs.housekeeping"):
        apply_retention(container)
    with container.sessions.begin() as s:
        rows = {f.external_id: f for f in s.scalars(select(Feedback))}
        assert rows["old-1"].text == REDACTED and rows["old-1"].customer is None
        assert rows["old-1"].polarity < 0  # the numbers stay for trends
        assert rows["new-1"].text.startswith("The delivery") and rows["new-1"].customer == "Ben New"
        responses = s.scalars(select(SurveyResponse)).all()
        assert all(r.comments == {} and r.answers == {"q1": 8} for r in responses)
        old_payloads = [
            m.payload for m in s.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent"))
        ]
        assert old_payloads and all(p == {} for p in old_payloads)
        # The customers' words copied for learning and the kept webhook payload go by the same period.
        assert [e.text for e in s.scalars(select(SentimentExample))] == ["Quick and kind, thank you."]
        assert s.scalar(select(FeedbackSource.last_delivery)) is None
        # SQL NULL, not JSON 'null': a later run finds nothing left to clear.
        assert s.scalar(text("SELECT count(*) FROM feedback_sources WHERE last_delivery IS NULL")) == 1
    assert (
        "redacted 3 feedback text(s), removed comments from 5 survey response(s), "
        "2 sentiment learning example(s) and 1 kept source delivery(ies)"
    ) in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jobs.housekeeping"):
        apply_retention(container)
    assert "0 sentiment learning example(s) and 0 kept source delivery(ies)" in caplog.text


def test_export_holds_the_workspace_data_but_no_link_between_people_and_answers(
    cli_env: None, driver: SlackDriver, container: Container, slack: SlackStandIn, tmp_path: Path
) -> None:
    ingest(container, "T-9", "Cara")
    survey_id, team = closed_survey_with_comments(driver, container, slack)
    out = tmp_path / "export.json"
    assert main(["export", "--team", TEAM_ID, "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [f["customer"] for f in data["feedback"]] == ["Cara"]
    assert len(data["pulse_responses"]) == 5 and {u["user_id"] for u in data["pulse_invitees"]} == set(team)
    assert data["pulse_participation_counts"] == {str(survey_id): 5}
    hashes = {container.pulse.participant_hash(TEAM_ID, survey_id, u) for u in team}
    text = out.read_text()
    assert not any(h in text for h in hashes)
    assert all(
        set(r) == {"survey_id", "anonymous", "respondent_id", "answers", "comments", "answered_on"}
        for r in data["pulse_responses"]
    )


def test_forget_customer_and_forget_user(
    cli_env: None, driver: SlackDriver, container: Container, slack: SlackStandIn, capsys
) -> None:
    ingest(container, "Z-1", "Dana Doe")
    ingest(container, "Z-2", "dana doe", "Great service, thank you!")
    ingest(container, "Z-3", "Eve")
    source = container.sources.add(Actor.operator(TEAM_ID), "desk").source
    # A payload that names her in a way no search finds (JSON escapes): every kept delivery goes.
    container.sources.record_delivery(
        source, b'{"first": "D\\u0061na", "last": "Doe", "text": "late"}', "card", accepted=True
    )
    assert main(["forget-customer", "Dana Doe", "--team", TEAM_ID]) == 0
    assert (
        "Forgot customer 'Dana Doe': 2 feedback item(s), 1 kept source delivery(ies)."
        in capsys.readouterr().out
    )
    with container.sessions.begin() as s:
        assert [f.customer for f in s.scalars(select(Feedback))] == ["Eve"]
        assert s.scalar(select(FeedbackSource.last_delivery)) is None

    survey_id, team = closed_survey_with_comments(driver, container, slack)
    gone = team[0]
    assert main(["forget-user", gone, "--team", TEAM_ID]) == 0
    printed = capsys.readouterr().out
    assert "1 survey invitation(s), 1 participation record(s), 0 attributed answer(s)" in printed
    with container.sessions.begin() as s:
        assert s.get(SurveyInvitee, (survey_id, gone)) is None
        assert s.scalar(select(func.count()).select_from(SurveyParticipation)) == 4
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 5  # anonymous totals stay
        dms = s.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"pulse:{survey_id}:invite:{gone}")
        ).all()
        assert [m.payload for m in dms] == [{}]
    assert main(["forget-user", gone]) == 0, "without --team: the only workspace"
    capsys.readouterr()


def test_data_commands_refuse_an_unknown_or_unnamed_workspace(
    cli_env: None, container: Container, capsys
) -> None:
    container.workspaces.ensure("T0OTHER1")
    for argv in (["export", "--team", "T0NOPE01"], ["forget-customer", "ACME", "--team", "T0NOPE01"]):
        assert main(argv) == 2
        said = capsys.readouterr()
        assert "no workspace 'T0NOPE01' here" in said.err and "T0OTHER1, T0TEAM1" in said.err
        assert said.out == ""
    assert main(["forget-user", "UANA0001"]) == 2
    assert "say which workspace with --team (workspaces in this database: T0OTHER1, T0TEAM1)" in (
        capsys.readouterr().err
    )
    container.workspaces.deactivate("T0OTHER1")  # uninstalled, data kept for retention: still reachable
    assert main(["export", "--team", "T0OTHER1"]) == 0


def test_forget_user_removes_their_kudos_and_deletes_the_cards(
    cli_env: None, driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn, capsys
) -> None:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"kudos_channel": "CKUDOS1"})
    for user in ("UGIVER01", "UANA0001", "UBEN0001"):
        slack.add_user(user)
    driver.command(
        "/kudos", "<@UANA0001|ana> for calming the customer down #calmed-a-tense-moment", user="UGIVER01"
    )
    driver.command("/kudos", "<@UGIVER01|gina> <@UBEN0001|ben> for the handover #owned-it", user="UANA0001")
    container.outbox.drain()
    assert main(["forget-user", "UGIVER01", "--team", TEAM_ID]) == 0
    assert "2 kudos given or received" in capsys.readouterr().out
    with container.sessions.begin() as s:
        remaining = [
            (
                k.giver,
                sorted(
                    r.receiver
                    for r in s.scalars(select(KudosRecipient).where(KudosRecipient.kudos_id == k.id))
                ),
            )
            for k in s.scalars(select(Kudos))
        ]
    assert remaining == [("UANA0001", ["UBEN0001"])]
    clock.set(datetime.now(UTC) + timedelta(minutes=1))  # the CLI queued it on the real clock
    container.outbox.drain()
    deleted = slack.calls_to("chat.delete")
    assert len(deleted) == 1 and deleted[0]["channel"] == "CKUDOS1"
    exported = json.dumps(container.data_rights.export(Actor.operator(TEAM_ID)))
    assert "UGIVER01" not in exported.replace('"UOWNER01"', "")


def test_an_uninstalled_workspace_is_kept_for_its_retention_period_then_removed(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    closed_survey_with_comments(driver, container, slack)
    ingest(container, "U-1", "Fay")
    driver.command(
        "/kudos", "<@UP00001|p> for calming a customer down #calmed-a-tense-moment", user="UP00002"
    )
    container.workspaces.ensure("T0STAYS")
    container.feedback.ingest("T0STAYS", FeedbackInput("email", "S-1", "Fine, thanks."), post_cards=False)
    driver.event({"type": "app_uninstalled"})
    container.workspace_settings.update(
        Actor.operator(TEAM_ID), {"feedback_retention_days": 30, "comment_retention_days": 40}
    )

    clock.advance(days=39)
    apply_retention(container)
    with container.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 5  # kept while within retention
    clock.advance(days=2)
    apply_retention(container)
    with container.sessions.begin() as s:
        for table in Base.metadata.sorted_tables:
            if "team_id" in table.c:
                left = s.scalar(select(func.count()).select_from(table).where(table.c.team_id == TEAM_ID))
                assert left == 0, table.name
        assert s.scalar(select(func.count()).select_from(SurveyResponse)) == 0
        assert s.scalar(select(func.count()).select_from(Feedback).where(Feedback.team_id == "T0STAYS")) == 1


def test_data_rights_are_the_operators_and_owners_not_anyone_elses(container: Container) -> None:
    stranger = container.actors.of(TEAM_ID, "USTRANGER1")
    for attempt in (
        lambda: container.data_rights.export(stranger),
        lambda: container.data_rights.forget_customer(stranger, "ACME"),
        lambda: container.data_rights.forget_user(stranger, OWNER),
    ):
        with pytest.raises(NotAllowed):
            attempt()
    assert container.data_rights.export(Actor.operator(TEAM_ID))["team_id"] == TEAM_ID


def test_forget_user_removes_their_directory_entry_and_survey_snooze(
    driver: SlackDriver, container: Container
) -> None:
    container.directory.record(
        TEAM_ID, [{"id": "UGONE001", "name": "gone", "profile": {"real_name": "Gone"}}]
    )
    driver.command("/pulse", "away until 2026-12-24", user="UGONE001")
    forgotten = container.data_rights.forget_user(Actor.operator(TEAM_ID), "UGONE001")
    assert "2 directory and survey-snooze record(s)" in str(forgotten)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DirectoryPerson)) == 0
        assert s.scalar(select(func.count()).select_from(AwayRow)) == 0
