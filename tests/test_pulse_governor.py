"""The fatigue governor through the real Bolt app: away, note-or-skip, falling participation, weekly cap."""

from __future__ import annotations

import json

from bot.clock import FixedClock
from bot.container import Container
from jobs.pulse import run_pulse_surveys
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, people
from tests.slack_requests import TEAM_ID, SlackDriver, response_json
from tests.slack_standin import SlackStandIn


def texts(slack: SlackStandIn, user: str) -> list[str]:
    return [json.dumps(m.get("blocks"), ensure_ascii=False) for m in slack.messages(user)]


def surveys(container: Container) -> list[tuple[int, int, str, int, int]]:
    """(id, round, state, invited, answered) of every survey, newest first."""
    return [
        (info.id, info.round, info.state, info.invited, answered)
        for info, answered in container.pulse.list_for(container.actors.of(TEAM_ID, OWNER))
    ]


def test_away_snoozes_a_person_and_the_count_says_so(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 7)
    bad = json.dumps(response_json(driver.command("/pulse", "away tomorrow", user=team[0])))
    assert "like `/pulse away until" in bad
    past = json.dumps(response_json(driver.command("/pulse", "away until 2020-01-01", user=team[0])))
    assert "from today to a year ahead" in past
    snoozed = json.dumps(response_json(driver.command("/pulse", "away until 2026-11-30", user=team[0])))
    assert "until Mon 30 Nov 2026" in snoozed
    driver.command("/pulse", "away until 2026-12-24", user=team[1])
    driver.command("/pulse", "away off", user=team[1])  # back after all

    launch(driver, container)
    container.outbox.drain()
    assert "on its way to 6 people. Not asked: 1 away" in texts(slack, OWNER)[-1]
    assert slack.messages(team[0]) == []
    assert all(len(slack.messages(user)) == 1 for user in team[1:])


def close_round(container: Container, clock: FixedClock, days: int = 3) -> None:
    clock.advance(days=days, minutes=1)
    run_pulse_surveys(container)
    container.outbox.drain()


def answer(driver: SlackDriver, slack: SlackStandIn, users: list[str]) -> None:
    for user in users:
        Respondent.from_dm(driver, slack, user).click("q1", 8)


def test_falling_participation_is_told_once_and_each_round_waits_for_a_note_or_a_skip(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    team = people(slack, 10)
    launch(driver, container, recurrence="weekly", reminders="0", anonymous=False)
    container.outbox.drain()
    for number, answering in enumerate([8, 6, 5, 4], start=1):
        answer(driver, slack, team[:answering])
        close_round(container, clock)
        latest = surveys(container)[0]
        assert latest[1:3] == (number, "closed") and latest[4] == answering
        clock.advance(days=3, hours=23, minutes=59)  # the next Monday 10:01: the next round is due
        run_pulse_surveys(container)
        assert surveys(container)[0][0] == latest[0]  # ...but waits for a note or a skip
        skipped = response_json(driver.command("/pulse", f"skip {latest[0]}", user=OWNER))
        assert "see that" in str(skipped.get("text"))
        container.outbox.drain()
        assert all("skipped" in texts(slack, user)[-1] for user in team)  # the team sees it
        run_pulse_surveys(container)
        container.outbox.drain()
        assert surveys(container)[0][1] == number + 1

    falling = [t for t in texts(slack, OWNER) if "Participation in" in t and "fell two rounds" in t]
    assert len(falling) == 1  # 80% → 60% → 50% told once; 50% → 40% not again
    assert "80% → 60% → 50%" in falling[0] and "less often" in falling[0]
    assert len([t for t in texts(slack, OWNER) if "waits until you tell everyone" in t]) == 4


def test_one_survey_a_week_per_person_across_two_series(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    team = people(slack, 6)
    first = launch(driver, container, recurrence="weekly", reminders="0", title="Series A")
    second = launch(driver, container, recurrence="weekly", reminders="0", title="Series B")
    assert first != second
    container.outbox.drain()
    close_round(container, clock)  # nobody answered: no results, so no note is needed
    clock.advance(days=3, hours=23, minutes=59)
    run_pulse_surveys(container)
    container.outbox.drain()
    # Series A's round 2 went out; series B's round 2 would ask the same people the same week: it waits.
    assert sorted(x[1] for x in surveys(container)) == [1, 1, 2]
    invitations = [t for user in team for t in texts(slack, user) if "A short pulse survey" in t]
    assert len(invitations) == 6 * 3  # two first rounds by hand, then one round this week
    clock.advance(days=7)
    run_pulse_surveys(container)
    assert (
        sorted(x[1] for x in surveys(container) if x[2] == "open") == [2, 3] or len(surveys(container)) == 4
    )
