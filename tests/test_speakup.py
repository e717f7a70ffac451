"""Speak up through the real Bolt app and the Slack stand-in: a member speaks up, leadership answers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.container import Container
from bot.views import ids
from storage.models import OutboxMessage, SpeakupConversation
from tests.slack_requests import SlackDriver, response_json
from tests.slack_standin import SlackStandIn
from tests.speakup_helpers import (
    BOSS,
    LEADERSHIP,
    MEMBER,
    Relay,
    card_ts,
    cards,
    conversation_id,
    member_answer,
    receiver_reply,
    send,
    set_up,
    text_of,
    thread,
)

CONCERN = "The on-call rota means two of us work every weekend; we are exhausted."


@pytest.fixture
def relay(container: Container, clock: FixedClock) -> Relay:
    set_up(container)
    return Relay(container, clock)


def test_a_member_speaks_up_anonymously_and_the_conversation_goes_both_ways_after_delays(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    driver.command("/speakup", "", user=MEMBER)
    [opened] = slack.calls_to("views.open")
    assert opened["view"]["callback_id"] == ids.SPEAKUP_MODAL
    shown = json.dumps(opened["view"])
    assert f"<#{LEADERSHIP}>" in shown and "5 to 30 minutes" in shown and "deleted after 365 days" in shown

    answer = send(driver, CONCERN)
    assert answer["response_action"] == "update" and "Thank you for speaking up" in json.dumps(answer["view"])
    relay.run(4)
    assert cards(slack) == []  # not before the shortest delay (5 minutes)
    relay.after_delay()
    [card] = cards(slack)
    assert "Anonymous" in text_of(card) and "exhausted" in text_of(card)
    assert MEMBER not in json.dumps(card.params)  # no name, no id, anywhere in the call
    cid = conversation_id(card)
    ts = card_ts(container, cid)

    assert (
        receiver_reply(driver, slack, cid, ts, "Thank you. Let's change the rota; which weeks are worst?")
        == {}
    )
    relay.run()
    [posted_reply] = thread(slack, ts)
    assert "change the rota" in text_of(posted_reply)  # other receivers see it at once
    assert slack.messages(MEMBER) == []  # the member gets it only after the delay
    relay.after_delay()
    [dm] = slack.messages(MEMBER)
    assert "change the rota" in text_of(dm) and ids.SPEAKUP_ANSWER in text_of(dm)
    with container.sessions() as s:  # the DM's row forgot its recipient once sent
        assert all(MEMBER not in json.dumps(m.payload) for m in s.scalars(select(OutboxMessage)))

    answer = member_answer(driver, slack, cid, "December is the worst, with the holiday sales.")
    assert answer["response_action"] == "update"
    relay.run()
    assert len(thread(slack, ts)) == 1
    relay.after_delay()
    member_post = thread(slack, ts)[-1]
    assert "Anonymous" in text_of(member_post) and "December is the worst" in text_of(member_post)
    assert MEMBER not in json.dumps(member_post.params)

    driver.action(ids.SPEAKUP_CLOSE, user=MEMBER, value=str(cid), channel="DMEMBER1")
    assert "Closed" in str(slack.calls_to("respond")[-1].get("text"))
    relay.after_delay()
    assert "closed this conversation" in text_of(thread(slack, ts)[-1])
    [update] = slack.calls_to("chat.update")
    assert "Closed by the member" in text_of(update) and ids.SPEAKUP_REPLY not in text_of(update)
    with container.sessions() as s:
        assert s.scalars(select(SpeakupConversation.status)).one() == "closed"


def test_with_my_name_the_card_and_the_thread_show_the_name_and_nothing_else_changes(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    send(driver, CONCERN, how="named")
    relay.after_delay()
    [card] = cards(slack)
    assert f"<@{MEMBER}>" in text_of(card) and "Anonymous" not in text_of(card)
    cid = conversation_id(card)
    ts = card_ts(container, cid)
    receiver_reply(driver, slack, cid, ts, "Thanks for putting your name to it.")
    relay.after_delay()
    assert len(slack.messages(MEMBER)) == 1
    member_answer(driver, slack, cid, "Happy to talk.")
    relay.after_delay()
    assert f"<@{MEMBER}>" in text_of(thread(slack, ts)[-1])
    with container.sessions() as s:  # stored the same way as an anonymous one: sealed, no id in clear
        stored = s.scalars(select(SpeakupConversation)).one()
        assert stored.named and MEMBER.encode() not in stored.sender_box


def test_receivers_acknowledge_resolve_and_ask_to_share_and_the_member_consents(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    send(driver, "Could we publish the roadmap internally?", topic="ideas")
    relay.after_delay()
    [card] = cards(slack)
    cid = conversation_id(card)
    driver.action(ids.SPEAKUP_ACKNOWLEDGE, user=BOSS, value=str(cid), channel=LEADERSHIP)
    driver.action(ids.SPEAKUP_SHARE, user=BOSS, value=str(cid), channel=LEADERSHIP)
    relay.run()
    assert "Acknowledged" in text_of(slack.calls_to("chat.update")[0])
    assert slack.messages(MEMBER) == []
    relay.after_delay()
    acknowledged, share = slack.messages(MEMBER)
    assert "acknowledged" in text_of(acknowledged)
    assert ids.SPEAKUP_AGREE_SHARE in text_of(share)
    driver.action(ids.SPEAKUP_AGREE_SHARE, user=MEMBER, value=str(cid), channel="DMEMBER1")
    relay.after_delay()
    assert "you said, we did" in text_of(slack.calls_to("chat.update")[-1])
    driver.action(ids.SPEAKUP_RESOLVE, user=BOSS, value=str(cid), channel=LEADERSHIP)
    relay.after_delay()
    assert "resolved" in text_of(slack.messages(MEMBER)[-1])


def test_someone_else_cannot_answer_close_or_consent_for_the_member(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    send(driver, CONCERN)
    relay.after_delay()
    cid = conversation_id(cards(slack)[0])
    driver.action(ids.SPEAKUP_CLOSE, user=BOSS, value=str(cid), channel="DBOSS001")
    assert "Only the person who started" in str(slack.calls_to("respond")[-1].get("text"))
    answer = member_answer(driver, slack, cid, "pretending", user=BOSS)
    assert "Only the person who started" in json.dumps(answer)
    # A receiver's button pressed outside the conversation's card does nothing.
    driver.action(ids.SPEAKUP_ACKNOWLEDGE, user=BOSS, value=str(cid), channel="CELSEWHERE")
    with container.sessions() as s:
        assert s.scalars(select(SpeakupConversation.status)).one() == "open"


def test_speakup_before_owners_chose_receivers_says_so_and_stores_nothing(
    container: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    answer = response_json(driver.command("/speakup", "", user=MEMBER))
    assert "isn't set up yet" in answer["text"]
    assert slack.calls_to("views.open") == []
    refused = send(driver, CONCERN)
    assert "isn't set up yet" in json.dumps(refused)
    with container.sessions() as s:
        assert s.scalars(select(SpeakupConversation)).all() == []


def test_named_receivers_get_the_card_by_dm_and_reply_from_it(
    container: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    container.workspace_settings.update(
        container.actors.of("T0TEAM1", "UOWNER01"), {"speakup_receivers": [BOSS]}
    )
    relay = Relay(container, clock)
    send(driver, CONCERN)
    relay.after_delay()
    [card] = slack.messages(BOSS)
    cid = conversation_id(card)
    ts = card_ts(container, cid)
    receiver_reply(driver, slack, cid, ts, "I hear you.", channel="DBOSS001")
    relay.after_delay()
    assert "I hear you." in text_of(slack.messages(MEMBER)[0])


def test_the_home_button_opens_the_same_modal(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    driver.action(ids.SPEAKUP_OPEN, user=MEMBER, view={"id": "VHOME", "type": "home"})
    [opened] = slack.calls_to("views.open")
    assert opened["view"]["callback_id"] == ids.SPEAKUP_MODAL


def test_text_after_the_command_fills_the_modal_as_typed(
    container: Container, driver: SlackDriver, slack: SlackStandIn, relay: Relay
) -> None:
    driver.command("/speakup", "Tom &amp; Jerry &lt;3", user=MEMBER)
    [opened] = slack.calls_to("views.open")
    inputs = [b["element"] for b in opened["view"]["blocks"] if b["type"] == "input"]
    assert any(e.get("initial_value") == "Tom & Jerry <3" for e in inputs)
