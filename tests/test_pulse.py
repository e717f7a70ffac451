"""Pulse surveys through the real Bolt app and the Slack stand-in: launch, answer, thresholds, results."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.container import Container, build_container
from bot.views import ids
from jobs.pulse import resolve_pulse_launches
from storage.models import OutboxMessage, Survey, SurveyInvitee, SurveyParticipation, SurveyResponse
from storage.repositories import outbox as outbox_repo
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, launch_values, people
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer, response_json
from tests.slack_standin import SlackStandIn


def dms_to(slack: SlackStandIn, users: list[str]) -> dict[str, int]:
    wanted = set(users)
    counts: dict[str, int] = {}
    for call in slack.messages():
        if call["channel"] in wanted:
            counts[call["channel"]] = counts.get(call["channel"], 0) + 1
    return counts


def send_all(container: Container, clock: FixedClock) -> None:
    """Work the outbox until nothing is pending, letting (controlled) time pass for Retry-After."""
    for _ in range(200):
        container.outbox.drain()
        with container.sessions.begin() as s:
            pending = s.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
        if not pending:
            return
        clock.advance(seconds=31)
    raise AssertionError("outbox never emptied")


def test_non_owner_is_refused_and_bad_subcommands_get_usage(driver: SlackDriver, slack: SlackStandIn) -> None:
    refused = response_json(driver.command("/pulse", "", user="UEMPLOYEE"))
    assert "Only the workspace's empathy-bot owners can launch pulse surveys" in refused["text"]
    assert not slack.calls_to("views.open")

    usage = response_json(driver.command("/pulse", "frobnicate", user=OWNER))
    assert "I don't know `/pulse frobnicate`" in usage["text"]
    assert "/pulse results <id>" in json.dumps(usage["blocks"])

    missing_id = final_answer(slack, driver.command("/pulse", "results soon", user=OWNER))
    assert "needs a survey number" in missing_id["text"]

    no_survey = final_answer(slack, driver.command("/pulse", "results 999", user=OWNER))
    assert "There is no survey 999" in no_survey["text"]

    employee_results = final_answer(slack, driver.command("/pulse", "results 1", user="UEMPLOYEE"))
    assert "Only managers and owners" in employee_results["text"]
    employee_list = response_json(driver.command("/pulse", "list", user="UEMPLOYEE"))
    assert "Only managers and owners can list surveys" in employee_list["text"]
    employee_close = response_json(driver.command("/pulse", "close 1", user="UEMPLOYEE"))
    assert "Only the workspace's empathy-bot owners can close a survey" in employee_close["text"]


def test_owner_opens_the_modal_and_a_template_change_refills_the_questions(
    driver: SlackDriver, slack: SlackStandIn
) -> None:
    assert driver.command("/pulse", "", user=OWNER).status == 200
    modal = slack.calls_to("views.open")[-1]["view"]
    assert modal["callback_id"] == ids.PULSE_MODAL
    questions = next(
        b for b in modal["blocks"] if b.get("block_id", "").startswith(ids.PULSE_QUESTIONS_BLOCK)
    )
    assert "recommend working here" in questions["element"]["initial_value"]

    driver.action(
        ids.PULSE_TEMPLATE,
        user=OWNER,
        view={"id": "V123", "hash": "h1"},
        action={"type": "static_select", "selected_option": {"value": "safety"}},
    )
    updated = slack.calls_to("views.update")[-1]
    assert updated["view_id"] == "V123"
    refilled = next(
        b for b in updated["view"]["blocks"] if b.get("block_id", "").startswith(ids.PULSE_QUESTIONS_BLOCK)
    )
    # A new block id makes Slack show the new text instead of keeping what was typed before.
    assert refilled["block_id"] == f"{ids.PULSE_QUESTIONS_BLOCK}:safety"
    assert "my team helps me put it right" in refilled["element"]["initial_value"]  # our own wording


def owner_dm_text(container: Container, slack: SlackStandIn) -> str:
    container.outbox.drain()
    return json.dumps(slack.messages(OWNER)[-1]["blocks"], ensure_ascii=False)


def test_anonymous_launch_to_three_people_is_refused_with_a_reason(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    trio = people(slack, 3, channel="CTRIO01")
    closes = container.clock.now() + timedelta(days=3)
    response = response_json(
        driver.submit(ids.PULSE_MODAL, launch_values(channel="CTRIO01", closes=closes), user=OWNER)
    )
    assert not response.get("errors")  # stored, then the audience is asked of Slack by the job
    assert resolve_pulse_launches(container) == 1
    error = owner_dm_text(container, slack)
    assert "was not launched, and nobody was asked" in error
    assert "at least 5 people" in error and "has 3" in error and "attributed survey" in error
    assert container.pulse.list_for(container.actors.of(TEAM_ID, OWNER)) == []
    assert dms_to(slack, trio) == {}
    assert resolve_pulse_launches(container) == 0  # settled once


def test_a_launch_acks_with_the_survey_already_stored_and_slack_is_asked_only_afterwards(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 6)
    asked = len(slack.calls_to("conversations.members"))
    closes = container.clock.now() + timedelta(days=3)
    response = driver.submit(ids.PULSE_MODAL, launch_values(closes=closes), user=OWNER)
    assert response.status == 200 and not response_json(response).get("errors")
    # The ack came with the survey stored: a crash now loses nothing the owner was told about.
    with container.sessions.begin() as s:
        stored = s.scalars(select(Survey)).all()
        assert [(x.state, x.invited_count) for x in stored] == [("resolving", 0)]
    assert len(slack.calls_to("conversations.members")) == asked  # nothing asked on the request path
    assert slack.messages(OWNER) == [] and dms_to(slack, team) == {}

    # "Not now" from Slack: the launch waits for the next run, nothing is sent half-way.
    slack.fail_next("conversations.members", "ratelimited")
    assert resolve_pulse_launches(container) == 0
    container.outbox.drain()
    assert slack.messages(OWNER) == [] and dms_to(slack, team) == {}

    assert resolve_pulse_launches(container) == 1
    assert resolve_pulse_launches(container) == 0
    assert "on its way to 6 people" in owner_dm_text(container, slack)
    assert dms_to(slack, team) == {user: 1 for user in team}
    ((info, answered),) = container.pulse.list_for(container.actors.of(TEAM_ID, OWNER))
    assert (info.state, info.invited, answered) == ("open", 6, 0)


def test_a_launch_whose_audience_slack_refuses_tells_the_owner_why_and_sends_nothing(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 6)
    closes = container.clock.now() + timedelta(days=3)
    slack.fail_next("conversations.members", "not_in_channel")
    assert not response_json(driver.submit(ids.PULSE_MODAL, launch_values(closes=closes), user=OWNER)).get(
        "errors"
    )
    assert resolve_pulse_launches(container) == 1
    told = owner_dm_text(container, slack)
    assert "was not launched, and nobody was asked" in told and "invite me to it first" in told
    assert dms_to(slack, team) == {}

    unknown = launch_values(closes=closes, channel="CNOWHERE")
    assert not response_json(driver.submit(ids.PULSE_MODAL, unknown, user=OWNER)).get("errors")
    assert resolve_pulse_launches(container) == 1
    assert "Slack said channel_not_found" in owner_dm_text(container, slack)
    assert dms_to(slack, team) == {}
    assert container.pulse.list_for(container.actors.of(TEAM_ID, OWNER)) == []
    with container.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(SurveyInvitee)) == 0
    from jobs.pulse import run_pulse_surveys

    container.clock.advance(days=8)  # type: ignore[attr-defined]
    run_pulse_surveys(container)  # a refused launch never closes, reminds or starts a next round
    container.outbox.drain()
    assert dms_to(slack, team) == {}


def test_modal_errors_name_the_input_and_store_nothing(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    people(slack, 6)
    closes = container.clock.now() + timedelta(days=3)
    bad_questions = launch_values(closes=closes, questions="[0-100] Rate us")
    errors = response_json(driver.submit(ids.PULSE_MODAL, bad_questions, user=OWNER))["errors"]
    assert "unknown kind [0-100]" in errors[f"{ids.PULSE_QUESTIONS_BLOCK}:enps"]

    two_audiences = launch_values(closes=closes, people=["UP00001"])
    errors = response_json(driver.submit(ids.PULSE_MODAL, two_audiences, user=OWNER))["errors"]
    assert "exactly one audience" in errors[ids.PULSE_CHANNEL_BLOCK]

    too_soon = launch_values(closes=container.clock.now() + timedelta(minutes=5))
    errors = response_json(driver.submit(ids.PULSE_MODAL, too_soon, user=OWNER))["errors"]
    assert "at least an hour" in errors[ids.PULSE_CLOSES_BLOCK]

    asked = len(slack.calls_to("conversations.members"))
    crafted = driver.submit(ids.PULSE_MODAL, launch_values(closes=closes), user="UEMPLOYEE")
    assert "Only the workspace's empathy-bot owners" in json.dumps(response_json(crafted))
    assert len(slack.calls_to("conversations.members")) == asked  # Slack was not asked on their behalf
    assert container.pulse.list_for(container.actors.of(TEAM_ID, OWNER)) == []


def test_launch_to_200_acks_before_any_dm_and_ends_with_exactly_200_dms_despite_429s_and_a_restart(
    driver: SlackDriver, container: Container, settings, clock: FixedClock, slack: SlackStandIn, engine
) -> None:
    team = people(slack, 200)
    survey_id = launch(driver, container)
    # The request returned before a single invitation was sent: fan-out is the outbox's job.
    assert dms_to(slack, team) == {}

    slack.fail_every(7, status=429, retry_after=1)
    container.outbox.work()  # the first batch goes out...
    with container.sessions.begin() as s:  # ...then the process dies holding a claim on the next one
        outbox_repo.claim_due(s, clock.now(), 50, container.outbox.lease)
    sent_before_crash = sum(dms_to(slack, team).values())
    assert 0 < sent_before_crash < 200

    clock.advance(minutes=3)  # past the dead process's lease
    restarted = build_container(settings, clock=clock, engine=engine)
    send_all(restarted, clock)

    counts = dms_to(slack, team)
    assert len(counts) == 200 and set(counts.values()) == {1}
    told = [m for m in slack.messages(OWNER) if "on its way to 200 people" in json.dumps(m["blocks"])]
    assert len(told) == 1
    assert slack.attempts > len(slack.messages())  # the stand-in really refused some calls
    with container.sessions.begin() as s:
        statuses = dict(
            s.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.dedupe_key.like(f"pulse:{survey_id}:invite:%"))
                .group_by(OutboxMessage.status)
            ).all()
        )
    assert statuses == {"sent": 200}

    # Bots, deactivated users and the bot itself were never invited.
    assert not dms_to(slack, ["UBOT0001", "UOTHERBOT", "UGONE001"])


def test_the_invitation_states_the_rules(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 5)
    launch(driver, container)
    container.outbox.drain()
    text = json.dumps(slack.messages(team[0])[-1]["blocks"])
    assert "Anonymous." in text and "never stored with your answers" in text
    assert "at least 5 people" in text and "only after the survey closes" in text
    assert "/empathy privacy" in text


def answer_all(driver: SlackDriver, slack: SlackStandIn, users: list[str], scores: list[int]) -> None:
    for user, score in zip(users, scores, strict=False):
        Respondent.from_dm(driver, slack, user).click("q1", score)


def test_four_responses_are_withheld_five_are_shown_and_enps_matches_a_hand_computation(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 8)
    four = launch(driver, container)
    container.outbox.drain()
    answer_all(driver, slack, team, [10, 9, 9, 2])
    # Open and anonymous: no live results, whatever the count.
    live = json.dumps(final_answer(slack, driver.command("/pulse", f"results {four}", user=OWNER)))
    assert "no live results" in live and "Mean" not in live
    driver.command("/pulse", f"close {four}", user=OWNER)
    withheld = json.dumps(final_answer(slack, driver.command("/pulse", f"results {four}", user=OWNER)))
    assert "Results are withheld: 4 answered" in withheld and "eNPS" not in withheld

    five = launch(driver, container)
    container.outbox.drain()
    scores = [10, 9, 9, 7, 2]
    answer_all(driver, slack, team, scores)
    driver.command("/pulse", f"close {five}", user=OWNER)
    shown = json.dumps(final_answer(slack, driver.command("/pulse", f"results {five}", user=OWNER)))
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    expected = round(100 * (promoters - detractors) / len(scores))
    assert expected == 40
    assert f"eNPS *+{expected}*" in shown
    assert "3 promoters (9-10), 1 passive (7-8), 1 detractor (0-6)" in shown
    assert "5 of 8 answered (62%)" in shown
    assert "Mean 7.4" in shown

    # The owner got the results by DM when it closed.
    container.outbox.drain()
    assert any("eNPS" in json.dumps(m["blocks"]) for m in slack.messages(OWNER))


def test_changing_an_answer_replaces_it_and_a_second_copy_cannot_answer_twice(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 5)
    survey_id = launch(driver, container)
    container.outbox.drain()
    ana = Respondent.from_dm(driver, slack, team[0])
    stale = Respondent.from_dm(driver, slack, team[0])  # the invitation as first delivered, no token
    ana.click("q1", 9)
    assert "Thank you, your answers are saved" in json.dumps(ana.blocks)
    ana.click("q1", 3)
    with container.sessions.begin() as s:
        answers = [
            r.answers for r in s.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id))
        ]
        participants = s.scalar(select(func.count()).select_from(SurveyParticipation))
    assert answers == [{"q1": 3}] and participants == 1

    stale.click("q1", 10)
    assert "already answered this survey" in stale.last_reply_text()
    with container.sessions.begin() as s:
        assert [r.answers for r in s.scalars(select(SurveyResponse))] == [{"q1": 3}]

    outsider = Respondent(driver, slack, "UOUTSIDE", ana.blocks)
    outsider.click("q1", 0)
    assert "wasn't sent to you" in outsider.last_reply_text()


def test_free_text_answers_are_shown_only_in_aggregate_above_their_threshold(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 6)
    survey_id = launch(driver, container)
    container.outbox.drain()
    for n, user in enumerate(team[:5]):
        person = Respondent.from_dm(driver, slack, user)
        person.click("q1", 8)
        write = next(b for b in person.blocks if b["type"] == "actions" and b["block_id"] == "pulse_q_q2")
        driver.action(
            ids.PULSE_WRITE,
            user=user,
            value=write["elements"][0]["value"],
            channel="D" + user[1:],
            message={"ts": "1800000000.000900"},
        )
        modal = slack.calls_to("views.open")[-1]["view"]
        driver.submit(
            ids.PULSE_TEXT_MODAL,
            {
                ids.PULSE_TEXT_BLOCK: {
                    ids.PULSE_VALUE: {"type": "plain_text_input", "value": f"reason <!channel> {n}"}
                }
            },
            user=user,
            private_metadata=modal["private_metadata"],
        )
    updated = slack.calls_to("chat.update")[-1]
    assert "reason &lt;!channel&gt; 4" in json.dumps(updated["blocks"])
    driver.command("/pulse", f"close {survey_id}", user=OWNER)
    shown = json.dumps(final_answer(slack, driver.command("/pulse", f"results {survey_id}", user=OWNER)))
    assert "*Comments* (5)" in shown and "reason &lt;!channel&gt; 0" in shown and "<!channel>" not in shown


def test_reminders_go_only_to_those_who_have_not_answered_and_leave_no_list_behind(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    from jobs.pulse import run_pulse_surveys

    team = people(slack, 6)
    survey_id = launch(driver, container)  # closes Thu 10:00 UTC; the reminder is due Wed 10:00 UTC
    container.outbox.drain()
    answer_all(driver, slack, team[:2], [9, 7])
    run_pulse_surveys(container)
    container.outbox.drain()
    assert all(n == 1 for n in dms_to(slack, team).values())  # nothing due yet

    clock.advance(days=2)
    run_pulse_surveys(container)
    run_pulse_surveys(container)  # a second run (or a second process) sends nothing more
    container.outbox.drain()
    counts = dms_to(slack, team)
    assert {u: counts[u] for u in team} == {**{u: 1 for u in team[:2]}, **{u: 2 for u in team[2:]}}
    with container.sessions.begin() as s:
        reminders = s.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"pulse:{survey_id}:remind:%"))
        ).all()
    assert len(reminders) == 4
    assert all(r.payload == {} and not any(u in r.dedupe_key for u in team) for r in reminders)
    # Nor can a reminder row be matched to a later answer through the participation hash.
    hashes = {container.pulse.participant_hash(TEAM_ID, survey_id, u) for u in team}
    assert not any(r.dedupe_key.rsplit(":", 1)[1] in hashes for r in reminders)


def test_the_survey_closes_itself_and_a_weekly_survey_launches_its_next_round_with_the_change(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    from jobs.pulse import run_pulse_surveys

    team = people(slack, 6)
    first = launch(driver, container, recurrence="weekly", reminders="0")
    container.outbox.drain()
    answer_all(driver, slack, team, [10, 10, 9, 8, 3, 6])  # eNPS (3-2)/6 = +17
    clock.advance(days=3, minutes=1)
    run_pulse_surveys(container)
    assert container.pulse.info(TEAM_ID, first).state == "closed"

    clock.advance(days=4)  # Mon 10:01 UTC: a week after the launch, in working hours
    run_pulse_surveys(container)
    # Round 1 had results: round 2 waits for the owner's response note (or a skip), and says so once.
    assert len(container.pulse.list_for(container.actors.of(TEAM_ID, OWNER))) == 1
    run_pulse_surveys(container)
    container.outbox.drain()
    waiting = [m for m in slack.messages(OWNER) if "waits until you tell everyone" in json.dumps(m["blocks"])]
    assert len(waiting) == 1
    container.pulse.write_response_note(container.actors.of(TEAM_ID, OWNER), first, "We heard you.")
    run_pulse_surveys(container)
    run_pulse_surveys(container)
    container.outbox.drain()
    surveys = container.pulse.list_for(container.actors.of(TEAM_ID, OWNER))
    assert len(surveys) == 2
    second = surveys[0][0]
    assert second.round == 2 and second.state == "open"
    assert all(n == 3 for n in dms_to(slack, team).values())  # invitation, response note, invitation

    answer_all(driver, slack, team, [10, 10, 10, 10, 9, 5])  # (5-1)/6 = +67
    driver.command("/pulse", f"close {second.id}", user=OWNER)
    shown = json.dumps(
        final_answer(slack, driver.command("/pulse", f"results {second.id}", user=OWNER)), ensure_ascii=False
    )
    assert "eNPS *+67* (▲50 vs last round)" in shown


def test_owner_response_note_reaches_everyone_invited(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 5)
    survey_id = launch(driver, container)
    container.outbox.drain()
    employee = response_json(driver.command("/pulse", f"respond {survey_id}", user="UEMPLOYEE"))
    assert "Only the workspace's empathy-bot owners can share what happens next" in employee["text"]
    assert not slack.calls_to("views.open")  # the modal opens for owners only
    still_open = response_json(driver.command("/pulse", f"respond {survey_id}", user=OWNER))
    assert still_open == {}  # the modal opens; submitting while open is refused below
    submit = {
        ids.PULSE_FOLLOW_UP_BLOCK: {ids.PULSE_VALUE: {"type": "plain_text_input", "value": "We heard you."}}
    }
    refused = json.dumps(
        response_json(
            driver.submit(ids.PULSE_FOLLOW_UP_MODAL, submit, user=OWNER, private_metadata=str(survey_id))
        )
    )
    assert "still open" in refused

    driver.command("/pulse", f"close {survey_id}", user=OWNER)
    driver.submit(ids.PULSE_FOLLOW_UP_MODAL, submit, user=OWNER, private_metadata=str(survey_id))
    container.outbox.drain()
    for user in team:
        assert "We heard you." in json.dumps(slack.messages(user)[-1]["blocks"])
    crafted = json.dumps(
        response_json(
            driver.submit(
                ids.PULSE_FOLLOW_UP_MODAL, submit, user="UEMPLOYEE", private_metadata=str(survey_id)
            )
        )
    )
    assert "Only the workspace's empathy-bot owners" in crafted


def test_closed_results_are_charted_once_in_the_digest_channel_and_never_when_withheld(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    from jobs.pulse import run_pulse_surveys

    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"digest_channel": "CDIGEST1"})
    team = people(slack, 8)
    withheld = launch(driver, container)
    shown = launch(driver, container)
    container.outbox.drain()
    for user in team[:4]:
        [invite] = [m for m in slack.messages(user) if f'"{withheld}|q1|' in json.dumps(m["blocks"])]
        Respondent(driver, slack, user, invite["blocks"]).click("q1", 6)
    for user in team[:5]:
        [invite] = [m for m in slack.messages(user) if f'"{shown}|q1|' in json.dumps(m["blocks"])]
        Respondent(driver, slack, user, invite["blocks"]).click("q1", 9)
    for survey_id in (withheld, shown):
        driver.command("/pulse", f"close {survey_id}", user=OWNER)
    run_pulse_surveys(container)
    run_pulse_surveys(container)
    [upload] = slack.calls_to("files.completeUploadExternal")
    assert upload["channel_id"] == "CDIGEST1"
    [requested] = slack.calls_to("files.getUploadURLExternal")
    assert requested["filename"] == f"pulse-{shown}.png"  # the withheld survey got no chart
    assert next(iter(slack.uploads.values())).startswith(b"\x89PNG")


def test_a_weekly_survey_launches_its_next_round_at_the_same_berlin_time_across_the_dst_change(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    from jobs.pulse import run_pulse_surveys

    clock.set(datetime(2027, 3, 22, 9, 0, tzinfo=UTC))  # Monday 10:00 in Berlin (CET, UTC+1)
    people(slack, 6)
    launch(driver, container, recurrence="weekly", reminders="0")
    clock.set(datetime(2027, 3, 29, 7, 59, tzinfo=UTC))  # DST began on the 28th: 09:59 in Berlin
    run_pulse_surveys(container)
    assert len(container.pulse.list_for(container.actors.of(TEAM_ID, OWNER))) == 1
    clock.set(datetime(2027, 3, 29, 8, 1, tzinfo=UTC))  # Monday 10:01 in Berlin (CEST, UTC+2)
    run_pulse_surveys(container)
    surveys = container.pulse.list_for(container.actors.of(TEAM_ID, OWNER))
    assert [info.round for info, _ in surveys] == [2, 1]
