"""Survey questions: the templates owners start from and the one-line-per-question text they edit.

A question line is `[kind] text`, kind one of `0-10`, `1-5` or `text`; a line without a kind is a
1-5 agreement question (the common case in engagement surveys). Pure functions, no Slack, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    key: str
    kind: str
    text: str

    @property
    def scored(self) -> bool:
        return self.kind in KIND_RANGES

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "kind": self.kind, "text": self.text}

    @classmethod
    def from_dict(cls, raw: dict[str, str]) -> Question:
        return cls(key=raw["key"], kind=raw["kind"], text=raw["text"])


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    title: str
    lines: tuple[str, ...]


ENPS_QUESTION = "[0-10] How likely are you to recommend working here to a friend?"

TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "enps", "eNPS", "eNPS pulse", (ENPS_QUESTION, "[text] What is the main reason for your score?")
        ),
        Template(
            "engagement",
            "Engagement",
            "Engagement pulse",
            (
                "[1-5] I know what is expected of me at work.",
                "[1-5] I have what I need to do my work well.",
                "[1-5] Someone here cares about me as a person.",
                "[1-5] My opinions seem to count.",
                ENPS_QUESTION,
            ),
        ),
        Template(
            "wellbeing",
            "Well-being",
            "Well-being check-in",
            (
                "[1-5] My workload is manageable.",
                "[1-5] I can switch off after work.",
                "[1-5] I feel supported when things get hard.",
                "[text] What would make next week better for you?",
            ),
        ),
        Template(
            "safety",
            "Psychological safety",
            "Psychological safety pulse",
            (
                "[1-5] If I make a mistake on this team, it is not held against me.",
                "[1-5] Members of this team are able to bring up problems and tough issues.",
                "[1-5] It is safe to take a risk on this team.",
                "[1-5] It is easy to ask other members of this team for help.",
                "[1-5] My unique skills and talents are valued and used.",
            ),
        ),
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
