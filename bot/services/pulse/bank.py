"""The question bank a workspace sees: the open bank in the repository plus the owners' own items."""

from __future__ import annotations

from bot import policy
from bot.domain.actor import Actor
from bot.domain.pulse import SurveyInvalid
from bot.domain.pulse_bank import BANK, SCALE_10, TEXT, THEMES, BankItem, find_item
from bot.domain.pulse_questions import AGREE_5, MAX_QUESTION_CHARS
from bot.policy import Permission
from bot.services.pulse.core import PulseCore
from storage.models import BankItemRow
from storage.repositories import pulse_people as people_repo

SCALES = (AGREE_5, SCALE_10, TEXT)


class Bank:
    def __init__(self, core: PulseCore) -> None:
        self._core = core

    def items(self, team_id: str) -> list[BankItem]:
        """The open bank's items, then the workspace's own."""
        with self._core.sessions.begin() as s:
            own = [
                BankItem(key=r.key, theme=r.theme, scale=r.scale, text=r.text, reverse=r.reverse)
                for r in people_repo.bank_items(s, team_id)
            ]
        return [*BANK, *own]

    def add(self, actor: Actor, theme: str, scale: str, text: str, reverse: bool) -> BankItem:
        """An owner's own item, in the bank's shape; its key is new and stays with it."""
        policy.require(actor, Permission.LAUNCH_SURVEY)
        text = " ".join(text.split())
        if theme not in THEMES:
            raise SurveyInvalid("theme", f"Unknown theme {theme!r}; use one of: {', '.join(THEMES)}.")
        if scale not in SCALES:
            raise SurveyInvalid("scale", "The scale is 1-5, 0-10 or text.")
        if not text or len(text) > MAX_QUESTION_CHARS:
            raise SurveyInvalid("text", f"An item needs its wording, under {MAX_QUESTION_CHARS} characters.")
        if reverse and scale != AGREE_5:
            raise SurveyInvalid("reverse", "Only 1-5 agreement items can be reverse-scored.")
        if find_item(text, scale, self.items(actor.team_id)) is not None:
            raise SurveyInvalid("text", "The bank already has an item with that wording.")
        with self._core.sessions.begin() as s:
            number = len(people_repo.bank_items(s, actor.team_id)) + 1
            row = people_repo.add_bank_item(
                s,
                BankItemRow(
                    team_id=actor.team_id,
                    key=f"own.{theme}.{number}",
                    theme=theme,
                    scale=scale,
                    text=text,
                    reverse=reverse,
                    created_by=actor.user_id,
                    created_at=self._core.clock.now(),
                ),
            )
            return BankItem(key=row.key, theme=row.theme, scale=row.scale, text=row.text, reverse=row.reverse)
