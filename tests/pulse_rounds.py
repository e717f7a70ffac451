"""A recurring series of closed rounds, built quickly through the repository and the service's close (no
Slack round trips per answer): for the tests and bench/rounds.py that count statements per round."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.clock import FixedClock
from bot.container import Container
from bot.domain.pulse_bank import BANK
from bot.domain.pulse_questions import ENPS_QUESTION, parse_questions, questions_text, tag_questions
from storage.models import Survey
from storage.repositories import pulse as repo
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID

# The eNPS question, the empathy template's themed 1-5 items (two of them reverse-worded), a comment.
QUESTIONS = [
    q.as_dict()
    for q in tag_questions(
        parse_questions(f"{ENPS_QUESTION}\n{questions_text('empathy')}\n[text] Anything to add?"), list(BANK)
    )
]
MINIMUM = 5

Answers = Callable[[int, int], dict[str, int]]  # (round, respondent) -> answers


def varied(round_: int, person: int) -> dict[str, int]:
    """Answers that differ from round to round, so that every comparison has something to show."""
    answers = {"q1": (3 * round_ + 2 * person) % 11}
    for n, q in enumerate(QUESTIONS[1:], start=2):
        if q["kind"] == "1-5":
            answers[f"q{n}"] = 1 + (round_ * (person + 1) + n) % 5
    return answers


def add_round(
    container: Container,
    *,
    series_id: int | None,
    round_: int,
    respondents: int,
    answers: Answers = varied,
    anonymous: bool = True,
) -> int:
    """Store an open round with `respondents` answers (and a comment each); returns its id."""
    now = container.clock.now()
    with container.sessions.begin() as s:
        survey = repo.add_survey(
            s,
            Survey(
                team_id=TEAM_ID,
                title="Weekly pulse",
                template="custom",
                questions=QUESTIONS,
                audience={"channel": "CTEAM01"},
                anonymous=anonymous,
                min_responses=MINIMUM,
                comment_min_responses=MINIMUM,
                state="open",
                created_by=OWNER,
                created_at=now,
                closes_at=now + timedelta(days=3),
                reminders=0,
                reminders_sent=0,
                recurrence="weekly",
                series_id=series_id,
                round=round_,
                next_round_launched=True,  # the series is built here, not by the job
                invited_count=8,
            ),
            [f"UP{n:05d}" for n in range(8)],
        )
        for person in range(respondents):
            user = f"UP{person:05d}"
            repo.record_participation(
                s, survey.id, container.pulse.participant_hash(TEAM_ID, survey.id, user)
            )
            repo.add_response(
                s,
                response_id=str(uuid.uuid4()),
                survey_id=survey.id,
                token_hash=uuid.uuid4().hex,
                anonymous=anonymous,
                respondent_id=None if anonymous else user,
                answers=answers(round_, person),
                comments={"q8": f"round {round_} comment {person}"},
                answered_on=now.date(),
            )
        return survey.id


def closed_series(
    container: Container,
    clock: FixedClock,
    rounds: int,
    *,
    series: Sequence[int] = (),
    respondents: Sequence[int] | int = 6,
    answers: Answers = varied,
    every: timedelta = timedelta(days=1),
) -> list[int]:
    """A recurring anonymous series of `rounds` more rounds (after those of `series`, if given), each
    closed by the owner `every` apart (a day by default, so that 50 rounds fit in the digest's 8 weeks);
    returns every round's id, oldest first."""
    owner = container.actors.of(TEAM_ID, OWNER)
    ids = list(series)
    for n in range(rounds):
        count = respondents if isinstance(respondents, int) else respondents[n]
        survey_id = add_round(
            container,
            series_id=ids[0] if ids else None,
            round_=len(ids) + 1,
            respondents=count,
            answers=answers,
        )
        container.pulse.close(owner, survey_id)
        ids.append(survey_id)
        clock.advance(every)
    return ids
