"""Renderers for digest messages: content record type -> Message (built by bot/views/digest.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.views.common import Message

RENDERERS: Mapping[type, Callable[[Any], Message]] = {}
