"""Speak up's promises, tested on the schema, the stored rows and the relay: anonymity, abuse limits,
quiet hours, retention, isolation, a database outage mid-relay, and hostile input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Date, Engine, event, func, inspect, select
from sqlalchemy.exc import OperationalError

from bot.clock import FixedClock
from bot.container import Container
from bot.domain.actor import MANAGER, Actor
from bot.domain.errors import NotAllowed, NotFound
from bot.views import ids
from jobs.speakup import apply_speakup_retention, relay_speakup_messages
from storage.models import (
    OutboxMessage,
    SpeakupBlock,
    SpeakupCard,
    SpeakupConversation,
    SpeakupDailyCount,
    SpeakupFlag,
    SpeakupMessage,
)
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer
from tests.slack_standin import SlackStandIn
from tests.speakup_helpers import (
    BOSS,
    DEPUTY,
    LEADERSHIP,
    MEMBER,
    Relay,
    card_ts,
    cards,
    conversation_id,
    receiver_reply,
    send,
    set_up,
    text_of,
    thread,
)

TABLES = ("speakup_conversations", "speakup_messages", "speakup_cards", "speakup_flags", "speakup_blocks")
SPEAKUP_MODELS = (
    SpeakupConversation,
    SpeakupMessage,
    SpeakupCard,
    SpeakupFlag,
    SpeakupBlock,
    SpeakupDailyCount,
)
OTHER_TEAM = "T0OTHER9"


@pytest.fixture
def relay(container: Container, clock: FixedClock) -> Relay:
    set_up(container)
    return Relay(container, clock)


def all_stored(container: Container) -> str:
    """Every value of every Speak up row, as text (bytes as hex and as text)."""
    parts: list[str] = []
    with container.sessions() as s:
        for model in SPEAKUP_MODELS:
            for row in s.execute(select(*model.__table__.c)):
                for value in row:
                    parts.append(
                        value.hex() + value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    )
    return " ".join(parts)


# Anonymity in the database -----------------------------------------------------------------------------


def test_no_table_or_column_links_a_conversation_or_message_to_a_user_and_times_are_days(
    engine: Engine,
) -> None:
    for table in TABLES:
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns(table)}
        assert not {n for n in columns if "user" in n or n in ("sender", "receiver", "giver", "author_id")}
        times = [n for n, t in columns.items() if "TIME" in str(t).upper()]
        assert times == (["relay_after"] if table == "speakup_messages" else [])
    conversation = {c["name"]: c["type"] for c in inspect(engine).get_columns("speakup_conversations")}
    assert isinstance(conversation["created_on"], Date) and isinstance(conversation["first_reply_on"], Date)
    # Nothing else points at the sender: flags, blocks and counts have no foreign key to a conversation
    # of the sender (flags point at the conversation, but hold only the flagging receiver's keyed hash).
    assert inspect(engine).get_foreign_keys("speakup_blocks") == []
    assert inspect(engine).get_foreign_keys("speakup_daily_counts") == []


def test_stored_rows_export_and_outbox_name_nobody_and_two_conversations_cannot_be_matched(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    send(driver, "First thing on my mind.")
    send(driver, "Second thing, same person.", topic="ideas")
    relay.after_delay()
    for card in cards(slack):
        receiver_reply(
            driver, slack, conversation_id(card), card_ts(container, conversation_id(card)), "Thanks"
        )
    relay.after_delay()
    assert len(slack.messages(MEMBER)) == 2

    assert MEMBER not in all_stored(container)
    with container.sessions() as s:
        first, second = s.scalars(select(SpeakupConversation).order_by(SpeakupConversation.id)).all()
        assert first.sender_box[:12] != second.sender_box[:12] and first.sender_box != second.sender_box
        assert all(m.relay_after is None for m in s.scalars(select(SpeakupMessage)))  # exact times gone
        assert {c.created_on for c in (first, second)} == {date(2026, 11, 16)}
        assert all(
            MEMBER not in json.dumps([o.dedupe_key, o.payload, o.result])
            for o in s.scalars(select(OutboxMessage))
        )
    exported = container.data_rights.export(Actor.operator(TEAM_ID))
    assert (
        len(exported["speakup_conversations"]) == 2
        and "sender_box" not in exported["speakup_conversations"][0]
    )
    assert MEMBER not in json.dumps(exported, default=str)

    # forget-user cannot find them, by design
    forgotten = container.data_rights.forget_user(Actor.operator(TEAM_ID), MEMBER)
    assert "speakup" not in str(forgotten).lower()
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SpeakupConversation)) == 2


# Abuse: flags and rate limits -----------------------------------------------------------------------------


def test_a_flag_goes_to_owners_and_a_second_receivers_flag_stops_the_sender_without_naming_them(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    send(driver, "You are all useless idiots.", topic="other")
    relay.after_delay()
    cid = conversation_id(cards(slack)[0])
    driver.action(ids.SPEAKUP_FLAG, user=BOSS, value=str(cid), channel=LEADERSHIP)
    driver.action(ids.SPEAKUP_FLAG, user=BOSS, value=str(cid), channel=LEADERSHIP)  # the same receiver again
    relay.run()
    [to_owner] = slack.messages(OWNER)
    assert "flagged" in text_of(to_owner) and MEMBER not in json.dumps(to_owner.params)
    assert "flagged this conversation already" in str(slack.calls_to("respond")[-1].get("text"))
    assert "Speak up" not in json.dumps(send(driver, "Still here, still sending."))  # not blocked yet

    driver.action(ids.SPEAKUP_FLAG, user=DEPUTY, value=str(cid), channel=LEADERSHIP)
    relay.run()
    assert "second flag" in str(slack.calls_to("respond")[-1].get("text"))
    assert "two receivers" in text_of(slack.messages(OWNER)[-1])
    assert MEMBER not in json.dumps([m.params for m in slack.messages()])
    refused = send(driver, "Let me send more.")
    assert "flagged one of your messages" in refused["errors"][ids.SPEAKUP_TEXT_BLOCK]
    assert "Sent" in json.dumps(send(driver, "A colleague is not blocked.", user="UCOLLEAG1"))
    assert MEMBER not in all_stored(container)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SpeakupBlock)) == 1


def test_three_new_conversations_a_day_then_a_kind_refusal_and_the_day_s_counts_are_forgotten(
    container: Container, driver: SlackDriver, clock: FixedClock, relay: Relay
) -> None:
    for n in range(3):
        assert send(driver, f"Thought number {n}.")["response_action"] == "update"
    refused = send(driver, "A fourth one.")
    assert "You've started 3 conversations today" in refused["errors"][ids.SPEAKUP_TEXT_BLOCK]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SpeakupConversation)) == 3
        [count] = s.scalars(select(SpeakupDailyCount)).all()
        assert count.count == 3 and MEMBER not in count.sender_hash
    clock.advance(days=1)
    assert send(driver, "A new day.")["response_action"] == "update"
    with container.sessions() as s:  # yesterday's hash went: days cannot be matched with each other
        assert [c.day for c in s.scalars(select(SpeakupDailyCount))] == [date(2026, 11, 17)]


def test_a_workspace_already_in_tomorrow_does_not_reset_another_s_daily_counts(
    container: Container, driver: SlackDriver, relay: Relay
) -> None:
    set_up(container, OTHER_TEAM, timezone="Pacific/Kiritimati")  # UTC+14: already Tuesday there
    for n in range(3):
        send(driver, f"Thought number {n}.")
    assert send(driver, "Over there.", team=OTHER_TEAM)["response_action"] == "update"
    assert "You've started 3 conversations today" in json.dumps(send(driver, "A fourth one."))
    with container.sessions() as s:
        days = sorted((c.team_id, c.day) for c in s.scalars(select(SpeakupDailyCount)))
    assert days == [(OTHER_TEAM, date(2026, 11, 17)), (TEAM_ID, date(2026, 11, 16))]


# Timing -----------------------------------------------------------------------------------------------------


def test_relays_wait_for_the_configured_delay_and_never_go_out_in_quiet_hours(
    container: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock, relay: Relay
) -> None:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER),
        {"speakup_delay_min_minutes": 30, "speakup_delay_max_minutes": 30},
    )
    clock.set(datetime(2026, 11, 20, 16, 20, tzinfo=UTC))  # Friday 17:20 in Berlin; work ends 17:30
    send(driver, "Before the weekend.")
    relay.run(29)
    assert cards(slack) == []
    clock.set(datetime(2026, 11, 23, 7, 59, tzinfo=UTC))  # Monday 08:59 in Berlin
    relay.run()
    assert cards(slack) == []
    relay.run(1)  # 09:00: the first working minute
    [card] = cards(slack)
    cid = conversation_id(card)
    clock.set(datetime(2026, 11, 23, 16, 10, tzinfo=UTC))  # Monday 17:10: reply lands after 17:30
    receiver_reply(driver, slack, cid, card_ts(container, cid), "Noted, let's talk tomorrow.")
    relay.run(60)
    assert slack.messages(MEMBER) == []
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 09:00 in Berlin
    relay.run()
    assert len(slack.messages(MEMBER)) == 1


def test_the_shortest_relay_delay_is_kept(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER),
        {"speakup_delay_min_minutes": 10, "speakup_delay_max_minutes": 10},
    )
    send(driver, "Ten minutes.")
    relay.run(9)
    assert cards(slack) == []
    relay.run(1)
    assert len(cards(slack)) == 1


def test_a_delay_range_that_ends_before_it_starts_is_refused(container: Container) -> None:
    with pytest.raises(Exception, match="longest relay delay"):
        container.workspace_settings.update(
            container.actors.of(TEAM_ID, OWNER),
            {"speakup_delay_min_minutes": 20, "speakup_delay_max_minutes": 10},
        )


# Retention, isolation, outage -------------------------------------------------------------------------


def test_conversations_are_deleted_after_the_comment_retention_period(
    container: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock, relay: Relay
) -> None:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"comment_retention_days": 7})
    send(driver, "Old news soon.")
    relay.after_delay()
    receiver_reply(driver, slack, conversation_id(cards(slack)[0]), card_ts(container, 1), "ok")
    clock.advance(days=7)
    send(driver, "Recent.")
    assert apply_speakup_retention(container) == 0
    clock.advance(days=1)
    assert apply_speakup_retention(container) == 1
    with container.sessions() as s:
        assert [c.text for c in s.scalars(select(SpeakupMessage))] == ["Recent."]
        assert s.scalar(select(func.count()).select_from(SpeakupCard)) == 0


def test_another_workspace_can_neither_see_nor_touch_a_conversation(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    send(driver, "Ours only.")
    relay.after_delay()
    cid = conversation_id(cards(slack)[0])
    set_up(container, OTHER_TEAM)
    driver.action(ids.SPEAKUP_ACKNOWLEDGE, user=BOSS, team=OTHER_TEAM, value=str(cid), channel=LEADERSHIP)
    driver.action(ids.SPEAKUP_CLOSE, user=MEMBER, team=OTHER_TEAM, value=str(cid), channel="DMEMBER1")
    with container.sessions() as s:
        assert s.scalars(select(SpeakupConversation.status)).one() == "open"
    with pytest.raises(NotFound):
        container.speakup.close(Actor(OTHER_TEAM, MEMBER), cid)
    other = container.speakup.summary(
        Actor(OTHER_TEAM, "UMGR0001", frozenset({MANAGER})), date(2026, 11, 1), date(2026, 12, 1)
    )
    assert other.total == 0
    with container.sessions.begin() as s:  # a box moved to another workspace does not open there
        row = s.get(SpeakupConversation, cid)
        assert row is not None
        assert container.speakup._sealer.open(OTHER_TEAM, row.sender_box) is None
        assert container.speakup._sealer.open(TEAM_ID, row.sender_box) == MEMBER


def test_a_database_outage_during_the_relay_loses_nothing_and_sends_once_after_recovery(
    container: Container,
    engine: Engine,
    driver: SlackDriver,
    slack: SlackStandIn,
    clock: FixedClock,
    relay: Relay,
) -> None:
    send(driver, "Please don't lose this.")
    clock.advance(minutes=31)

    def outage(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE SPEAKUP_MESSAGES"):
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    event.listen(engine, "before_cursor_execute", outage)
    try:
        with pytest.raises(OperationalError):
            relay_speakup_messages(container)
    finally:
        event.remove(engine, "before_cursor_execute", outage)
    container.outbox.drain()
    assert cards(slack) == []
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # the card was rolled back too
        assert s.scalars(select(SpeakupMessage.relayed)).one() is False
    assert relay_speakup_messages(container) == 1
    assert relay_speakup_messages(container) == 0
    container.outbox.drain()
    assert len(cards(slack)) == 1


# Hostile input ------------------------------------------------------------------------------------------


def test_ten_thousand_characters_are_refused_in_the_modal_with_the_count_and_nothing_is_stored(
    container: Container, driver: SlackDriver, relay: Relay
) -> None:
    refused = send(driver, "x" * 10_000)
    assert "10,000 characters; the limit is 3,000" in refused["errors"][ids.SPEAKUP_TEXT_BLOCK]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SpeakupConversation)) == 0
        assert s.scalar(select(func.count()).select_from(SpeakupDailyCount)) == 0


def test_markup_is_escaped_third_parties_are_masked_and_long_text_is_split_not_cut(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    hostile = (
        "<!channel> <@UBOSS001> <https://evil.example|click me> *loud* "
        "Ask jane.doe@example.com or call +49 170 1234567. "
    )
    text = hostile + "&" * (3000 - len(hostile))
    assert send(driver, text)["response_action"] == "update"
    relay.after_delay()
    [card] = cards(slack)
    rendered = json.dumps(card["blocks"])
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered
    assert "<@UBOSS001>" not in rendered and "<https://evil" not in rendered
    assert "jane.doe@example.com" not in rendered and "1234567" not in rendered
    sections = [b for b in card["blocks"] if b["type"] == "section"]
    assert len(sections) >= 5 and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert sum(b["text"]["text"].count("&amp;") for b in sections) == 3000 - len(hostile)
    cid = conversation_id(card)
    ts = card_ts(container, cid)
    receiver_reply(driver, slack, cid, ts, "<!here> reply with <@UMEMBER1>")
    relay.run()
    assert "&lt;!here&gt;" in text_of(thread(slack, ts)[0])


# Digest -------------------------------------------------------------------------------------------------


def test_the_digest_gets_counts_by_topic_and_days_to_first_reply_never_texts_without_consent(
    container: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock, relay: Relay
) -> None:
    send(driver, "Too much work.", topic="workload")
    send(driver, "Also too much work.", topic="workload", user="UCOLLEAG1")
    send(driver, "An idea.", topic="ideas", user="UCOLLEAG2")
    relay.after_delay()
    by_text = {json.dumps(c["blocks"]): conversation_id(c) for c in cards(slack)}
    idea = next(cid for text, cid in by_text.items() if "An idea." in text)
    clock.advance(days=2)
    receiver_reply(driver, slack, idea, card_ts(container, idea), "Love it.")
    driver.action(ids.SPEAKUP_SHARE, user=BOSS, value=str(idea), channel=LEADERSHIP)
    relay.after_delay()
    manager = Actor(TEAM_ID, "UMGR0001", frozenset({MANAGER}))
    summary = container.speakup.summary(manager, date(2026, 11, 16), date(2026, 11, 23))
    assert summary.total == 3 and [(t.topic, t.count) for t in summary.by_topic] == [
        ("workload", 2),
        ("ideas", 1),
    ]
    assert summary.replied == 1 and summary.median_days_to_first_reply == 2.0
    assert summary.shared == ()  # asked, but the member has not agreed
    driver.action(ids.SPEAKUP_AGREE_SHARE, user="UCOLLEAG2", value=str(idea), channel="DCOLLEAG2")
    shared = container.speakup.summary(manager, date(2026, 11, 16), date(2026, 11, 23)).shared
    assert [s.text for s in shared] == ["An idea."]
    with pytest.raises(NotAllowed):
        container.speakup.summary(Actor(TEAM_ID, MEMBER), date(2026, 11, 16), date(2026, 11, 23))


def preview(driver: SlackDriver, slack: SlackStandIn) -> str:
    """This week's digest as a manager sees it with /digest."""
    return json.dumps(final_answer(slack, driver.command("/digest", "", user="UMGR0001")), ensure_ascii=False)


