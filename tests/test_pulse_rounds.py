"""A recurring series through the real Bolt app: `/pulse results` and `/digest` cost the same SQL statements
whatever the number of past rounds (issue 16), since each round's figures are stored once at close and
the comparison with the previous round and the digest's eNPS points read them; the figures shown are
still right, a withheld round is never compared with, and rounds closed before the figures were stored
(or whose figures a forget cleared) still give the right results."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, select, update

from bot.app import create_app
from bot.clock import FixedClock
from bot.config import EnvConfig
from bot.container import Container, build_container
from bot.domain.actor import Actor
from bot.domain.pulse_figures import previous_round, round_figures
from storage import migrate
from storage.db import create_db_engine
from storage.models import Survey
from tests.conftest import OWNER, SIGNING_SECRET, START
from tests.pulse_rounds import MINIMUM, QUESTIONS, add_round, closed_series, varied
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer
from tests.slack_standin import SlackStandIn

MANAGER = "UMANAGER1"
KEY = {q.get("item"): q["key"] for q in QUESTIONS}  # bank item -> its key in these surveys


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspaces.ensure(TEAM_ID)
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"managers": [MANAGER]})
    return container


def count(engine: Engine, request: Callable[[], Any]) -> int:
    """SQL statements the request sends (the idiom of tests/test_request_path_bounded.py)."""
    statements: list[str] = []

    def counted(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", counted)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return len(statements)


def results_text(driver: SlackDriver, slack: SlackStandIn, survey_id: int) -> str:
    answer = final_answer(slack, driver.command("/pulse", f"results {survey_id}", user=OWNER))
    return json.dumps(answer, ensure_ascii=False)


def digest_text(driver: SlackDriver, slack: SlackStandIn) -> str:
    answer = final_answer(slack, driver.command("/digest", "this-week", user=MANAGER))
    return json.dumps(answer, ensure_ascii=False)


def hand_enps(scores: list[int]) -> int:
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    return round(100 * (promoters - detractors) / len(scores))


def close_next_round(container: Container, engine: Engine, clock: FixedClock, series: list[int]) -> int:
    """Store the series' next round with six answers and close it; returns the close's statements."""
    survey_id = add_round(container, series_id=series[0], round_=len(series) + 1, respondents=6)
    owner = container.actors.of(TEAM_ID, OWNER)
    statements = count(engine, lambda: container.pulse.close(owner, survey_id))
    series.append(survey_id)
    clock.advance(days=1)
    return statements


def test_the_50th_rounds_results_and_close_cost_the_same_statements_as_the_2nd(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock, engine: Engine
) -> None:
    two = closed_series(configured, clock, 1)
    fifty = closed_series(configured, clock, 49)
    close_second, close_fiftieth = (close_next_round(configured, engine, clock, x) for x in (two, fifty))
    assert (len(two), len(fifty)) == (2, 50)
    assert close_fiftieth == close_second, (close_second, close_fiftieth)

    results_text(driver, slack, two[0])  # per-process caches (settings, the actor) filled once
    few = count(engine, lambda: results_text(driver, slack, two[-1]))
    many = count(engine, lambda: results_text(driver, slack, fifty[-1]))
    assert many == few, (few, many)
    assert many <= 6  # the survey, its count, its answers, the previous round with its figures
    shown = results_text(driver, slack, fifty[-1])
    assert "round 50" in shown and "vs last round" in shown


def test_the_digest_over_8_weeks_costs_the_same_statements_with_2_10_and_50_rounds(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock, engine: Engine
) -> None:
    # One round a day, so that all of them fall in the digest's 8 weeks; round 5 has too few answers.
    answered = [6, 6, 6, 6, 4] + [6] * 45
    series = closed_series(configured, clock, 2, respondents=answered[:2])
    digest_text(driver, slack)  # per-process caches filled once
    costs = [count(engine, lambda: digest_text(driver, slack))]
    series = closed_series(configured, clock, 8, series=series, respondents=answered[2:10])
    costs.append(count(engine, lambda: digest_text(driver, slack)))
    series = closed_series(configured, clock, 40, series=series, respondents=answered[10:])
    costs.append(count(engine, lambda: digest_text(driver, slack)))
    assert costs[0] == costs[1] == costs[2], costs

    # The eNPS points the chart draws: every round but the withheld one, each as computed by hand.
    rounds = configured.pulse.enps_rounds(TEAM_ID, START, clock.now())
    expected = [
        (
            START + timedelta(days=n - 1),
            hand_enps([varied(n, p)["q1"] for p in range(people)]),
            people,
        )
        for n, people in enumerate(answered, start=1)
        if people >= MINIMUM
    ]
    assert rounds == expected
    last, before = expected[-1][1], expected[-2][1]
    change = f" ({'▲' if last >= before else '▼'}{abs(last - before)} vs last round)"
    assert f"eNPS *{last:+d}*{change}" in digest_text(driver, slack)


# Round 2 and 3 of a series, by hand. eNPS: round 2 (3 promoters - 2 detractors) / 6 = +17, round 3
# (5 - 1) / 6 = +67. Manager theme (one item): 3.0 then 26/6 = 4.33. "Ask for help" is answered by only 4 in
# round 2 (hidden there: below the minimum of 5), by all 6 in round 3.
ENPS = {1: [8, 8, 8, 8, 8, 8], 2: [10, 10, 9, 8, 3, 6], 3: [10, 10, 10, 10, 9, 5]}
MANAGER_LISTENS = {1: [3] * 6, 2: [3] * 6, 3: [4, 4, 4, 4, 5, 5]}


def by_hand(round_: int, person: int) -> dict[str, int]:
    answers = {q["key"]: 3 for q in QUESTIONS if q["kind"] == "1-5"}
    answers[KEY["enps.recommend"]] = ENPS[round_][person]
    answers[KEY["manager.listens"]] = MANAGER_LISTENS[round_][person]
    if round_ == 2 and person >= 4:
        del answers[KEY["support.ask_help"]]
    return answers


def by_hand_four(round_: int, person: int) -> dict[str, int]:
    """Rounds 1-3 by hand (round 3 withheld when given only 4 answers), round 4 as round 3 reversed."""
    return by_hand(3, 5 - person) if round_ == 4 else by_hand(round_, person)


def section(shown: str, question_text: str) -> str:
    """The text of the results section about one question."""
    blocks = json.loads(shown)["blocks"]
    return next(b["text"]["text"] for b in blocks if b.get("text") and question_text in b["text"]["text"])


def question_text(item: str) -> str:
    return next(str(q["text"]) for q in QUESTIONS if q.get("item") == item)


def test_the_comparison_with_the_previous_round_shows_its_stored_figures_by_hand(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    _, second, third = closed_series(configured, clock, 3, answers=by_hand)
    shown = results_text(driver, slack, third)
    assert "eNPS *+67* (▲50 vs last round)" in shown
    assert "Mean 9 (▲1.33 vs last round) · 6 answers" in section(shown, question_text("enps.recommend"))
    assert "Manager listens without judgement: *4.3*, 100% favourable (▲1.3 vs last round)" in shown
    # Hidden in round 2, so round 3 shows it without a comparison.
    ask_help = section(shown, question_text("support.ask_help"))
    assert "Mean 3 · 6 answers" in ask_help and "vs last round" not in ask_help  # else "=0 vs"
    shown_second = results_text(driver, slack, second)
    assert "Too few people answered this question" in section(shown_second, question_text("support.ask_help"))
    assert "eNPS *+17* (▲17 vs last round)" in shown_second  # round 1: 0 promoters, 0 detractors

    # What is stored: aggregates of what the results show, no comment and nobody.
    with configured.sessions.begin() as s:
        stored = s.scalars(select(Survey).where(Survey.id == second)).one()
        figures, enps = stored.figures, (stored.enps_score, stored.enps_answers)
    assert enps == (17, 6)
    raw = json.dumps(figures)
    assert "comment" not in raw and "UP0" not in raw and "respondent" not in raw
    hidden = next(q for q in figures["questions"] if q["key"] == KEY["support.ask_help"])  # type: ignore[index]
    assert hidden == {"key": KEY["support.ask_help"], "answered": 4, "hidden": True}


def test_stored_figures_give_back_the_results_they_came_from_without_the_comments(
    configured: Container, clock: FixedClock
) -> None:
    [survey_id] = closed_series(configured, clock, 1, answers=lambda _round, person: by_hand(2, person))
    results = configured.pulse.results_for(configured.actors.of(TEAM_ID, OWNER), survey_id)
    assert results.comments and results.themes and any(q.hidden for q in results.questions)
    stored = json.loads(json.dumps(round_figures(results)))  # as the database gives it back
    assert previous_round(results.survey, results.invited, stored) == replace(results, comments=[])


def test_a_withheld_previous_round_shows_no_comparison_and_stores_nothing_but_that(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    _, second, third = closed_series(configured, clock, 3, respondents=[6, 4, 6])
    assert "Results are withheld: 4 answered" in results_text(driver, slack, second)
    shown = results_text(driver, slack, third)
    assert "eNPS" in shown and "vs last round" not in shown  # not compared with round 1 either
    with configured.sessions.begin() as s:
        stored = s.scalars(select(Survey).where(Survey.id == second)).one()
        assert stored.figures == {"v": 1, "withheld": True, "responded": 4}
        assert (stored.enps_score, stored.enps_answers) == (None, None)
    assert [r[0] for r in configured.pulse.enps_rounds(TEAM_ID, START, clock.now())] == [
        START,
        START + timedelta(days=2),
    ]


def test_a_forget_that_takes_a_round_below_the_minimum_leaves_no_stored_figure_behind(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    first, second = closed_series(configured, clock, 2, respondents=[5, 6])
    assert "vs last round" in results_text(driver, slack, second)
    configured.data_rights.forget_user(Actor.operator(TEAM_ID), "UP00000")  # took part in both rounds
    assert "Results are withheld: 4 answered" in results_text(driver, slack, first)
    shown = results_text(driver, slack, second)
    assert "5 of 8 answered" in shown and "vs last round" not in shown
    assert [r[0] for r in configured.pulse.enps_rounds(TEAM_ID, START, clock.now())] == [
        START + timedelta(days=1)
    ]


def test_rounds_closed_before_the_figures_were_stored_give_the_same_results_and_digest(
    scratch_database_url: str, settings: EnvConfig, clock: FixedClock, slack: SlackStandIn
) -> None:
    engine = create_db_engine(scratch_database_url)
    migrate.upgrade(engine)

    def app_on(engine: Engine) -> tuple[Container, SlackDriver]:
        container = build_container(settings, clock=clock, engine=engine)
        app = create_app(container, process_before_response=True)
        return container, SlackDriver(app, SIGNING_SECRET, response_url=f"{slack.base}/respond")

    container, driver = app_on(engine)
    container.workspaces.ensure(TEAM_ID)
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"managers": [MANAGER]})
    rounds = closed_series(container, clock, 4, respondents=[6, 6, 4, 6], answers=by_hand_four)
    before = [results_text(driver, slack, x) for x in rounds]
    digest_before = digest_text(driver, slack)
    points_before = container.pulse.enps_rounds(TEAM_ID, START, clock.now())

    # Back to the schema before the figures, and up again: every round's figures are gone.
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revision = script.get_revision("0017_round_figures")
    with engine.begin() as conn:
        config = migrate.alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, str(revision.down_revision))
    migrate.upgrade(engine)
    with engine.begin() as conn:
        assert conn.execute(select(Survey.figures).where(Survey.figures.is_not(None))).all() == []

    container, driver = app_on(engine)
    assert [results_text(driver, slack, x) for x in rounds] == before
    assert digest_text(driver, slack) == digest_before
    assert container.pulse.enps_rounds(TEAM_ID, START, clock.now()) == points_before
    with engine.begin() as conn:
        stored = conn.execute(select(Survey.figures, Survey.enps_score).order_by(Survey.round)).all()
    assert [f is not None for f, _ in stored] == [True, True, True, True]  # computed once, then stored
    assert [e for _, e in stored] == [p[1] for p in points_before][:2] + [None, points_before[-1][1]]
    engine.dispose()


def test_forget_clears_the_stored_figures_of_the_rounds_the_person_was_in_and_no_others(
    configured: Container, clock: FixedClock
) -> None:
    """Clearing every round's figures made the next digest recompute (and lock) all of them."""
    first, second = closed_series(configured, clock, 2, respondents=[5, 6])
    configured.data_rights.forget_user(Actor.operator(TEAM_ID), "UP00005")  # only in round 2 (6 people)
    with configured.sessions() as s:
        assert s.get(Survey, first).figures is not None
        assert s.get(Survey, second).figures is None


