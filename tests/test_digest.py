"""The weekly digest through the real Bolt app, the job and the Slack stand-in, with seeded history."""

from __future__ import annotations

import json
import logging
import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from bot.clock import FixedClock
from bot.container import Container
from bot.domain.digest import percentile
from bot.domain.digest_period import week_of
from bot.domain.errors import NotAllowed
from jobs.digest import send_weekly_digests
from storage.models import Feedback, FeedbackNudge
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer
from tests.slack_standin import SlackStandIn

MANAGER = "UMANAGER1"
BERLIN_TZ = "Europe/Berlin"


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspaces.ensure(TEAM_ID)  # as the first request from the workspace does
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER),
        {"digest_channel": "CDIGEST1", "managers": [MANAGER], "digest_dm_managers": True},
    )
    return container


def seed(container: Container, clock: FixedClock) -> list[dict]:
    """Ten weeks of feedback ending last Sunday, with known polarities, states and response times."""
    rng = random.Random(7)
    rows: list[dict] = []
    now = clock.now()
    for n in range(700):
        received = now - timedelta(days=70) + timedelta(minutes=rng.randrange(0, 70 * 24 * 60 - 600))
        polarity = round(rng.uniform(-1, 1), 3)
        label = "positive" if polarity > 0.1 else "negative" if polarity < -0.1 else "neutral"
        state = rng.choice(["new", "acknowledged", "taken", "resolved", "imported"])
        responded = received + timedelta(hours=rng.uniform(0.1, 30)) if state != "new" else None
        resolved = received + timedelta(hours=rng.uniform(1, 120)) if state == "resolved" else None
        if resolved and resolved > now:
            resolved = None
        if responded and responded > now:
            responded = None
        rows.append(
            {
                "team_id": TEAM_ID,
                "source": "seed",
                "external_id": f"s-{n}",
                "text": f"{'late delivery refund' if label == 'negative' else 'lovely staff'} #{n}",
                "customer": None,
                "rating": None,
                "tags": [],
                "polarity": polarity,
                "subjectivity": 0.5,
                "label": label,
                "state": state,
                "assignee": "UAGENT1" if state in ("taken", "resolved") else None,
                "first_response_at": responded,
                "resolved_at": resolved,
                "resolution": "Called them back and refunded" if resolved else None,
                "received_at": received,
                "created_at": received,
            }
        )
    with container.sessions.begin() as s:
        s.execute(insert(Feedback), rows)
    return rows


def test_digest_numbers_equal_an_independent_computation_over_ten_weeks(
    configured: Container, clock: FixedClock, driver: SlackDriver, slack: SlackStandIn
) -> None:
    rows = seed(configured, clock)
    with configured.sessions.begin() as s:
        ids = [r for r in s.query(Feedback.id, Feedback.label).all() if r.label == "negative"][:3]
        for feedback_id, _ in ids:
            s.add(
                FeedbackNudge(
                    team_id=TEAM_ID,
                    feedback_id=feedback_id,
                    stage="sla-1",
                    sent_at=clock.now() - timedelta(days=3),
                )
            )
    week = week_of(clock.now() - timedelta(days=7), configured.workspace_settings.get(TEAM_ID).tz)
    digest = configured.digests.build(TEAM_ID, week)

    def in_week(r: dict, key: str = "received_at", w=week) -> bool:
        return r[key] is not None and w.start <= r[key] < w.end

    this = [r for r in rows if in_week(r)]
    last = [r for r in rows if in_week(r, w=week.previous())]
    earlier = [r for r in rows if week.previous(7).start <= r["received_at"] < week.start]
    mean = statistics.fmean(r["polarity"] for r in this)
    sentiment = digest.sentiment
    assert sentiment is not None
    assert sentiment.count == len(this)
    assert sentiment.by_label == {
        lab: sum(r["label"] == lab for r in this)
        for lab in ("positive", "neutral", "negative", "needs_review")
    }
    assert sentiment.mean_polarity == round(mean, 2)
    assert sentiment.change_vs_last_week == round(mean - statistics.fmean(r["polarity"] for r in last), 2)
    assert sentiment.change_vs_8_weeks == round(mean - statistics.fmean(r["polarity"] for r in earlier), 2)
    assert sentiment.themes[0][0] in ("late", "delivery", "refund")

    loop = digest.loop
    assert loop is not None
    still_open = [
        r for r in rows if r["label"] == "negative" and r["state"] in ("new", "acknowledged", "taken")
    ]
    assert loop.open_negative == len(still_open)
    assert [o.id for o in loop.oldest_open] == sorted(
        (i + 1 for i, r in enumerate(rows) if r in still_open), key=lambda i: rows[i - 1]["received_at"]
    )[:5]
    first = [
        (r["first_response_at"] - r["created_at"]).total_seconds() / 3600
        for r in rows
        if in_week(r, "first_response_at")
    ]
    done = [
        (r["resolved_at"] - r["created_at"]).total_seconds() / 3600 for r in rows if in_week(r, "resolved_at")
    ]
    assert loop.first_response.count == len(first) and loop.resolution.count == len(done)
    assert loop.first_response.median_hours == round(percentile(first, 0.5), 1)  # type: ignore[arg-type]
    assert loop.first_response.p90_hours == round(percentile(first, 0.9), 1)  # type: ignore[arg-type]
    assert loop.resolution.p90_hours == round(percentile(done, 0.9), 1)  # type: ignore[arg-type]
    assert loop.resolved == len(done) and loop.sla_breaches == 3
    assert [p.volume for p in digest.trend] == [
        sum(1 for r in rows if w.start <= r["received_at"] < w.end)
        for w in (week.previous(n) for n in range(7, -1, -1))
    ]

    answer = final_answer(slack, driver.command("/digest", "last-week", user=MANAGER))
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert f"{sentiment.count} items" in text and f"{loop.open_negative} negative items still open" in text
    assert f"Mean polarity {mean:+.2f}" in text and "SLA breaches: 3" in text
    assert "You said, we did" in text and "Called them back and refunded" in text
    assert len(answer["blocks"]) <= 50


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([], 0.5) is None


