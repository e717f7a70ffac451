"""Peer recognition through the real Bolt app and the Slack stand-in: /kudos, rules, reactions, +1, Home."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.container import Container
from bot.views import ids
from storage.models import Kudos, KudosRecipient, OutboxMessage
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver, response_json
from tests.slack_standin import BOT_USER_ID, SlackStandIn

GIVER, ANA, BEN, CAROL = "UGIVER01", "UANA0001", "UBEN0001", "UCAROL01"
OTHER_BOT, GONE = "UOTHERBOT", "UGONE001"
KUDOS_CHANNEL = "CKUDOS1"
STORY = (
    f"<@{ANA}|ana> <@{BEN}|ben> for staying late to call back the customer whose order was lost #extra-mile"
)


@pytest.fixture
def configured(container: Container, slack: SlackStandIn) -> Container:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"kudos_channel": KUDOS_CHANNEL})
    for user, name in ((GIVER, "gina"), (ANA, "ana"), (BEN, "ben"), (CAROL, "carol")):
        slack.add_user(user, name)
    slack.add_user(OTHER_BOT, "otherbot", is_bot=True)
    slack.add_user(GONE, "gone", deleted=True)
    # An installed workspace's people directory is filled (jobs/directory.py): lookups need no Slack call.
    container.directory.record(TEAM_ID, slack.users.values())
    return container


def kudos_count(container: Container) -> tuple[int, int]:
    with container.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(Kudos)) or 0,
            s.scalar(select(func.count()).select_from(KudosRecipient)) or 0,
        )


def outbox_count(container: Container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def kudos(driver: SlackDriver, slack: SlackStandIn, text: str, user: str = GIVER) -> dict:  # type: ignore[type-arg]
    """What the giver sees for /kudos with a text: a refusal of the text itself comes with the ack;
    anything else is acknowledged with nothing to show and answered through response_url right after
    (giving writes to the database: never before the ack)."""
    sent = len(slack.calls_to("respond"))
    response = driver.command("/kudos", text, user=user)
    assert response.status == 200
    later = slack.calls_to("respond")[sent:]
    if response_json(response):
        assert later == [], "answered once"
        return response_json(response)
    [answer] = later
    assert answer["response_type"] == "ephemeral"
    return answer.params


def test_kudos_for_two_people_stores_two_recognitions_posts_one_card_and_sends_two_dms(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    answer = kudos(driver, slack, STORY)
    assert answer["response_type"] == "ephemeral"
    assert "Kudos for" in answer["text"] and f"<#{KUDOS_CHANNEL}>" in answer["text"]
    configured.outbox.drain()
    [card] = slack.messages(KUDOS_CHANNEL)
    rendered = json.dumps(card["blocks"])
    assert rendered.index(f"<@{GIVER}>") < rendered.index(f"<@{ANA}>")  # givers before receivers
    assert "#extra-mile" in rendered and "staying late to call back the customer" in rendered
    assert ids.KUDOS_PLUS_ONE in rendered
    assert len(slack.messages(ANA)) == 1 and len(slack.messages(BEN)) == 1
    assert kudos_count(configured) == (1, 2)
    with configured.sessions() as s:
        stored = s.scalars(select(Kudos)).one()
        assert stored.values == ["extra-mile"]
        assert stored.reason == "staying late to call back the customer whose order was lost"
        assert stored.beneficiary == "customer"
        assert stored.card_channel == KUDOS_CHANNEL and stored.card_ts


@pytest.mark.parametrize("failure", ["Slack answers 500", "connection refused"])
def test_a_given_kudos_whose_answer_cannot_be_shown_is_logged_not_reported_as_nothing_saved(
    configured: Container,
    driver: SlackDriver,
    slack: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
    failure: str,
) -> None:
    """Giving happens after the ack; if the answer then cannot reach the giver, the error handler must not
    say "nothing was saved" (the giver would give the kudos again)."""
    if failure == "Slack answers 500":
        slack.fail_every(1, status=500, methods={"respond"})
        url = f"{slack.base}/respond"
    else:
        url = "http://127.0.0.1:9/respond"  # nothing listens on the discard port
    response = driver.command("/kudos", STORY, user=GIVER, response_url=url)
    assert response_json(response) == {}
    assert kudos_count(configured) == (1, 2), "the kudos was given"
    assert "/kudos" in caplog.text and "unhandled error" not in caplog.text
    assert not [c for c in slack.calls_to("respond") if "nothing was saved" in c.get("text", "")]


def test_the_card_is_queued_with_the_kudos_card_posted_receipt_and_its_place_is_recorded_once_sent(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    """The receipt's name and fields are fixed: migration 0007 converted queued legacy rows to them."""
    kudos(driver, slack, STORY)
    with configured.sessions() as s:
        recognition_id = s.scalars(select(Kudos.id)).one()
        card = s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("kudos-card:%"))).one()
        assert (card.on_sent, card.receipt) == ("kudos.card_posted", {"recognition_id": recognition_id})
        assert card.payload["unfurl_links"] is False and card.payload["channel"] == KUDOS_CHANNEL
    configured.outbox.drain()
    assert len(slack.messages(KUDOS_CHANNEL)) == 1
    with configured.sessions() as s:
        sent = s.get(OutboxMessage, card.id)
        stored = s.get(Kudos, recognition_id)
        assert sent is not None and sent.status == "sent" and sent.result
        assert stored is not None and (stored.card_channel, stored.card_ts) == (
            KUDOS_CHANNEL,
            sent.result["ts"],
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"<@{GIVER}|gina> for fixing the build #owned-it", "can't give them to yourself"),
        (f"<@{OTHER_BOT}|otherbot> for answering fast", "is a bot"),
        (f"<@{BOT_USER_ID}|empathy-bot> for being nice", "is a bot"),
        (f"<@{GONE}|gone> for the handover notes", "deactivated"),
        (f"<@{ANA}|ana> #extra-mile", "Please add the why"),
        (f"<@{ANA}|ana> for listening #made-up-value", "`#made-up-value` isn't one of our values"),
        ("@nobody for the help", "couldn't find @nobody"),
        ("<!here> for the party", "not to @here"),
    ],
)
def test_kudos_breaking_a_rule_gets_a_specific_ephemeral_message_and_stores_nothing(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, text: str, expected: str
) -> None:
    answer = kudos(driver, slack, text)
    assert answer["response_type"] == "ephemeral"
    assert expected in answer["text"]
    assert kudos_count(configured) == (0, 0)
    assert outbox_count(configured) == 0


