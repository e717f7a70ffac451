"""Small-team pooling at close (see bot/domain/pulse_pool.py for the rule): an anonymous series' round
below the threshold is pooled with the series' earlier unreported rounds; once the pool reaches the
threshold the owner gets "rounds N–M combined" with directions only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.domain.outgoing import Post
from bot.domain.pulse_pool import PooledReport, directions, pool_reaches, report_means
from bot.domain.pulse_questions import Question
from bot.services.pulse.core import PulseCore
from storage.models import Survey
from storage.repositories import pulse as repo
from storage.repositories import pulse_people as people_repo


class Pooling:
    def __init__(self, core: PulseCore) -> None:
        self._core = core

    def after_close(self, s: Session, survey: Survey) -> None:
        """Called in the close's transaction, after the rows were resealed."""
        if survey.series_id is None or not survey.anonymous:
            return
        questions = [Question.from_dict(q) for q in survey.questions]
        rounds = people_repo.series_rounds(s, survey.team_id, survey.series_id)
        if repo.participation_count(s, survey.id) >= survey.min_responses:
            # Reported on its own (figures shown as usual): remembered for the next pool's direction.
            survey.pooled_into = survey.round
            survey.report_means = report_means(questions, [r.answers for r in repo.responses(s, survey.id)])
            return
        pool = [
            (x, n)
            for x, n in rounds
            if x.state == "closed" and x.pooled_into is None and x.round <= survey.round
        ]
        if not pool_reaches([n for _, n in pool], survey.min_responses):
            return
        answers = [r.answers for x, _ in pool for r in repo.responses(s, x.id)]
        current = report_means(questions, answers)
        earlier = [x for x, _ in rounds if x.report_means is not None and x.round < pool[0][0].round]
        previous = earlier[-1].report_means if earlier else None
        for x, _ in pool:
            x.pooled_into = survey.round
        survey.report_means = current
        report = PooledReport(
            self._core.info(survey), pool[0][0].round, survey.round, directions(questions, current, previous)
        )
        self._core.postbox.send(
            s, survey.team_id, Post(to=survey.created_by, content=report, key=f"pulse:{survey.id}:pooled")
        )
