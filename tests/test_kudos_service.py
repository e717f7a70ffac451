"""Kudos domain: parsing, allowance in the workspace time zone, digest data, the private fairness note."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.container import Container
from bot.domain.errors import FieldError
from bot.domain.kudos import KudosRefused, Person, infer_beneficiary, parse_kudos_text, receivers_from
from jobs import build_scheduler
from jobs.kudos import send_kudos_fairness_nudges
from tests.conftest import OWNER, START
from tests.slack_requests import TEAM_ID
from tests.slack_standin import SlackStandIn

GIVER, ANA, BEN, CAROL, MANAGER = "UGIVER01", "UANA0001", "UBEN0001", "UCAROL01", "UMANAGER"
PEOPLE = {u: Person(u) for u in (GIVER, ANA, BEN, CAROL, MANAGER)}


def give(container: Container, giver: str, receivers: list[str], reason: str = "helped", values=()) -> int:  # type: ignore[no-untyped-def]
    result = container.kudos.give(
        TEAM_ID, giver, receivers, reason, values, people=PEOPLE, bot_user_id="UBOT0001"
    )
    return result.kudos.id


def test_parse_splits_people_groups_values_and_the_why() -> None:
    parsed = parse_kudos_text(
        "<@UANA0001|ana> <@UBEN0001> for staying late to call back the customer whose order was lost "
        "#Extra-Mile <#C0123|owned-it> &amp; for issue #5 <!subteam^S123|@support>"
    )
    assert parsed.users == ("UANA0001", "UBEN0001")
    assert parsed.groups == ("S123",)
    assert parsed.values == ("extra-mile", "owned-it")
    assert parsed.reason == ("staying late to call back the customer whose order was lost & for issue #5")
    assert not parsed.broadcast and parsed.unresolved == ()


def test_parse_notices_broadcasts_and_names_slack_did_not_resolve() -> None:
    assert parse_kudos_text("<!channel> for the party").broadcast
    assert parse_kudos_text("@ana for the help").unresolved == ("ana",)
    assert parse_kudos_text("<@UANA0001|ana>").reason == ""


@pytest.mark.parametrize(
    ("reason", "who"),
    [
        ("calmed an angry customer", "customer"),
        ("ran the community meetup", "community"),
        ("reviewed my pull request", "colleague"),
    ],
)
def test_who_benefited_is_read_from_the_story(reason: str, who: str) -> None:
    assert infer_beneficiary(reason) == who


def test_group_members_are_filtered_but_direct_mentions_keep_their_rules() -> None:
    people = {**PEOPLE, "UBOT2": Person("UBOT2", is_bot=True), "UGONE": Person("UGONE", deleted=True)}
    chosen = receivers_from([ANA], [ANA, BEN, GIVER, "UBOT2", "UGONE", "UBOT0001"], people, GIVER, "UBOT0001")
    assert chosen == (ANA, BEN)


def test_allowance_counts_people_per_local_day_and_resets_at_local_midnight(
    container: Container, clock: FixedClock
) -> None:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"kudos_daily_limit": 3})
    clock.set(datetime(2026, 11, 16, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    give(container, GIVER, [ANA, BEN])
    give(container, GIVER, [CAROL])
    with pytest.raises(KudosRefused, match="in 0 h 30 min|in 30 min"):
        give(container, GIVER, [MANAGER])
    allowance = container.kudos.allowance(TEAM_ID, GIVER)
    assert allowance.resets_at == datetime(2026, 11, 16, 23, 0, tzinfo=UTC)
    clock.advance(minutes=31)  # 00:01 in Berlin, 23:01 UTC: a new day there
    give(container, GIVER, [MANAGER])
    assert container.kudos.allowance(TEAM_ID, GIVER).remaining == 2


def test_refusals_raise_before_anything_is_stored(container: Container) -> None:
    with pytest.raises(KudosRefused) as refused:
        give(container, GIVER, [ANA], reason="   ")
    assert refused.value.field == "story"
    with pytest.raises(KudosRefused) as refused:
        give(container, GIVER, [ANA], values=["kindness"])
    assert refused.value.field == "values"
    assert (
        container.kudos.kudos_summary(TEAM_ID, START - timedelta(days=1), START + timedelta(days=1)).total
        == 0
    )


def test_a_refusal_is_a_field_error_naming_the_field_first() -> None:
    refused = KudosRefused("values", "not one of ours")
    assert isinstance(refused, FieldError)
    assert (refused.field, refused.message, str(refused)) == ("values", "not one of ours", "not one of ours")


def test_kudos_summary_counts_by_value_and_person_and_highlights_the_stories_people_joined(
    container: Container, clock: FixedClock
) -> None:
    give(container, GIVER, [ANA, BEN], "stayed late for a lost order", ["extra-mile"])
    popular = give(container, ANA, [CAROL], "listened to a furious caller for an hour", ["active-listening"])
    give(container, BEN, [ANA], "covered my shift", ["extra-mile", "owned-it"])
    container.kudos.plus_one(TEAM_ID, popular, GIVER)
    container.kudos.plus_one(TEAM_ID, popular, BEN)
    clock.advance(days=8)
    give(container, CAROL, [ANA], "outside the week")

    summary = container.kudos.kudos_summary(TEAM_ID, START, START + timedelta(days=7))
    assert summary.total == 3 and summary.people_recognised == 3
    assert [(v.value, v.count) for v in summary.by_value] == [
        ("extra-mile", 2),
        ("active-listening", 1),
        ("owned-it", 1),
    ]
    counts = {p.user_id: (p.given, p.received) for p in summary.by_person}
    assert counts == {ANA: (1, 2), BEN: (1, 1), CAROL: (0, 1), GIVER: (2, 0)}
    assert summary.by_person[0].user_id == ANA
    assert summary.highlights[0].id == popular and summary.highlights[0].plus_ones == 2
    assert len(summary.highlights) == 3


@pytest.fixture
def team(container: Container, slack: SlackStandIn) -> Container:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"kudos_channel": "CKUDOS1", "managers": [MANAGER]}
    )
    container.workspaces.ensure(TEAM_ID)
    for user in (GIVER, ANA, BEN, CAROL, MANAGER):
        slack.add_user(user)
    slack.add_user("UOTHERBOT", is_bot=True)
    slack.add_user("UGONE001", deleted=True)
    slack.members["CKUDOS1"] = [GIVER, ANA, BEN, CAROL, MANAGER, "UOTHERBOT", "UGONE001"]
    container.directory.fill_step(container.slack.for_team(TEAM_ID), TEAM_ID)  # the install-time fill
    return container


def _notes(slack: SlackStandIn) -> list:  # type: ignore[type-arg]
    return slack.messages(MANAGER)


def test_fairness_note_goes_privately_to_managers_once_a_month_naming_the_unrecognised(
    team: Container, slack: SlackStandIn, clock: FixedClock
) -> None:
    give(team, GIVER, [ANA])
    for _ in range(2):
        assert send_kudos_fairness_nudges(team) in (0, 1)
        team.outbox.drain()
    [note] = _notes(slack)
    text = note["text"]
    assert f"<@{BEN}>" in text and f"<@{CAROL}>" in text and f"<@{GIVER}>" in text
    assert f"<@{ANA}>" not in text and "UOTHERBOT" not in text and "UGONE001" not in text
    assert f"<@{MANAGER}>" not in text
    public = [m for m in slack.messages() if m["channel"] != MANAGER]
    assert not any("Nobody has recognised" in m["text"] for m in public)  # never public, not to owners

    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # Tuesday 10:00 in Berlin, a new month
    give(team, GIVER, [BEN])
    send_kudos_fairness_nudges(team)
    team.outbox.drain()
    assert len(_notes(slack)) == 2


def test_fairness_note_reads_who_is_a_person_from_the_directory_never_users_list(
    team: Container, slack: SlackStandIn
) -> None:
    """Bots and deactivated accounts are left out by the people directory: users.list is not asked (it
    fails here), however many people the workspace has."""
    filled_with = len(slack.calls_to("users.list"))  # the install-time fill's pages
    slack.respond_with("users.list", {"ok": False, "error": "ratelimited"})
    give(team, GIVER, [ANA])
    assert send_kudos_fairness_nudges(team) == 1
    team.outbox.drain()
    [note] = _notes(slack)
    assert f"<@{BEN}>" in note["text"] and f"<@{CAROL}>" in note["text"]
    assert "UOTHERBOT" not in note["text"] and "UGONE001" not in note["text"]
    assert len(slack.calls_to("users.list")) == filled_with


def test_fairness_note_waits_for_the_people_directory_and_goes_once_it_is_filled(
    container: Container, slack: SlackStandIn
) -> None:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"kudos_channel": "CKUDOS1", "managers": [MANAGER]}
    )
    container.workspaces.ensure(TEAM_ID)
    for user in (GIVER, ANA, BEN, MANAGER):
        slack.add_user(user)
    slack.add_user("UOTHERBOT", is_bot=True)
    slack.members["CKUDOS1"] = [GIVER, ANA, BEN, MANAGER, "UOTHERBOT"]
    give(container, GIVER, [ANA])
    assert send_kudos_fairness_nudges(container) == 0  # not filled yet: nothing sent, the month unclaimed
    assert slack.calls_to("users.list") == [] and slack.calls_to("conversations.members") == []
    container.directory.fill_step(container.slack.for_team(TEAM_ID), TEAM_ID)
    users_list_calls = len(slack.calls_to("users.list"))
    assert send_kudos_fairness_nudges(container) == 1
    assert len(slack.calls_to("users.list")) == users_list_calls
    container.outbox.drain()
    [note] = _notes(slack)
    assert f"<@{BEN}>" in note["text"] and "UOTHERBOT" not in note["text"]


def test_no_fairness_note_when_off_in_quiet_hours_or_without_recent_kudos(
    team: Container, slack: SlackStandIn, clock: FixedClock
) -> None:
    assert send_kudos_fairness_nudges(team) == 0  # no kudos in six weeks: the list would mean nothing
    give(team, GIVER, [ANA])
    clock.set(START.replace(hour=20))  # 21:00 in Berlin
    assert send_kudos_fairness_nudges(team) == 0
    clock.set(START)
    team.workspace_settings.update(team.actors.of(TEAM_ID, OWNER), {"fairness_nudges": False})
    assert send_kudos_fairness_nudges(team) == 0
    team.outbox.drain()
    assert _notes(slack) == []


def test_the_fairness_job_is_scheduled_with_a_stable_id(container: Container) -> None:
    scheduler = build_scheduler(container)
    assert scheduler.get_job("send_kudos_fairness_nudges") is not None


def test_card_blocks_stay_valid_with_many_receivers_and_long_stories(container: Container) -> None:
    from bot.domain.kudos import Recognition
    from bot.views.kudos import kudos_card, kudos_dm

    view = Recognition(
        id=1,
        giver=GIVER,
        receivers=tuple(f"U{i:08d}" for i in range(20)),
        reason="x" * 5000,
        impact="y" * 5000,
        values=("extra-mile",) * 10,
        beneficiary="customer",
        status="posted",
        source="command",
        plus_ones=3,
    )
    card = kudos_card(view)
    assert len(card.blocks) <= 50 and json.dumps(card.blocks)
    dm = kudos_dm(view, "U00000003", "CKUDOS1")
    assert "recognised you (with <@U00000000>" in dm.text + json.dumps(dm.blocks)
    assert "<@U00000003>" not in json.dumps(dm.blocks)