def test_daily_allowance_is_refused_kindly_with_the_reset_time_and_resets_at_local_midnight(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    configured.workspace_settings.update(configured.actors.of(TEAM_ID, OWNER), {"kudos_daily_limit": 2})
    kudos(driver, slack, f"<@{ANA}|ana> for the calm call")
    answer = kudos(driver, slack, STORY)
    assert "1 kudos left today and this one recognises 2 people" in answer["text"]
    kudos(driver, slack, f"<@{BEN}|ben> for the notes")
    before = kudos_count(configured), outbox_count(configured)
    answer = kudos(driver, slack, f"<@{CAROL}|carol> for the kind words")
    # 10:00 UTC is 11:00 in Berlin: midnight is 13 hours away.
    assert "You've given all 2 kudos for today" in answer["text"]
    assert "resets at midnight (Europe/Berlin), in 13 h 00 min" in answer["text"]
    assert (kudos_count(configured), outbox_count(configured)) == before
    clock.advance(hours=13)
    assert "Kudos for" in kudos(driver, slack, f"<@{CAROL}|carol> for the kind words")["text"]


def test_paused_giver_is_refused(configured: Container, driver: SlackDriver, slack: SlackStandIn) -> None:
    configured.workspace_settings.update(configured.actors.of(TEAM_ID, OWNER), {"kudos_paused": [GIVER]})
    assert "paused for you" in kudos(driver, slack, f"<@{ANA}|ana> for the help")["text"]
    assert kudos_count(configured) == (0, 0)


def test_user_group_mention_is_expanded_to_its_people_without_the_giver(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    slack.usergroups["SSUPPORT"] = [ANA, BEN, GIVER, BOT_USER_ID]
    answer = kudos(driver, slack, "<!subteam^SSUPPORT|@support> for covering the weekend #owned-it")
    assert "Kudos for" in answer["text"]
    assert kudos_count(configured) == (1, 2)
    refused = kudos(driver, slack, "<!subteam^SNOPE|@x> for it")
    assert "I can't see who is in that user group" in refused["text"]


def test_without_a_kudos_channel_the_people_still_get_their_dms(
    container: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    slack.add_user(ANA, "ana")  # not in the directory yet: one users.info, after the ack
    answer = kudos(driver, slack, f"<@{ANA}|ana> for the patient onboarding call #perspective-taking")
    assert len(slack.calls_to("users.info")) == 1
    assert "sent by DM (no kudos channel is set yet)" in answer["text"]
    container.outbox.drain()
    [dm] = slack.messages(ANA)
    assert "patient onboarding call" in json.dumps(dm["blocks"])
    assert [m for m in slack.messages() if m["channel"] != ANA] == []


def test_kudos_without_text_opens_the_story_first_modal_and_submitting_it_gives_kudos(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    response = driver.command("/kudos", "", user=GIVER)
    assert response.status == 200
    [opened] = slack.calls_to("views.open")
    modal = opened["view"]
    assert modal["callback_id"] == ids.KUDOS_MODAL
    assert modal["blocks"][0]["block_id"] == ids.KUDOS_STORY_BLOCK
    assert "what did it mean" in json.dumps(modal).lower()
    form = {
        ids.KUDOS_STORY_BLOCK: {
            ids.KUDOS_VALUE: {"type": "plain_text_input", "value": "Talked a customer down"}
        },
        ids.KUDOS_IMPACT_BLOCK: {ids.KUDOS_VALUE: {"type": "plain_text_input", "value": "They stayed"}},
        ids.KUDOS_USERS_BLOCK: {ids.KUDOS_VALUE: {"type": "multi_users_select", "selected_users": [ANA]}},
        ids.KUDOS_BENEFICIARY_BLOCK: {
            ids.KUDOS_VALUE: {"type": "static_select", "selected_option": {"value": "customer"}}
        },
        ids.KUDOS_VALUES_BLOCK: {
            ids.KUDOS_VALUE: {
                "type": "multi_static_select",
                "selected_options": [{"value": "calmed-a-tense-moment"}],
            }
        },
    }
    assert driver.submit(ids.KUDOS_MODAL, form, user=GIVER).body == ""
    configured.outbox.drain()
    assert "They stayed" in json.dumps(slack.messages(KUDOS_CHANNEL)[0]["blocks"])
    assert kudos_count(configured) == (1, 1)

    form[ids.KUDOS_USERS_BLOCK][ids.KUDOS_VALUE]["selected_users"] = [GIVER]
    body = response_json(driver.submit(ids.KUDOS_MODAL, form, user=GIVER))
    assert body["response_action"] == "errors" and ids.KUDOS_USERS_BLOCK in body["errors"]
    assert kudos_count(configured) == (1, 1)


def reaction(
    kind: str = "reaction_added", *, user: str = GIVER, author: str | None = ANA, emoji: str = "heart_hands"
) -> dict:  # type: ignore[type-arg]
    event = {
        "type": kind,
        "user": user,
        "reaction": emoji,
        "item": {"type": "message", "channel": "CGENERAL", "ts": "1799999999.000100"},
        "event_ts": "1800000000.000200",
    }
    if author is not None:
        event["item_user"] = author
    return event


def test_a_reaction_recognises_the_author_once_even_when_slack_delivers_it_twice(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    assert driver.event(reaction(), event_id="EvREACT1").status == 200
    assert driver.event(reaction(), event_id="EvREACT1", retry_num=1).status == 200
    assert driver.event(reaction(), event_id="EvREACT2").status == 200  # same reaction, another event
    assert kudos_count(configured) == (1, 1)
    [prompt] = slack.calls_to("chat.postEphemeral")
    assert prompt["user"] == GIVER and prompt["channel"] == "CGENERAL"
    assert "https://example.slack.com/archives/CGENERAL/p" in json.dumps(prompt["blocks"])
    assert ids.KUDOS_ADD_REASON in json.dumps(prompt["blocks"])


def test_reactions_on_the_bots_own_and_other_bots_messages_and_other_emoji_are_ignored(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    for event in (
        reaction(author=BOT_USER_ID),
        reaction(author=OTHER_BOT),
        reaction(author=None),  # an integration's message: no user
        reaction(user=OTHER_BOT),
        reaction(emoji="thumbsup"),
        reaction("reaction_removed", emoji="thumbsup"),
    ):
        assert driver.event(event).status == 200
    assert kudos_count(configured) == (0, 0)
    assert slack.calls_to("chat.postEphemeral") == []


def test_reacting_to_your_own_message_explains_why_not(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    driver.event(reaction(author=GIVER))
    [note] = slack.calls_to("chat.postEphemeral")
    assert "not yourself" in note["text"]
    assert kudos_count(configured) == (0, 0)


def test_skin_tone_variant_and_custom_emoji_setting_are_recognised(
    configured: Container, driver: SlackDriver
) -> None:
    driver.event(reaction(emoji="heart_hands::skin-tone-4"))
    assert kudos_count(configured) == (1, 1)
    configured.workspace_settings.update(configured.actors.of(TEAM_ID, OWNER), {"kudos_emoji": "sparkles"})
    driver.event(reaction(user=BEN, emoji="sparkles"))
    assert kudos_count(configured) == (2, 2)


def _reason_form(text: str, value: str | None = "active-listening") -> dict:  # type: ignore[type-arg]
    form = {ids.KUDOS_STORY_BLOCK: {ids.KUDOS_VALUE: {"type": "plain_text_input", "value": text}}}
    if value:
        form[ids.KUDOS_VALUES_BLOCK] = {
            ids.KUDOS_VALUE: {"type": "multi_static_select", "selected_options": [{"value": value}]}
        }
    return form


def test_adding_the_why_to_a_reaction_posts_the_card_and_dm(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    driver.event(reaction())
    configured.outbox.drain()
    assert slack.messages(KUDOS_CHANNEL) == []
    with configured.sessions() as s:
        kudos_id = s.scalars(select(Kudos.id)).one()
    driver.action(ids.KUDOS_ADD_REASON, user=CAROL, value=str(kudos_id), channel="CGENERAL")
    assert all(c["view"].get("callback_id") != ids.KUDOS_REASON_MODAL for c in slack.calls_to("views.open"))
    driver.action(ids.KUDOS_ADD_REASON, user=GIVER, value=str(kudos_id), channel="CGENERAL")
    modal = next(c["view"] for c in slack.calls_to("views.open") if c["view"].get("callback_id"))
    assert modal["callback_id"] == ids.KUDOS_REASON_MODAL and "ana" in json.dumps(modal)
    meta = modal["private_metadata"]
    body = response_json(
        driver.submit(ids.KUDOS_REASON_MODAL, _reason_form(" "), user=GIVER, private_metadata=meta)
    )
    assert body["response_action"] == "errors"
    response = driver.submit(
        ids.KUDOS_REASON_MODAL, _reason_form("Summed up the thread kindly"), user=GIVER, private_metadata=meta
    )
    assert response.body == ""
    configured.outbox.drain()
    [card] = slack.messages(KUDOS_CHANNEL)
    assert "Summed up the thread kindly" in json.dumps(card["blocks"])
    assert "the message" in json.dumps(card["blocks"])
    assert len(slack.messages(ANA)) == 1


def test_removing_the_reaction_within_ten_minutes_withdraws_the_kudos_and_its_card(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    driver.event(reaction())
    with configured.sessions() as s:
        kudos_id = s.scalars(select(Kudos.id)).one()
    configured.kudos.complete_reaction(TEAM_ID, kudos_id, GIVER, "Kind summary", [], "colleague")
    configured.outbox.drain()
    clock.advance(minutes=9)
    driver.event(reaction("reaction_removed"))
    configured.outbox.drain()
    assert configured.kudos.get(TEAM_ID, kudos_id).status == "withdrawn"
    [delete] = slack.calls_to("chat.delete")
    assert delete["channel"] == KUDOS_CHANNEL
    assert "withdrawn" in slack.calls_to("chat.postEphemeral")[-1]["text"]
    assert configured.kudos.allowance(TEAM_ID, GIVER).used == 0

    driver.event(reaction())  # reacting again recognises again
    assert configured.kudos.get(TEAM_ID, kudos_id).status == "pending"
    clock.advance(minutes=11)
    driver.event(reaction("reaction_removed"))
    assert configured.kudos.get(TEAM_ID, kudos_id).status == "pending"


def test_plus_one_is_counted_once_each_and_not_for_the_people_in_the_kudos(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    kudos(driver, slack, STORY)
    configured.outbox.drain()
    with configured.sessions() as s:
        kudos_id = s.scalars(select(Kudos.id)).one()
    for user in (CAROL, CAROL, ANA, GIVER):
        # Refusals are raised after ack() and told through response_url (Bolt answers 500 here only
        # because tests process before responding).
        driver.action(ids.KUDOS_PLUS_ONE, user=user, value=str(kudos_id), channel=KUDOS_CHANNEL)
    configured.outbox.drain()
    [update] = slack.calls_to("chat.update")
    assert "1 person adds their voice" in json.dumps(update["blocks"])
    assert configured.kudos.get(TEAM_ID, kudos_id).plus_ones == 1
    refusals = [c["text"] for c in slack.calls_to("respond")]
    assert any("already added your voice" in t for t in refusals)
    assert sum("already yours" in t for t in refusals) == 2


def test_app_home_shows_the_counts_after_kudos_are_given(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    kudos(driver, slack, STORY)
    kudos(driver, slack, f"<@{GIVER}|gina> for pairing on the refund flow #owned-it", user=ANA)
    driver.event({"type": "app_home_opened", "user": ANA, "channel": "D1", "tab": "home"})
    home = json.dumps(slack.calls_to("views.publish")[-1]["view"])
    assert "November 2026*: you received *1* kudos and gave *1*" in home
    assert "`#extra-mile` (1)" in home
    assert "Latest kudos in the team" in home and "pairing on the refund flow" in home
    assert "most recognised for" not in home

    configured.workspace_settings.update(
        configured.actors.of(TEAM_ID, OWNER), {"show_monthly_recognition": True}
    )
    driver.event({"type": "app_home_opened", "user": OWNER, "channel": "D1", "tab": "home"})
    home = json.dumps(slack.calls_to("views.publish")[-1]["view"])
    assert "This month the team was most recognised for:* `#extra-mile` (1), `#owned-it` (1)" in home
    assert "you received *0* kudos" in home


def test_customer_praise_offer_opens_the_kudos_modal_on_the_customers_behalf(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    from bot.domain.feedback import FeedbackInput

    configured.workspace_settings.update(
        configured.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"}
    )
    item, _ = configured.feedback.ingest(
        TEAM_ID, FeedbackInput(source="api", external_id="1", text="Ana was wonderful", customer="ACME")
    )
    assert configured.kudos.offer_for_feedback(TEAM_ID, item.id, CAROL, ANA, "ACME", item.text)
    assert not configured.kudos.offer_for_feedback(TEAM_ID, item.id, CAROL, ANA, "ACME", item.text)
    configured.outbox.drain()
    [offer] = slack.messages(CAROL)
    button = next(b for b in offer["blocks"] if b["type"] == "actions")["elements"][0]
    driver.action(ids.KUDOS_FROM_FEEDBACK, user=CAROL, value=button["value"], channel="DCAROL")
    [opened] = slack.calls_to("views.open")
    modal = opened["view"]
    assert modal["callback_id"] == ids.KUDOS_MODAL
    assert "Ana was wonderful" in json.dumps(modal)
    users = next(b for b in modal["blocks"] if b["block_id"] == ids.KUDOS_USERS_BLOCK)
    assert users["element"]["initial_users"] == [ANA]


def test_kudos_text_is_inert_on_the_card(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    kudos(driver, slack, f"<@{ANA}|ana> for flagging &lt;!channel&gt; &lt;https://evil|bank&gt; spam")
    configured.outbox.drain()
    card = slack.messages(KUDOS_CHANNEL)[0]
    rendered = json.dumps(card["blocks"]) + card["text"]
    assert "<!channel>" not in rendered and "<https://evil" not in rendered
    assert "&lt;!channel&gt;" in rendered


def test_reaction_within_the_window_counts_against_the_allowance(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    configured.workspace_settings.update(configured.actors.of(TEAM_ID, OWNER), {"kudos_daily_limit": 1})
    driver.event(reaction())
    driver.event(reaction(author=BEN) | {"item": {"type": "message", "channel": "CGENERAL", "ts": "1.5"}})
    assert kudos_count(configured) == (1, 1)
    assert "You've given all 1 kudos" in slack.calls_to("chat.postEphemeral")[-1]["text"]
    clock.advance(timedelta(days=1))
    driver.event(reaction(author=BEN) | {"item": {"type": "message", "channel": "CGENERAL", "ts": "1.6"}})
    assert kudos_count(configured) == (2, 2)


def test_a_kudos_offered_for_customer_praise_is_given_once_however_often_it_is_submitted(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    form = {
        ids.KUDOS_STORY_BLOCK: {
            ids.KUDOS_VALUE: {"type": "plain_text_input", "value": 'ACME wrote: "Ana rocks"'}
        },
        ids.KUDOS_USERS_BLOCK: {ids.KUDOS_VALUE: {"type": "multi_users_select", "selected_users": [ANA]}},
        ids.KUDOS_BENEFICIARY_BLOCK: {
            ids.KUDOS_VALUE: {"type": "static_select", "selected_option": {"value": "customer"}}
        },
    }
    meta = json.dumps({"source": "feedback", "key": f"feedback:7:{ANA}:{CAROL}"})
    for _ in range(2):
        assert driver.submit(ids.KUDOS_MODAL, form, user=CAROL, private_metadata=meta).body == ""
    configured.outbox.drain()
    assert kudos_count(configured) == (1, 1)
    assert len(slack.messages(KUDOS_CHANNEL)) == 1
    with configured.sessions() as s:
        assert s.scalars(select(Kudos.source)).one() == "feedback"


def test_plus_one_before_the_card_is_posted_shows_once_it_is(
    configured: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    kudos(driver, slack, STORY)
    with configured.sessions() as s:
        kudos_id = s.scalars(select(Kudos.id)).one()
    configured.kudos.plus_one(TEAM_ID, kudos_id, CAROL)
    configured.outbox.drain()
    [update] = slack.calls_to("chat.update")
    assert update["channel"] == KUDOS_CHANNEL and "1 person adds" in json.dumps(update["blocks"])


def test_a_reaction_kudos_left_without_its_why_lapses_after_a_week_and_a_posted_one_stays(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    from jobs.housekeeping import drop_lapsed_kudos

    driver.event(reaction())
    driver.event(reaction(author=BEN))
    with configured.sessions() as s:
        for_ana, for_ben = s.scalars(select(Kudos.id).order_by(Kudos.id)).all()
    assert "lapses in a week" in json.dumps(slack.calls_to("chat.postEphemeral")[0]["blocks"])
    configured.kudos.complete_reaction(TEAM_ID, for_ben, GIVER, "Took the angry call for me", [], "colleague")

    clock.advance(days=6, hours=23)
    assert drop_lapsed_kudos(configured) == 0
    clock.advance(hours=2)
    assert drop_lapsed_kudos(configured) == 1
    assert drop_lapsed_kudos(configured) == 0
    assert kudos_count(configured) == (1, 1)
    assert configured.kudos.get(TEAM_ID, for_ben).status == "posted"

    driver.action(ids.KUDOS_ADD_REASON, user=GIVER, value=str(for_ana), channel="CGENERAL")
    assert "no longer exists" in slack.calls_to("respond")[-1]["text"]
    driver.event(reaction())  # reacting again starts afresh
    assert kudos_count(configured) == (2, 2)


def test_kudos_help_explains_the_ways_to_give_and_lists_the_values(
    configured: Container, driver: SlackDriver
) -> None:
    body = response_json(driver.command("/kudos", "help", user=GIVER))
    text = json.dumps(body["blocks"])
    assert body["response_type"] == "ephemeral" and "#spoke-up" in text and "5 of 5 left today" in text
    assert kudos_count(configured) == (0, 0)
