"""Speak up's pure rules and the sealing of the sender, without Slack or a database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import speakup as rules
from bot.domain.settings import WorkspaceSettings
from bot.services.speakup.sealing import Sealer, SpeakupUnavailable

WS = WorkspaceSettings(timezone="Europe/Berlin")
TOPICS = rules.DEFAULT_TOPICS


def test_relay_delays_stay_within_the_bounds_and_vary() -> None:
    rng = random.Random(7)
    delays = [rules.relay_delay(rng, 5, 30) for _ in range(500)]
    assert min(delays) >= timedelta(minutes=5) and max(delays) <= timedelta(minutes=30)
    assert len(set(delays)) > 100  # not a fixed offset a watcher could subtract
    assert rules.relay_delay(rng, 30, 5) <= timedelta(minutes=30)  # swapped bounds still make sense
    assert rules.relay_delay(rng, 0, 0) == timedelta(0)


def test_quiet_hours_move_a_relay_to_the_next_working_quarter_hour() -> None:
    friday_evening = datetime(2026, 11, 20, 17, 40, tzinfo=UTC)  # 18:40 in Berlin
    assert rules.next_working_time(friday_evening, WS) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    working = datetime(2026, 11, 23, 9, 7, tzinfo=UTC)
    assert rules.next_working_time(working, WS) == working
    never = WorkspaceSettings(timezone="Europe/Berlin", work_days=())
    assert rules.next_working_time(friday_evening, never) == friday_evening  # late beats lost


def test_stored_days_are_the_workspace_s_local_day() -> None:
    assert rules.day_of(datetime(2026, 11, 16, 23, 30, tzinfo=UTC), WS) == date(2026, 11, 17)


@pytest.mark.parametrize(
    ("text", "topic", "field", "says"),
    [
        ("   ", "workload", "message", "Please write"),
        ("x" * 3001, "workload", "message", "3,001 characters"),
        ("fine", "gossip", "topic", "pick one of the topics"),
    ],
)
def test_a_draft_breaking_a_rule_names_the_input(text: str, topic: str, field: str, says: str) -> None:
    with pytest.raises(rules.SpeakupRefused) as refused:
        rules.check_draft(text, topic, False, TOPICS)
    assert refused.value.field == field and says in refused.value.message


def test_the_daily_limit_is_three() -> None:
    assert rules.within_daily_limit(2) and not rules.within_daily_limit(3)


def test_sealed_ids_open_only_with_the_same_key_and_team_and_never_repeat() -> None:
    sealer = Sealer("s" * 64)
    boxes = {sealer.seal("T1", "UMEMBER1") for _ in range(50)}
    assert len(boxes) == 50 and all(b"UMEMBER1" not in b for b in boxes)
    box = boxes.pop()
    assert sealer.open("T1", box) == "UMEMBER1"
    assert sealer.open("T2", box) is None
    assert Sealer("t" * 64).open("T1", box) is None
    assert sealer.open("T1", box[:-1] + bytes([box[-1] ^ 1])) is None  # tampered


def test_keyed_hashes_differ_by_purpose_day_and_conversation() -> None:
    sealer = Sealer("s" * 64)
    monday, tuesday = date(2026, 11, 16), date(2026, 11, 17)
    hashes = {
        sealer.rate_hash("T1", monday, "U1"),
        sealer.rate_hash("T1", tuesday, "U1"),
        sealer.block_hash("T1", "U1"),
        sealer.flagger_hash("T1", 1, "U1"),
        sealer.flagger_hash("T1", 2, "U1"),
    }
    assert len(hashes) == 5
    assert sealer.rate_hash("T1", monday, "U1") == Sealer("s" * 64).rate_hash("T1", monday, "U1")


def test_without_the_server_secret_speak_up_refuses_rather_than_store_ids_in_clear() -> None:
    with pytest.raises(SpeakupUnavailable, match="EMPATHY_SECRET_KEY"):
        Sealer(None).seal("T1", "U1")


def test_median_days() -> None:
    assert rules.median([]) is None and rules.median([3, 1, 2]) == 2.0 and rules.median([1, 4]) == 2.5
