"""The learned per-workspace classifier: hashed word and character n-grams, an online linear model.

Stored as plain arrays (float32 bytes, zlib-compressed) and JSON, never pickle: loading a model can
then never run code, and a damaged one fails loudly (CorruptModel) instead of misbehaving.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.domain.sentiment import LABELS, Opinion

if TYPE_CHECKING:
    from sklearn.linear_model import SGDClassifier

# 2**15 word and 2**15 character features: 3 classes x 65 536 weights, 786 kB of float32 at most.
WORD_FEATURES = 2**15
CHAR_FEATURES = 2**15
N_FEATURES = WORD_FEATURES + CHAR_FEATURES
CLASSES = tuple(sorted(LABELS))
FORMAT = 1
# Texts are cut to this many characters for learning and scoring: enough to read the gist of a message,
# and it bounds the time of one item.
MAX_CHARS = 5_000

# scikit-learn and scipy take about 90 MB and a second to import: only a workspace that learns pays it.
_vectorisers: tuple[Any, Any] | None = None
_lock = threading.Lock()


def _hashing() -> tuple[Any, Any]:
    global _vectorisers
    if _vectorisers is None:
        with _lock:
            if _vectorisers is None:
                from sklearn.feature_extraction.text import HashingVectorizer

                words = HashingVectorizer(
                    n_features=WORD_FEATURES,
                    ngram_range=(1, 2),
                    alternate_sign=False,
                    norm="l2",
                    lowercase=True,
                )
                chars = HashingVectorizer(
                    n_features=CHAR_FEATURES,
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    alternate_sign=False,
                    norm="l2",
                )
                _vectorisers = (words, chars)
    return _vectorisers


class CorruptModel(Exception):
    """Stored model arrays that cannot be read back (wrong size, bad bytes, not finite, unknown format)."""


@dataclass(frozen=True)
class ModelArrays:
    """What is stored: the format version, class names, and the weights as compressed float32 bytes."""

    format: int
    classes: list[str]
    coef: bytes
    intercept: bytes
    # SGD's step counter: its learning rate shrinks with it, so it must survive a reload.
    steps: float


def vectorise(texts: Sequence[str]) -> Any:
    """Word 1-2-grams and character 3-5-grams (within words), hashed: no vocabulary to store or grow."""
    from scipy.sparse import hstack

    words, chars = _hashing()
    cut = [t[:MAX_CHARS] for t in texts]
    return hstack([words.transform(cut), chars.transform(cut)]).tocsr()


class Learner:
    """An SGD logistic-regression classifier over hashed n-grams, updated one example at a time."""

    def __init__(self, model: SGDClassifier | None = None) -> None:
        if model is None:
            from sklearn.linear_model import SGDClassifier

            model = SGDClassifier(loss="log_loss", alpha=1e-5, random_state=0)
        self.model = model

    @property
    def fitted(self) -> bool:
        return hasattr(self.model, "coef_")

    def learn(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        if texts:
            self.model.partial_fit(vectorise(texts), list(labels), classes=list(CLASSES))

    def predict_then_learn(self, texts: Sequence[str], labels: Sequence[str]) -> list[Opinion | None]:
        """What the model says of each text before learning them, then one update with all of them: the
        texts are vectorised once (a batch's evaluation and learning share the work)."""
        if not texts:
            return []
        features = vectorise(texts)
        before: list[Opinion | None] = [None] * len(texts)
        if self.fitted:
            probabilities = self.model.predict_proba(features)
            best = np.argmax(probabilities, axis=1)
            before = [
                Opinion(str(self.model.classes_[b]), float(p[b]))
                for b, p in zip(best, probabilities, strict=True)
            ]
        self.model.partial_fit(features, list(labels), classes=list(CLASSES))
        return before

    def predict(self, text: str) -> Opinion | None:
        """The most probable label and its probability; None before anything was learned."""
        if not self.fitted:
            return None
        probabilities = self.model.predict_proba(vectorise([text]))[0]
        best = int(np.argmax(probabilities))
        return Opinion(str(self.model.classes_[best]), float(probabilities[best]))

    def predict_many(self, texts: Sequence[str]) -> list[Opinion | None]:
        """predict() for many texts at once (one vectorisation, one matrix product: much faster)."""
        if not self.fitted:
            return [None] * len(texts)
        if not texts:
            return []
        probabilities = self.model.predict_proba(vectorise(texts))
        best = np.argmax(probabilities, axis=1)
        return [
            Opinion(str(self.model.classes_[b]), float(p[b]))
            for b, p in zip(best, probabilities, strict=True)
        ]

    def to_arrays(self) -> ModelArrays:
        if not self.fitted:
            raise CorruptModel("nothing learned yet")
        coef = np.asarray(self.model.coef_, dtype=np.float32)
        intercept = np.asarray(self.model.intercept_, dtype=np.float32)
        return ModelArrays(
            FORMAT,
            [str(c) for c in self.model.classes_],
            zlib.compress(coef.tobytes(), 1),
            zlib.compress(intercept.tobytes(), 1),
            float(self.model.t_),
        )

    @classmethod
    def from_arrays(cls, arrays: ModelArrays) -> Learner:
        """Rebuild a learner from stored arrays; CorruptModel if anything does not add up."""
        if arrays.format != FORMAT or list(arrays.classes) != list(CLASSES):
            raise CorruptModel(f"unknown model format {arrays.format} / classes {arrays.classes}")
        try:
            coef = np.frombuffer(zlib.decompress(arrays.coef), dtype=np.float32)
            intercept = np.frombuffer(zlib.decompress(arrays.intercept), dtype=np.float32)
        except (zlib.error, ValueError, TypeError) as exc:
            raise CorruptModel(f"unreadable weights: {exc}") from exc
        if coef.size != len(CLASSES) * N_FEATURES or intercept.size != len(CLASSES):
            raise CorruptModel(f"weights of the wrong size: {coef.size}, {intercept.size}")
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all() and arrays.steps >= 1):
            raise CorruptModel("weights that are not finite")
        learner = cls()
        model = learner.model
        # A fitted SGDClassifier is its weights and classes; partial_fit goes on from them.
        model.coef_ = coef.reshape(len(CLASSES), N_FEATURES).astype(np.float64)
        model.intercept_ = intercept.astype(np.float64)
        model.classes_ = np.array(CLASSES)
        model.n_features_in_ = N_FEATURES
        model.t_ = float(arrays.steps)
        model._expanded_class_weight = np.ones(len(CLASSES))
        return learner
