"""Small-team pooling through the real Bolt app: a team of four with a threshold of five."""

from __future__ import annotations

import json
import re

from sqlalchemy import update

from bot.clock import FixedClock
from bot.container import Container
from jobs.pulse import run_pulse_surveys
from storage.models import Survey
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, people
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn

ROUND_X = [10, 9, 3, 7]
ROUND_Y = [6, 8, 9, 10]
ROUND_Z = [2, 4, 5, 6]


def run_series(
    driver: SlackDriver,
    container: Container,
    clock: FixedClock,
    slack: SlackStandIn,
    prefix: str,
    rounds: list[list[int]],
) -> list[str]:
    """A weekly anonymous series to a team of four, one round per list of scores; returns everything
    the owner was sent meanwhile, and checks that nothing combined arrives before round 2."""
    channel = f"C{prefix}TEAM"
    team = people(slack, 4, channel=channel, prefix=prefix)
    before = len(slack.messages(OWNER))
    launch(driver, container, channel=channel, recurrence="weekly", reminders="0", title="Small team")
    container.outbox.drain()
    for number, scores in enumerate(rounds, start=1):
        assert "Anonymous, pooled" in json.dumps(slack.messages(team[0])[-1]["blocks"])  # it says so
        for user, score in zip(team, scores, strict=True):
            Respondent.from_dm(driver, slack, user).click("q1", score)
        clock.advance(days=3, minutes=1)
        run_pulse_surveys(container)
        container.outbox.drain()
        sent = [json.dumps(m.get("blocks"), ensure_ascii=False) for m in slack.messages(OWNER)[before:]]
        if number == 1:
            assert not [t for t in sent if "combined" in t]  # four answers: nothing yet
        if number < len(rounds):
            clock.advance(days=3, hours=23, minutes=59)
            run_pulse_surveys(container)  # no results were shown, so no note is needed
            container.outbox.drain()
    return [json.dumps(m.get("blocks"), ensure_ascii=False) for m in slack.messages(OWNER)[before:]]


def test_a_team_of_four_gets_rounds_1_2_combined_after_round_2_and_never_a_round_figure(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    sent = run_series(driver, container, clock, slack, "UA", [ROUND_X, ROUND_Y])
    assert "on its way to 4 people" in sent[0]
    (report,) = [t for t in sent if "combined" in t]
    assert "rounds 1–2 combined" in report and "first combined report" in report
    assert not re.findall(r"\d", report.replace("rounds 1–2", ""))  # directions only: no figure at all
    actor = container.actors.of(TEAM_ID, OWNER)
    for info, _ in container.pulse.list_for(actor):
        assert container.pulse.results_for(actor, info.id).withheld_reason  # no round on its own, ever


def test_no_combination_of_reports_recovers_a_single_round(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    # Two series whose rounds 1 and 2 hold the same answers in swapped order (and then the same round 3
    # and 4): if any report (or results lookup) depended on a single round, the owner's view would differ.
    first = run_series(driver, container, clock, slack, "UA", [ROUND_X, ROUND_Y, ROUND_Z, ROUND_Z])
    with container.sessions.begin() as s:  # the first series ends here (no more rounds of it)
        s.execute(update(Survey).values(next_round_launched=True))
    second = run_series(driver, container, clock, slack, "UB", [ROUND_Y, ROUND_X, ROUND_Z, ROUND_Z])

    def seen(messages: list[str]) -> list[str]:
        # Survey numbers and dates differ between the two series by construction; nothing else may.
        return [re.sub(r"<!date\^\d+\^[^>]*>|\*\d+\*|[Ss]urvey \d+", "#", m) for m in messages]

    assert seen(first) == seen(second)
    combined = [t for t in first if "combined" in t]
    assert [("rounds 1–2" in t, "rounds 3–4" in t) for t in combined] == [(True, False), (False, True)]
    assert "worse" in combined[1]  # rounds 3–4 are lower than rounds 1–2: a direction, not a figure
    actor = container.actors.of(TEAM_ID, OWNER)
    assert all(
        container.pulse.results_for(actor, info.id).withheld_reason
        for info, _ in container.pulse.list_for(actor)
    )
