"""Each workspace's learned sentiment model: learn from ratings and corrections, judge, forget customers.

The one door to sentiment for other services: `judge` gives the Judgement of a text (the rating first, the
learned model when it has earned its place, else the base scorer). The model is used for unrated items
only once it has seen `min_examples` examples AND, on the last examples it had not trained on yet (each
batch is judged before it is learned: measured, stored), holds at least `min_per_label` of each of
negative and positive and beats the base scorer's balanced accuracy by `margin`: phase 1 compared on ~100
items holding ~15 negatives, too few to tell a better model from luck, and put models in use too early.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain import sentiment
from bot.domain.ratings import RatingInvalid, RatingScale
from bot.domain.sentiment import (
    FROM_BASE,
    FROM_MODEL,
    NEEDS_REVIEW,
    NOT_SCORED,
    Judgement,
    Opinion,
    Thresholds,
)
from bot.domain.sentiment_learning import LabelledText, ModelQuality
from bot.services.sentiment_cache import Cached, ModelCache
from bot.services.sentiment_gate import (
    MARGIN,
    MIN_EXAMPLES,
    MIN_PER_LABEL,
    MIN_WINDOW,
    WINDOW,
    evaluations,
    qualifies,
)
from bot.services.sentiment_learner import FORMAT, CorruptModel, Learner, Model, ModelArrays, OutdatedModel
from storage.models.sentiment import SentimentModel
from storage.repositories import sentiment as repo

log = logging.getLogger(__name__)

REBUILD_BATCH = 256


class SentimentModelService:
    """Per-workspace models; workspaces never share a model or an example."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        thresholds: Thresholds | None = None,
        min_examples: int = MIN_EXAMPLES,
        window: int = WINDOW,
        min_window: int = MIN_WINDOW,
        min_per_label: int = MIN_PER_LABEL,
        margin: float = MARGIN,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._thresholds = thresholds or Thresholds()
        self._min_examples = min_examples
        self._window = window
        self._min_window = min(min_window, window)
        self._min_per_label = min_per_label
        self._margin = margin
        self._cache = ModelCache()

    @contextmanager
    def _transaction(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
            return
        with self._sessions.begin() as own:
            yield own

    def judge_many(
        self,
        team_id: str,
        items: Sequence[tuple[str, float | int | str | None, RatingScale | None]],
        *,
        thresholds: Thresholds | None = None,
    ) -> list[Judgement | RatingInvalid]:
        """judge() for a batch (CSV import): the model is read once and predicts all texts in one go; an
        item whose rating is off its scale gets its RatingInvalid in place of a Judgement."""
        model = self._model_in_use(team_id, None)
        texts = [text for text, _, _ in items]
        opinions = model.predict_many(texts) if model is not None else [None] * len(texts)
        limits = thresholds or self._thresholds
        out: list[Judgement | RatingInvalid] = []
        for (text, rating, scale), opinion in zip(items, opinions, strict=True):
            try:
                out.append(
                    sentiment.judge(
                        text,
                        rating,
                        scale,
                        learned=_fixed(opinion) if opinion is not None else None,
                        thresholds=limits,
                    )
                )
            except RatingInvalid as invalid:
                out.append(invalid)
        return out

    def judge(
        self,
        team_id: str,
        text: str,
        rating: float | int | str | None = None,
        scale: RatingScale | None = None,
        *,
        session: Session | None = None,
        thresholds: Thresholds | None = None,
    ) -> Judgement:
        """The Judgement of `text` in this workspace. Raises RatingInvalid for a rating off its scale."""
        model = self._model_in_use(team_id, session)
        return sentiment.judge(
            text,
            rating,
            scale,
            learned=model.predict if model is not None else None,
            thresholds=thresholds or self._thresholds,
        )

    def learn(
        self,
        team_id: str,
        text: str,
        label: str,
        origin: str,
        customer: str | None = None,
        *,
        item_ref: str | None = None,
        session: Session | None = None,
    ) -> None:
        """Learn one labelled text (a rated item, or a team member's correction). FieldError if invalid."""
        self.learn_many(team_id, [LabelledText(text, label, origin, customer, item_ref)], session=session)

    def learn_many(
        self,
        team_id: str,
        items: Sequence[LabelledText],
        *,
        session: Session | None = None,
        judged: Sequence[Judgement | None] | None = None,
    ) -> int:
        """Learn a batch (e.g. a CSV import of history): judged first by the model as it was, then learned
        in one model update. `judged`, when given, holds each item's judgement made at intake: its words
        were scored already, so its `base_label` is used instead of scoring them again."""
        if not items:
            return 0
        with self._transaction(session) as s:
            row = repo.load_model(s, team_id, for_update=True)
            learner, recent = self._readable(s, team_id, row)
            was_in_use = row is not None and row.in_use and learner.fitted
            # Judged by the model as it was, then learned: one vectorisation, one update for the batch.
            before = learner.predict_then_learn([i.text for i in items], [i.label for i in items])
            now = self._clock.now()
            refs = [i.item_ref for i in items if i.item_ref]
            existing = repo.examples_for_items(s, team_id, refs) if refs else {}
            new: dict[str | int, dict[str, object]] = {}
            for index, (item, model_opinion) in enumerate(zip(items, before, strict=True)):
                given = judged[index] if judged is not None else None
                if given is None or given.base_label is None:
                    given = sentiment.judge(item.text, thresholds=self._thresholds)
                base_label = given.base_label or given.label
                english = given.language == "en"
                predicted = (base_label, FROM_BASE if base_label != NEEDS_REVIEW else NOT_SCORED)
                if was_in_use and model_opinion is not None and english:
                    sure = model_opinion.confidence >= self._thresholds.min_confidence
                    predicted = (model_opinion.label if sure else NEEDS_REVIEW, FROM_MODEL)
                if model_opinion is not None and english:
                    right = [int(model_opinion.label == item.label), int(base_label == item.label)]
                    recent.append([*right, sentiment.LABELS.index(item.label)])
                values: dict[str, object] = {
                    "team_id": team_id,
                    "item_ref": item.item_ref,
                    "text": item.text,
                    "label": item.label,
                    "origin": item.origin,
                    "customer": item.customer,
                    "predicted": predicted[0],
                    "predicted_by": predicted[1],
                    "created_at": now,
                }
                stored = existing.get(item.item_ref) if item.item_ref else None
                if stored is not None:
                    values["customer"] = item.customer or stored.customer
                    for key, value in values.items():
                        setattr(stored, key, value)
                else:
                    new[item.item_ref or index] = values  # a later example of the same item replaces it
            repo.add_examples(s, list(new.values()))
            seen = (row.examples_seen if row is not None else 0) + len(items)
            self._save(s, team_id, learner, seen, recent[-self._window :], row)
        if session is None:
            self._forget_cache(team_id)
        return len(items)

    def _qualifies(self, seen: int, recent: list[list[int]]) -> bool:
        return qualifies(
            seen,
            recent,
            min_examples=self._min_examples,
            min_window=self._min_window,
            min_per_label=self._min_per_label,
            margin=self._margin,
        )

    def _save(
        self,
        s: Session,
        team_id: str,
        learner: Learner,
        seen: int,
        recent: list[list[int]],
        row: SentimentModel | None,
    ) -> None:
        arrays = learner.to_arrays()
        if row is None:
            row = SentimentModel(team_id=team_id, version=0)
        row.format = arrays.format
        row.classes = arrays.classes
        row.coef = arrays.coef
        row.intercept = arrays.intercept
        row.steps = arrays.steps
        row.state = arrays.state
        row.examples_seen = seen
        row.recent = recent
        row.in_use = self._qualifies(seen, recent)
        row.version = (row.version or 0) + 1
        row.updated_at = self._clock.now()
        repo.save_model(s, row)
        s.flush()

    def _readable(
        self, s: Session, team_id: str, row: SentimentModel | None
    ) -> tuple[Learner, list[list[int]]]:
        """The stored learner and its evaluations; a corrupt one is logged and rebuilt."""
        if row is None:
            return Learner(), []
        try:
            return Learner.from_arrays(_arrays(row)), evaluations(row.recent)
        except OutdatedModel as exc:
            # The earlier learner's measured standing is not this one's: it earns its place again.
            log.info("Sentiment model of %s is %s: rebuilding it from its examples", team_id, exc)
            return self._rebuilt(s, team_id), []
        except (CorruptModel, TypeError, ValueError) as exc:
            log.warning(
                "Sentiment model of %s is corrupt (%s): rebuilding it from its examples", team_id, exc
            )
            return self._rebuilt(s, team_id), []

    def _rebuilt(self, s: Session, team_id: str) -> Learner:
        learner = Learner()
        stored = repo.examples(s, team_id)
        for start in range(0, len(stored), REBUILD_BATCH):
            batch = stored[start : start + REBUILD_BATCH]
            learner.learn([e.text for e in batch], [e.label for e in batch])
        return learner

    def _model_in_use(self, team_id: str, session: Session | None) -> Model | None:
        with self._transaction(session) as s:
            version = repo.model_version(s, team_id)
            if version is None:
                return None
            cached = self._cache.get(team_id, version)
            if cached is not None:
                return cached.model if cached.in_use else None
            row = repo.load_model(s, team_id)
            if row is None:
                return None
            try:
                model = Model.from_arrays(_arrays(row))
            except OutdatedModel as exc:
                # Rebuilt by the learning job (upgrade_outdated), never here: this may run before an ack.
                log.info("Sentiment model of %s is %s: base scorer used until it is rebuilt", team_id, exc)
                self._cache.put(team_id, Cached(version, None, False))
                return None
            except (CorruptModel, TypeError, ValueError) as exc:
                log.warning(
                    "Sentiment model of %s is corrupt (%s): base scorer used, model rebuilt", team_id, exc
                )
                self.rebuild(team_id, session=s)
                if session is None:
                    self._forget_cache(team_id)
                return None
            # Cached with the version read, also inside a caller's (read-only) transaction: a model saved
            # later has another version and is reloaded.
            self._cache.put(team_id, Cached(version, model, row.in_use))
            return model if row.in_use else None

    def rebuild(self, team_id: str, *, session: Session | None = None) -> None:
        """Train the workspace's model afresh from its stored examples (none left: the model is removed).

        The measured standing (recent evaluations) is kept when readable, so a rebuilt model keeps or
        loses its place on evidence, not by accident; a model an earlier learner stored starts with none
        (its standing was that learner's)."""
        with self._transaction(session) as s:
            self._rebuild_row(s, team_id, repo.load_model(s, team_id, for_update=True))
        if session is None:
            self._forget_cache(team_id)

    def _rebuild_row(self, s: Session, team_id: str, row: SentimentModel | None) -> None:
        """`rebuild` with the workspace's model row already read (and locked)."""
        learner = self._rebuilt(s, team_id)
        if not learner.fitted:
            repo.delete_model(s, team_id)
        else:
            recent = evaluations(row.recent) if row is not None and row.format >= FORMAT else []
            self._save(s, team_id, learner, repo.count_examples(s, team_id), recent, row)

    def upgrade_outdated(self) -> int:
        """Rebuild, from their examples, the models stored by an earlier learner (FORMAT); how many. Each
        starts with no measured standing, so it is used again only once it beats the base scorer."""
        with self._sessions() as s:
            teams = repo.teams_with_models_before(s, FORMAT)
        upgraded = 0
        for team_id in teams:
            try:
                with self._sessions.begin() as s:
                    row = repo.load_model(s, team_id, for_update=True)
                    if row is None or row.format >= FORMAT:  # another process upgraded it meanwhile
                        continue
                    self._rebuild_row(s, team_id, row)
            except Exception:  # one workspace's failure must not stop the others' (nor their learning)
                log.exception("Upgrading the sentiment model of %s failed; retried on the next run", team_id)
                continue
            self._forget_cache(team_id)
            upgraded += 1
        return upgraded

    def forget_customer(
        self, team_id: str, ref: str, *, item_refs: Sequence[str] = (), session: Session | None = None
    ) -> int:
        """Delete the examples of customer `ref` (case-insensitive) and those their items gave (e.g.
        "feedback:42"), then rebuild the model without them, once."""
        needle = ref.strip().lower()
        with self._transaction(session) as s:
            removed = repo.delete_customer_examples(s, team_id, needle) if needle else 0
            if item_refs:
                removed += repo.delete_item_examples(s, team_id, list(item_refs))
            if removed:
                self.rebuild(team_id, session=s)
        self._forget_cache(team_id)
        return removed

    def forget_cached(self, team_id: str) -> None:
        """Drop the in-memory copy (after a caller's transaction that changed the model committed)."""
        self._forget_cache(team_id)

    def forget_workspace(self, team_id: str, *, session: Session | None = None) -> None:
        """Delete every example and the model of a workspace (uninstall, erasure)."""
        with self._transaction(session) as s:
            repo.delete_team(s, team_id)
        self._forget_cache(team_id)

    def quality(self, team_id: str, days: int = 30) -> ModelQuality:
        """Agreement with the team's ratings and corrections over `days`, and which scorer is in use."""
        with self._sessions() as s:
            agreed, judged = repo.agreement_since(s, team_id, self._clock.now() - timedelta(days=days))
            row = repo.load_model(s, team_id)
            examples = repo.count_examples(s, team_id)
            recent = evaluations(row.recent) if row is not None else []
            in_use = FROM_MODEL if row is not None and row.in_use else sentiment.FROM_BASE
        return ModelQuality(
            days=days,
            agreed=agreed,
            judged=judged,
            in_use=in_use,
            examples=examples,
            model_right=sum(e[0] for e in recent),
            base_right=sum(e[1] for e in recent),
            window=len(recent),
        )

    def _forget_cache(self, team_id: str) -> None:
        self._cache.forget(team_id)


def _arrays(row: SentimentModel) -> ModelArrays:
    return ModelArrays(row.format, list(row.classes), row.coef, row.intercept, row.steps, row.state)


def _fixed(opinion: Opinion) -> Callable[[str], Opinion | None]:
    """A learned opinion already computed (in a batch), in the shape `sentiment.judge` asks for."""
    return lambda _text: opinion