def test_the_weekly_digest_shows_speak_up_counts_and_only_consented_texts(
    container: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock, relay: Relay
) -> None:
    send(driver, "Too much work, and nobody asks.", topic="workload")
    send(driver, "An idea about the returns queue.", topic="ideas", user="UCOLLEAG2")
    relay.after_delay()
    idea = next(conversation_id(c) for c in cards(slack) if "returns queue" in json.dumps(c["blocks"]))
    receiver_reply(driver, slack, idea, card_ts(container, idea), "Love it.")
    relay.after_delay()
    container.workspace_settings.update(Actor.operator(TEAM_ID), {"managers": ["UMGR0001"]})

    digest = json.dumps(
        final_answer(slack, driver.command("/digest", "", user="UMGR0001")), ensure_ascii=False
    )
    assert "*Speak up* · 2 conversations started (ideas 1, workload 1) · 1 answered" in digest
    assert "Too much work" not in digest and "returns queue" not in digest  # no text without consent

    driver.action(ids.SPEAKUP_SHARE, user=BOSS, value=str(idea), channel=LEADERSHIP)
    driver.action(ids.SPEAKUP_AGREE_SHARE, user="UCOLLEAG2", value=str(idea), channel="DCOLLEAG2")
    shared = json.dumps(
        final_answer(slack, driver.command("/digest", "", user="UMGR0001")), ensure_ascii=False
    )
    assert "shared with consent (ideas): An idea about the returns queue." in shared
    assert "Too much work" not in shared