def test_a_reader_never_waits_for_a_round_another_transaction_holds(
    configured: Container, clock: FixedClock, engine: Engine
) -> None:
    """Readers lock rounds whose figures they compute in their own order (the digest by close date, a
    close the newest first, a forget by id): waiting for each other's rows could deadlock. A reader that
    finds a row held computes that round's figures for itself and stores nothing."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite has one writer at a time and a busy timeout instead")
    ids = closed_series(configured, clock, 3)
    expected = configured.pulse.enps_rounds(TEAM_ID, START, clock.now())
    with configured.sessions.begin() as s:
        s.execute(update(Survey).values(figures=None, enps_score=None, enps_answers=None))
    holder = engine.connect()
    try:
        holder.begin()
        holder.execute(select(Survey.id).where(Survey.id == ids[1]).with_for_update())
        done: list[Any] = []
        reader = threading.Thread(
            target=lambda: done.append(configured.pulse.enps_rounds(TEAM_ID, START, clock.now()))
        )
        reader.start()
        reader.join(timeout=30)  # returns at once when the reader does not wait for the held row
        assert done == [expected], "the reader waited for the held round (or read it wrong)"
    finally:
        holder.rollback()
        holder.close()
    with configured.sessions() as s:
        stored = {i: s.get(Survey, i).figures is not None for i in ids}
    assert stored == {ids[0]: True, ids[1]: False, ids[2]: True}
