"""Survey questions: the templates owners start from and the one-line-per-question text they edit.

A question line is `[kind] text`, kind one of `0-10`, `1-5` or `text`; a line without a kind is a
1-5 agreement question (the common case in engagement surveys). Pure functions, no Slack, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.domain.pulse_bank import BY_KEY, BankItem, find_item, template_lines

SCALE_10 = "0-10"
AGREE_5 = "1-5"
FREE_TEXT = "text"
KINDS = (SCALE_10, AGREE_5, FREE_TEXT)
KIND_RANGES = {SCALE_10: range(0, 11), AGREE_5: range(1, 6)}
AGREE_LABELS = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")

MAX_QUESTIONS = 10
MAX_QUESTION_CHARS = 200

_LINE = re.compile(r"^\s*(?:\[\s*(?P<kind>[^\]]*?)\s*\])?\s*(?P<text>.*?)\s*$")


@dataclass(frozen=True)
class Question:
    """A survey question; `key` names its answers in this survey (q1, q2...). `item`, `theme` and `reverse`
    say which bank item it is, when its wording is one (see `tag_questions`)."""

    key: str
    kind: str
    text: str
    item: str | None = None
    theme: str | None = None
    reverse: bool = False

    @property
    def scored(self) -> bool:
        return self.kind in KIND_RANGES

    def as_dict(self) -> dict[str, object]:
        raw: dict[str, object] = {"key": self.key, "kind": self.kind, "text": self.text}
        if self.item:
            raw.update(item=self.item, theme=self.theme, reverse=self.reverse)
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> Question:
        item, theme = raw.get("item"), raw.get("theme")
        return cls(
            key=str(raw["key"]),
            kind=str(raw["kind"]),
            text=str(raw["text"]),
            item=str(item) if item else None,
            theme=str(theme) if theme else None,
            reverse=bool(raw.get("reverse", False)),
        )


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    title: str
    lines: tuple[str, ...]


ENPS_QUESTION = BY_KEY["enps.recommend"].line

# Every template but "custom" is a pick from the open question bank (bot/domain/pulse_bank.py).
TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template("enps", "eNPS", "eNPS pulse", template_lines("enps")),
        Template("engagement", "Engagement", "Engagement pulse", template_lines("engagement")),
        Template("empathy", "Empathy at work", "Empathy at work pulse", template_lines("empathy")),
        Template("wellbeing", "Well-being", "Well-being check-in", template_lines("wellbeing")),
        Template("safety", "Psychological safety", "Psychological safety pulse", template_lines("safety")),
        Template("custom", "Custom", "Pulse survey", ()),
    )
}


class QuestionsInvalid(ValueError):
    """The question text cannot be turned into a survey; the message says which line and why."""


def parse_questions(text: str) -> list[Question]:
    """Turn the owner's one-line-per-question text into questions, or say precisely what is wrong."""
    questions: list[Question] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        match = _LINE.match(raw)
        assert match is not None  # the pattern matches any line
        kind = (match["kind"] or AGREE_5).replace(" ", "").lower()
        body = match["text"]
        if kind not in KINDS:
            raise QuestionsInvalid(
                f"Line {number}: unknown kind [{match['kind']}]; use [0-10], [1-5] or [text]."
            )
        if not body:
            raise QuestionsInvalid(f"Line {number}: the question has no text.")
        if len(body) > MAX_QUESTION_CHARS:
            raise QuestionsInvalid(f"Line {number}: keep questions under {MAX_QUESTION_CHARS} characters.")
        questions.append(Question(key=f"q{len(questions) + 1}", kind=kind, text=body))
    if not questions:
        raise QuestionsInvalid("Add at least one question, one per line.")
    if len(questions) > MAX_QUESTIONS:
        raise QuestionsInvalid(
            f"A pulse is short: at most {MAX_QUESTIONS} questions (you have {len(questions)})."
        )
    if not any(q.scored for q in questions):
        raise QuestionsInvalid("Add at least one [0-10] or [1-5] question; free text alone has no score.")
    return questions


def questions_text(template_key: str) -> str:
    """The editable text of a template's questions (empty for custom)."""
    return "\n".join(TEMPLATES[template_key].lines)


def tag_questions(questions: list[Question], items: list[BankItem]) -> list[Question]:
    """Each question whose wording and scale are a bank item's (current or earlier wording), tagged with
    that item's key, theme and direction; other questions (reworded by the owner) stay untagged."""
    tagged = []
    for q in questions:
        item = find_item(q.text, q.kind, items)
        tagged.append(
            q if item is None else replace(q, item=item.key, theme=item.theme, reverse=item.reverse)
        )
    return tagged
