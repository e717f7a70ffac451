"""The people directory: a paged fill within Slack's Tier 2 limit, kept current by user events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.container import Container
from jobs.directory import fill_people_directories
from storage.models import DirectoryPerson
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn


def stored(container: Container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(DirectoryPerson)) or 0


def installed(container: Container) -> None:
    container.workspaces.ensure(TEAM_ID)


def test_the_fill_job_pages_200_at_a_time_a_few_pages_a_run_and_carries_on_from_its_cursor(
    container: Container, slack: SlackStandIn
) -> None:
    installed(container)
    slack.add_people(2500, bots=3, deleted=2)
    slack.use_rate_tiers()
    assert fill_people_directories(container) == 2000  # 10 pages of 200: half of Tier 2's minute
    assert not container.directory.is_filled(TEAM_ID)
    assert fill_people_directories(container) == 500
    assert container.directory.is_filled(TEAM_ID)
    pages = slack.calls_to("users.list")
    assert len(pages) == 13 and all(int(p["limit"]) == 200 for p in pages)
    assert [p.get("cursor") for p in pages[10:11]] == ["dXNlcjo2000"]  # the second run resumed there
    assert stored(container) == 2500
    assert fill_people_directories(container) == 0, "filled: nothing to do until next week"
    assert len(container.directory.humans(TEAM_ID, ["UP0000000", "UP0000003", "UP0000005"])) == 1


def test_a_rate_limit_pauses_the_fill_and_the_next_run_resumes_without_losing_pages(
    container: Container, slack: SlackStandIn
) -> None:
    installed(container)
    slack.add_people(1000)
    slack.use_rate_tiers({"users.list": 2})
    assert fill_people_directories(container) == 400  # two pages, then 429 (retried, still limited)
    assert any(c.method == "users.list" for c in slack.calls)
    slack.use_rate_tiers()  # a minute later
    assert fill_people_directories(container) == 600
    assert stored(container) == 1000 and container.directory.is_filled(TEAM_ID)


def test_the_directory_is_refreshed_weekly(
    container: Container, slack: SlackStandIn, clock: FixedClock
) -> None:
    installed(container)
    slack.add_people(10)
    fill_people_directories(container)
    assert container.directory.teams_to_fill([TEAM_ID]) == []
    clock.advance(timedelta(days=7, minutes=1))
    assert container.directory.teams_to_fill([TEAM_ID]) == [TEAM_ID]
    slack.users["UP0000001"]["deleted"] = True
    fill_people_directories(container)
    assert container.directory.humans(TEAM_ID, ["UP0000001", "UP0000002"]) == ["UP0000002"]


def test_team_join_and_user_change_keep_it_current_without_asking_slack(
    container: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    slack.add_user("UNEW0001", "newbie", tz="Asia/Tokyo")
    driver.event({"type": "team_join", "user": slack.users["UNEW0001"]})
    [newbie] = container.directory.people(TEAM_ID, ["UNEW0001"]).values()
    assert newbie.is_human and newbie.tz == "Asia/Tokyo" and newbie.shown_name == "newbie"

    renamed = {**slack.users["UNEW0001"], "profile": {"display_name": "Nova", "real_name": "Nova K"}}
    driver.event({"type": "user_change", "user": renamed})
    assert container.directory.people(TEAM_ID, ["UNEW0001"])["UNEW0001"].shown_name == "Nova"
    assert container.directory.names(TEAM_ID) == {"UNEW0001": ["newbie", "Nova"]}

    driver.event({"type": "user_profile_changed", "user": {**renamed, "tz": "Europe/Lisbon"}})
    assert container.directory.people(TEAM_ID, ["UNEW0001"])["UNEW0001"].tz == "Europe/Lisbon"

    driver.event({"type": "user_change", "user": {**renamed, "deleted": True}})
    assert container.directory.humans(TEAM_ID, ["UNEW0001"]) == []
    assert container.directory.names(TEAM_ID) == {}
    web_calls = [c.method for c in slack.calls if c.method != "auth.test"]
    assert web_calls == [], "events carry the user: no lookups"


def test_someone_not_yet_in_the_directory_is_looked_up_once_and_remembered(
    container: Container, slack: SlackStandIn
) -> None:
    slack.add_user("UANA0001", "ana")
    client = container.slack.for_team(TEAM_ID)
    first = container.directory.look_up(client, TEAM_ID, ["UANA0001", "UNOBODY1"])
    assert first["UANA0001"] is not None and first["UNOBODY1"] is None
    container.directory.look_up(client, TEAM_ID, ["UANA0001"])
    assert [c["user"] for c in slack.calls_to("users.info")] == ["UANA0001", "UNOBODY1"]