def test_the_job_posts_once_per_week_to_the_channel_and_managers_with_a_chart(
    configured: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    seed(configured, clock)
    assert send_weekly_digests(configured) == 1  # Mon 11:00 in Berlin: the 09:00 digest is due
    assert send_weekly_digests(configured) == 0
    configured.outbox.drain()
    assert len(slack.messages("CDIGEST1")) == 1 and len(slack.messages(MANAGER)) == 1
    assert "Weekly digest · 2026-W46" in json.dumps(
        slack.messages("CDIGEST1")[0]["blocks"], ensure_ascii=False
    )
    [upload] = slack.calls_to("files.completeUploadExternal")
    assert upload["channel_id"] == "CDIGEST1"
    clock.advance(days=1)
    assert send_weekly_digests(configured) == 0  # Tuesday: nothing due until next Monday


def test_a_bot_started_at_10_30_after_missing_09_00_posts_the_missed_digest_once(
    configured: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    clock.set(datetime(2026, 11, 16, 9, 30, tzinfo=UTC))  # 10:30 in Berlin; the bot was down at 09:00
    assert send_weekly_digests(configured) == 1
    assert send_weekly_digests(configured) == 0
    configured.outbox.drain()
    [posted] = slack.messages("CDIGEST1")
    assert "A quiet week" in json.dumps(posted["blocks"])


def test_a_schedule_change_takes_effect_without_restart_and_late_starts_skip(
    configured: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    clock.set(datetime(2026, 11, 17, 8, 0, tzinfo=UTC))  # Tuesday 09:00 Berlin: Monday's is past grace
    assert send_weekly_digests(configured) == 0
    configured.workspace_settings.update(
        configured.actors.of(TEAM_ID, OWNER), {"digest_day": "tue", "digest_time": "08:30"}
    )
    assert send_weekly_digests(configured) == 1


def test_the_digest_still_posts_when_the_chart_upload_fails(
    configured: Container, clock: FixedClock, slack: SlackStandIn, caplog
) -> None:
    seed(configured, clock)
    slack.fail_next("files.getUploadURLExternal", "internal_error", times=5)
    with caplog.at_level(logging.WARNING, logger="jobs.digest"):
        assert send_weekly_digests(configured) == 1
    configured.outbox.drain()
    assert len(slack.messages("CDIGEST1")) == 1
    assert "not uploaded (the digest itself went out)" in caplog.text


def test_digest_command_is_for_managers_and_explains_bad_weeks(
    slack: SlackStandIn, configured: Container, driver: SlackDriver
) -> None:
    refused = final_answer(slack, driver.command("/digest", "", user="UEMPLOYEE"))
    assert "Only managers and owners can preview the digest" in refused["text"]
    for arg, expected in (
        ("2026-W99", "is not a week of 2026"),
        ("next-month", "I don't know the week"),
        ("2027-W01", "has not started yet"),
    ):
        assert expected in final_answer(slack, driver.command("/digest", arg, user=MANAGER))["text"]
    preview = final_answer(slack, driver.command("/digest", "2026-W45", user=OWNER))
    assert preview["response_type"] == "ephemeral" and "2026-W45" in preview["text"]


def test_the_preview_is_refused_by_the_service_itself_not_only_by_the_command(
    configured: Container,
) -> None:
    with pytest.raises(NotAllowed, match="preview the digest"):
        configured.digests.preview(configured.actors.of(TEAM_ID, "UEMPLOYEE"), "last-week")
    preview = configured.digests.preview(configured.actors.of(TEAM_ID, MANAGER), "last-week")
    assert preview.team_id == TEAM_ID


def test_team_and_wins_sections_come_from_closed_surveys_and_kudos(
    configured: Container, clock: FixedClock, driver: SlackDriver, slack: SlackStandIn
) -> None:
    from tests.pulse_helpers import Respondent, launch, people

    team = people(slack, 6)
    survey_id = launch(driver, configured)
    configured.outbox.drain()
    for user, score in zip(team, [10, 9, 9, 8, 3], strict=False):
        Respondent.from_dm(driver, slack, user).click("q1", score)
    driver.command("/pulse", f"close {survey_id}", user=OWNER)
    configured.workspace_settings.update(configured.actors.of(TEAM_ID, OWNER), {"kudos_channel": "CKUDOS1"})
    driver.command(
        "/kudos",
        f"<@{team[0]}|a> <@{team[1]}|b> for calming a customer down #calmed-a-tense-moment",
        user=team[2],
    )

    text = json.dumps(
        final_answer(slack, driver.command("/digest", "this-week", user=MANAGER)), ensure_ascii=False
    )
    assert "eNPS *+40*" in text and "5 of 6 answered (83%)" in text  # (3 promoters - 1 detractor) / 5
    assert "1 kudos for 2 people" in text and "#calmed-a-tense-moment (1)" in text

    clock.advance(days=15)
    later = json.dumps(
        final_answer(slack, driver.command("/digest", "this-week", user=MANAGER)), ensure_ascii=False
    )
    assert f"no follow-up yet: `/pulse respond {survey_id}`" in later


def test_one_workspace_failing_does_not_cost_the_others_their_digest(
    configured: Container, clock: FixedClock, slack: SlackStandIn, monkeypatch, caplog
) -> None:
    configured.workspaces.ensure("T0BROKEN")
    configured.workspace_settings.update(
        configured.actors.of("T0BROKEN", OWNER), {"digest_channel": "CBROKEN1"}
    )
    build = configured.digests.build

    def broken_for_one(team_id, week):  # type: ignore[no-untyped-def]
        if team_id == "T0BROKEN":
            raise RuntimeError("boom")
        return build(team_id, week)

    monkeypatch.setattr(configured.digests, "build", broken_for_one)
    with caplog.at_level(logging.ERROR, logger="jobs.digest"):
        assert send_weekly_digests(configured) == 1
    assert "weekly digest for T0BROKEN failed" in caplog.text
    monkeypatch.setattr(configured.digests, "build", build)
    assert send_weekly_digests(configured) == 1  # the failed one is retried on the next run, once
    assert send_weekly_digests(configured) == 0


def test_the_trend_marks_every_enps_round_of_the_eight_weeks_that_may_be_shown(
    configured: Container, clock: FixedClock, driver: SlackDriver, slack: SlackStandIn
) -> None:
    from tests.pulse_helpers import Respondent, launch, people

    team = people(slack, 6)
    closed_weeks = []
    for scores in ([10, 9, 9, 8, 3], [10, 2, 2, 2], [10, 10, 10, 9, 9]):  # +40; withheld (4 answers); +100
        survey_id = launch(driver, configured, title=f"Round {len(closed_weeks) + 1}")
        configured.outbox.drain()
        for user, score in zip(team, scores, strict=False):
            Respondent.from_dm(driver, slack, user).click("q1", score)
        driver.command("/pulse", f"close {survey_id}", user=OWNER)
        closed_weeks.append(week_of(clock.now(), configured.workspace_settings.get(TEAM_ID).tz).label)
        clock.advance(days=14)

    digest = configured.digests.build(
        TEAM_ID, week_of(clock.now() - timedelta(days=14), configured.workspace_settings.get(TEAM_ID).tz)
    )
    marks = {p.label: p.enps for p in digest.trend if p.enps is not None}
    assert marks == {closed_weeks[0]: 40, closed_weeks[2]: 100}, "the withheld round is never charted"
    assert [p.label for p in digest.trend][-1] == closed_weeks[2]


def test_a_survey_with_no_follow_up_is_flagged_for_eight_weeks_not_forever(
    configured: Container, clock: FixedClock, driver: SlackDriver, slack: SlackStandIn
) -> None:
    from tests.pulse_helpers import launch, people

    people(slack, 6)
    survey_id = launch(driver, configured)
    driver.command("/pulse", f"close {survey_id}", user=OWNER)
    flagged = f"no follow-up yet: `/pulse respond {survey_id}`"

    def preview() -> str:
        answer = final_answer(slack, driver.command("/digest", "this-week", user=MANAGER))
        return json.dumps(answer, ensure_ascii=False)

    clock.advance(days=13)
    assert flagged not in preview()
    clock.advance(days=2)
    assert flagged in preview()
    clock.advance(days=42)
    assert flagged not in preview()
