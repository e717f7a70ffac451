"""Three bot processes' schedulers against one database fire the same work at once: each message goes once.

Each "process" is its own Container (own engine and connection pool) with the scheduler that
`empathy-bot run` builds; every registered job is fired in three threads at the same moment, several
rounds, with time controlled. On PostgreSQL this is the production setup behind a load balancer.
"""

from __future__ import annotations

import json
import threading
from collections import Counter

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.container import Container, build_container
from jobs import build_scheduler
from storage.db import create_db_engine
from storage.models import OutboxMessage
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, people
from tests.slack_requests import SlackDriver
from tests.slack_standin import SlackStandIn

PROCESSES = 3


def fire_everything_at_once(containers: list[Container]) -> None:
    schedulers = [build_scheduler(c) for c in containers]
    jobs = [[job for job in s.get_jobs()] for s in schedulers]
    assert {j.id for j in jobs[0]} >= {
        "work_outbox",
        "run_pulse_surveys",
        "send_feedback_nudges",
        "send_weekly_digests",
        "send_kudos_fairness_nudges",
    }
    barrier = threading.Barrier(PROCESSES)
    errors: list[BaseException] = []

    def process(index: int) -> None:
        try:
            barrier.wait()
            for job in jobs[index]:
                job.func(*job.args, **job.kwargs)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=process, args=(i,)) for i in range(PROCESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def pending(container: Container) -> int:
    with container.sessions.begin() as s:
        return (
            s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
            or 0
        )


def test_three_schedulers_send_fan_out_reminders_results_and_the_digest_exactly_once(
    driver: SlackDriver,
    container: Container,
    settings,
    clock: FixedClock,
    slack: SlackStandIn,
    database_url: str,
) -> None:
    team = people(slack, 60)
    container.workspace_settings.update(
        container.actors.of("T0TEAM1", OWNER), {"digest_channel": "CDIGEST1"}
    )  # due now (Mon)
    survey_id = launch(driver, container, reminders="1")
    processes = [
        build_container(settings, clock=clock, engine=create_db_engine(database_url))
        for _ in range(PROCESSES)
    ]
    try:
        for _ in range(20):  # the fan-out: every process works the same outbox
            fire_everything_at_once(processes)
            if not pending(container):
                break
        for user in team[:10]:
            Respondent.from_dm(driver, slack, user).click("q1", 8)

        clock.advance(days=2)  # the reminder is due (Wed 10:00 UTC, working hours)
        for _ in range(10):
            fire_everything_at_once(processes)
        clock.advance(days=1, minutes=1)  # the survey is due to close; results go to the owner
        for _ in range(10):
            fire_everything_at_once(processes)
        assert pending(container) == 0
    finally:
        for p in processes:
            p.close()

    per_person = Counter(call["channel"] for call in slack.messages() if call["channel"] in set(team))
    assert per_person == Counter({**{u: 1 for u in team[:10]}, **{u: 2 for u in team[10:]}})
    results = [m for m in slack.messages() if "Results: " in json.dumps(m["blocks"])]
    assert len(results) == 2  # the owner and the digest channel, once each
    assert container.pulse.info("T0TEAM1", survey_id).state == "closed"
    digests = [m for m in slack.messages("CDIGEST1") if m["text"].startswith("Weekly digest")]
    assert len(digests) == 1
    assert len(slack.calls_to("files.completeUploadExternal")) <= 1  # the chart: at most once
    # Nothing went out twice: invitations, reminders, the launch confirmation, the results (to the owner
    # and the digest channel) and the digest.
    assert len(slack.messages()) == len(team) + (len(team) - 10) + 4
