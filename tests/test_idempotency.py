"""Idempotency keys and period claims: the schema decides, on both databases."""

from __future__ import annotations

from bot.container import Container
from storage.repositories.idempotency import claim_period, first_time, period_claimed


def test_a_period_is_claimed_once(container: Container) -> None:
    now = container.clock.now()
    with container.sessions.begin() as s:
        assert claim_period(s, "T1", "weekly_digest", "2026-W46", now) is True
    with container.sessions.begin() as s:
        assert claim_period(s, "T1", "weekly_digest", "2026-W46", now) is False
        assert claim_period(s, "T2", "weekly_digest", "2026-W46", now) is True
        assert period_claimed(s, "T1", "weekly_digest", "2026-W46")


def test_an_event_key_is_first_only_once(container: Container) -> None:
    now = container.clock.now()
    with container.sessions.begin() as s:
        assert first_time(s, "T1", "Ev1", now) is True
        assert first_time(s, "T1", "Ev1", now) is False
