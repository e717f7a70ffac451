"""Renderers for digest messages: content record type -> Message (built by bot/views/digest.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.digest import Digest
from bot.views.common import Message
from bot.views.digest import digest_message

RENDERERS: Mapping[type, Callable[[Any], Message]] = {Digest: digest_message}
