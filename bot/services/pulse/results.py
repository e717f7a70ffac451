"""Results: what owners and managers may see (thresholds applied), closing a survey and sending its results
once, the list of surveys, and what the digest shows of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy.orm import Session

from bot import policy
from bot.domain import pulse_figures as figures
from bot.domain import pulse_stats
from bot.domain.actor import Actor
from bot.domain.errors import UserFacingError
from bot.domain.outgoing import Post, Update
from bot.domain.pulse import InvitationClosed, ResultsReport
from bot.domain.pulse_stats import SurveyInfo, SurveyResults
from bot.policy import Permission
from bot.services.pulse.core import PulseCore
from bot.services.pulse.governor import Governor
from bot.services.pulse.pooling import Pooling
from storage.models import Survey
from storage.repositories import pulse as repo
from storage.repositories import pulse_people as people_repo
from storage.repositories import pulse_results as results_repo
from storage.repositories.idempotency import claim_period, period_claimed

# How long a close waits for answers in flight (they take milliseconds; only a process that died between
# an answer's two transactions leaves one waiting this long: it is then counted, without its answers).
IN_FLIGHT_GRACE = timedelta(minutes=1)


class Results:
    def __init__(self, core: PulseCore, governor: Governor) -> None:
        self._core = core
        self._governor = governor
        self._pooling = Pooling(core)

    def results_for(self, actor: Actor, survey_id: int) -> SurveyResults:
        """Results as a manager or owner may see them now (thresholds and 'no live results' applied)."""
        policy.require(actor, Permission.SEE_SURVEY_RESULTS)
        with self._core.sessions.begin() as s:
            return self.results(s, self._core.survey(s, actor.team_id, survey_id))

    def results(self, s: Session, survey: Survey) -> SurveyResults:
        """A survey's results with the previous round's for comparison, read from that round's stored
        figures (one query, however long the series)."""
        results = self._own_results(s, survey)
        if results.withheld_reason:
            return results
        return replace(results, previous=self._previous_round(s, survey))

    def _own_results(self, s: Session, survey: Survey) -> SurveyResults:
        """The survey's own results from its answers, thresholds applied, with no comparison."""
        info = self._core.info(survey)
        responded = repo.participation_count(s, survey.id)
        base = SurveyResults(survey=info, invited=survey.invited_count, responded=responded)
        if survey.anonymous and survey.state != "closed":
            return base.withheld("It's anonymous, so results appear only after it closes (no live results).")
        if survey.anonymous and responded < survey.min_responses:
            return base.withheld(
                f"Results are withheld: {responded} answered and an anonymous survey needs at least "
                f"{survey.min_responses}, so that no one can be singled out."
            )
        rows = repo.responses(s, survey.id)
        answers = [r.answers for r in rows]
        stats = []
        for q in info.questions:
            if not q.scored:
                continue
            st = pulse_stats.question_stats(q, answers)
            stats.append(st if not survey.anonymous or st.answered >= survey.min_responses else st.hide())
        comments: list[tuple[str, str]] = []
        comments_hidden = survey.anonymous and responded < survey.comment_min_responses
        if not comments_hidden:
            for r in rows:
                for key, text in r.comments.items():
                    if text:
                        comments.append((key, text if survey.anonymous else f"{text} (<@{r.respondent_id}>)"))
            comments.sort()
        return SurveyResults(
            survey=info,
            invited=survey.invited_count,
            responded=responded,
            questions=stats,
            comments=comments,
            comments_hidden=comments_hidden,
            themes=pulse_stats.theme_index(stats, answers),
        )

    def _previous_round(self, s: Session, survey: Survey) -> SurveyResults | None:
        previous = results_repo.previous_round(s, survey)
        if previous is None or previous.state != "closed":
            return None
        return figures.previous_round(
            self._core.info(previous), previous.invited_count, self._figures(s, previous)
        )

    def _figures(self, s: Session, survey: Survey) -> dict[str, Any]:
        return self._figures_and_enps(s, survey)[0]

    def _figures_and_enps(self, s: Session, survey: Survey) -> tuple[dict[str, Any], tuple[int, int] | None]:
        """A closed survey's stored figures and shown eNPS. One closed before they were stored (or whose
        figures a forget cleared) gets them now, once, under its row's lock: computed from the answers as
        they are after any forget or close that got there first. If another transaction holds the row,
        they are computed for this read only (never waiting: see pulse_results.lock_figures)."""
        if not figures.current(survey.figures):
            held, stored = results_repo.lock_figures(s, survey.id)
            if figures.current(stored):
                s.refresh(survey)  # another reader stored them meanwhile
            else:
                results = self._own_results(s, survey)
                if not held:
                    return figures.round_figures(results), figures.shown_enps(results)
                self._store_figures(s, survey, results)
        score, answers = survey.enps_score, survey.enps_answers
        shown = (score, answers) if score is not None and answers is not None else None
        return cast(dict[str, Any], survey.figures), shown

    @staticmethod
    def _store_figures(s: Session, survey: Survey, results: SurveyResults) -> None:
        results_repo.store_figures(s, survey, figures.round_figures(results), figures.shown_enps(results))

    def list_for(self, actor: Actor, limit: int = 15) -> list[tuple[SurveyInfo, int]]:
        """Recent surveys with how many took part (counts only), newest first."""
        policy.require(actor, Permission.LIST_SURVEYS)
        with self._core.sessions.begin() as s:
            surveys = repo.recent_surveys(s, actor.team_id, limit)
            counts = repo.participation_counts(s, [x.id for x in surveys])
            return [(self._core.info(x), counts.get(x.id, 0)) for x in surveys]

    def latest_closed_results(self, team_id: str, start: datetime, end: datetime) -> SurveyResults | None:
        """For the digest: results of the last survey that closed in [start, end), thresholds applied."""
        with self._core.sessions.begin() as s:
            survey = results_repo.last_closed_between(s, team_id, start, end)
            return None if survey is None else self.results(s, survey)

    def enps_rounds(self, team_id: str, start: datetime, end: datetime) -> list[tuple[datetime, int, int]]:
        """(closed_at, eNPS, responses) of each survey with an eNPS question that closed in [start, end)
        and whose results may be shown (thresholds applied), oldest first: the digest chart's eNPS points.
        Read from the rounds' stored figures in one query."""
        with self._core.sessions.begin() as s:
            rounds = []
            for survey_id, closed_at, score, answers, stored in results_repo.enps_between(
                s, team_id, start, end
            ):
                if not stored:  # closed before figures were stored (or a forget cleared them)
                    shown = self._figures_and_enps(s, self._core.survey(s, team_id, survey_id))[1]
                    score, answers = shown if shown is not None else (None, None)
                if closed_at is not None and score is not None and answers is not None:
                    rounds.append((closed_at, score, answers))
            return rounds

    # Closing ------------------------------------------------------------------------------------------

    def close(self, actor: Actor, survey_id: int) -> SurveyResults:
        """An owner closes a survey now; the results go out once."""
        policy.require(actor, Permission.CLOSE_SURVEY)
        return self._close(actor.team_id, survey_id, by_owner=True)

    def close_due(self) -> int:
        """Close every survey whose time has come (the job); returns how many."""
        with self._core.sessions.begin() as s:
            due = repo.due_to_close(s, self._core.clock.now())
        for team_id, survey_id in due:
            self._close(team_id, survey_id, by_owner=False)
        return len(due)

    def _close(self, team_id: str, survey_id: int, *, by_owner: bool) -> SurveyResults:
        with self._core.sessions.begin() as s:
            survey = self._core.survey(s, team_id, survey_id)
            now = self._core.clock.now()
            if not repo.claim_close(s, survey, now, now - IN_FLIGHT_GRACE):
                if survey.state == "open":
                    repo.mark_closing(s, survey, now)  # answers in flight land first; the job finishes
                elif by_owner and survey.state != "closing":
                    raise UserFacingError(f"Survey {survey_id} is already closed.")
                return self.results(s, survey)
            repo.reseal(s, survey_id)
            self._governor.check_fatigue(s, survey)
            self._pooling.after_close(s, survey)
            results = self.results(s, survey)
            self._store_figures(s, survey, results)  # once, for the next round and the digest
            report = ResultsReport(results)
            destinations = [survey.created_by]
            digest_channel = self._core.settings.get(team_id).digest_channel
            if digest_channel:
                destinations.append(digest_channel)
            self._core.postbox.send(
                s,
                team_id,
                *(
                    Post(to=destination, content=report, key=f"pulse:{survey_id}:results:{destination}")
                    for destination in destinations
                ),
            )
            # Every invitation DM loses its buttons and says the survey closed (chat.update in place).
            closed = InvitationClosed(self._core.info(survey))
            self._core.postbox.send(
                s,
                team_id,
                *(
                    Update(channel, ts, closed, key=f"pulse:{survey_id}:closed:{user_id}")
                    for user_id, channel, ts in people_repo.invitation_messages(s, survey_id)
                ),
            )
            return results

    def charts_due(self, within: timedelta = timedelta(days=1)) -> list[tuple[str, SurveyResults, str]]:
        """Surveys closed in the last day whose results may be shown and whose workspace has a digest
        channel, not charted yet: (team, results, channel). The claim makes each chart go out once."""
        now = self._core.clock.now()
        with self._core.sessions.begin() as s:
            due = []
            for survey in results_repo.closed_since(s, now - within):
                channel = self._core.settings.get(survey.team_id).digest_channel
                if not channel or period_claimed(s, survey.team_id, "pulse_chart", str(survey.id)):
                    continue
                results = self.results(s, survey)
                if results.withheld_reason or not any(not q.hidden and q.answered for q in results.questions):
                    continue
                due.append((survey.team_id, results, channel))
        claimed = []
        for team_id, results, channel in due:
            with self._core.sessions.begin() as s:
                if claim_period(s, team_id, "pulse_chart", str(results.survey.id), now):
                    claimed.append((team_id, results, channel))
        return claimed
