"""Renderers for intake messages: the first poll's backfill summary card (bot/views/sources.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.intake.source import BackfillSummary
from bot.views.common import Message
from bot.views.sources import backfill_summary

RENDERERS: Mapping[type, Callable[[Any], Message]] = {BackfillSummary: backfill_summary}
