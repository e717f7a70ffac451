"""The learned per-workspace classifier: hashed word and character n-grams, a softmax regression learned
online with AdaGrad, in numpy.

It was scikit-learn's HashingVectorizer and SGDClassifier.partial_fit. Written here instead (about a
hundred lines) because: importing scikit-learn and scipy cost a learning workspace's process about
90 MB; each partial_fit call did dense work over all 3 x 65 536 weights (10-60 ms however small the
batch); and SGD's "optimal" step size starts near 18 on normalised features, so with a few hundred
examples the model followed its latest examples and, on the 75 %-positive reviews of bench/sentiment.py,
labelled most complaints positive. AdaGrad (per-weight steps that shrink with the squared gradients seen)
touches only the weights of the text's n-grams, and each example is weighted by how rare its label has
been so far, so a business whose customers are mostly happy still teaches the model its complaints.

Stored as plain arrays (float32 bytes, zlib-compressed) and JSON, never pickle: loading a model can
then never run code, and a damaged one fails loudly (CorruptModel) instead of misbehaving.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.domain.sentiment import LABELS, Opinion

# 2**15 word and 2**15 character features: 3 classes x 65 536 weights, 786 kB of float32 at most.
WORD_FEATURES = 2**15
CHAR_FEATURES = 2**15
N_FEATURES = WORD_FEATURES + CHAR_FEATURES
CLASSES = tuple(sorted(LABELS))
# 1: scikit-learn's SGDClassifier (murmurhash features); 2: this module. A model stored in an older format
# is rebuilt from the workspace's examples (OutdatedModel), which are kept for that.
FORMAT = 2
# Texts are cut to this many characters for learning and scoring: enough to read the gist of a message,
# and it bounds the time of one item.
MAX_CHARS = 5_000
# AdaGrad's base step: the common default for online learning on normalised hashed features (Vowpal
# Wabbit's 0.5); chosen before measuring, not tuned to a data set.
LEARNING_RATE = 0.5
_TOKEN = re.compile(r"(?u)\b\w\w+\b")

Features = tuple[np.ndarray, np.ndarray]  # hashed indices (int64), values (float64)


class CorruptModel(Exception):
    """Stored model arrays that cannot be read back (wrong size, bad bytes, not finite, unknown format)."""


class OutdatedModel(CorruptModel):
    """A model stored in an earlier format: readable by nothing here, rebuilt from its examples."""


@dataclass(frozen=True)
class ModelArrays:
    """What is stored: the format version, class names, the weights as compressed float32 bytes, and the
    learner's own state (AdaGrad's squared-gradient sums and the examples learned per class)."""

    format: int
    classes: list[str]
    coef: bytes
    intercept: bytes
    # Examples learned so far (a model with none is not stored).
    steps: float
    state: bytes | None


def features(text: str) -> Features:
    """Word 1-2-grams and character 3-5-grams (within words, padded with a space), hashed (crc32: stable
    across processes and machines) into two blocks, each scaled to unit length."""
    lowered = text[:MAX_CHARS].lower()
    words = _TOKEN.findall(lowered)
    word_grams = Counter(words)
    word_grams.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    char_grams: Counter[str] = Counter()
    for word in lowered.split():
        padded = f" {word} "
        for n in (3, 4, 5):
            char_grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    merged = _hashed(word_grams, 0, WORD_FEATURES)
    merged.update(_hashed(char_grams, WORD_FEATURES, CHAR_FEATURES))
    return np.fromiter(merged.keys(), np.int64, len(merged)), np.fromiter(merged.values(), float, len(merged))


def _hashed(grams: Counter[str], offset: int, size: int) -> dict[int, float]:
    counts: dict[int, float] = {}
    for gram, n in grams.items():
        index = offset + zlib.crc32(gram.encode("utf-8")) % size
        counts[index] = counts.get(index, 0.0) + n
    norm = math.sqrt(sum(v * v for v in counts.values()))
    return {index: value / norm for index, value in counts.items()}


class Model:
    """What judging needs of a learned model: its weights. A workspace's model is kept in memory like
    this (half the size of a Learner, which also holds AdaGrad's sums to go on learning)."""

    def __init__(self) -> None:
        k = len(CLASSES)
        self.weights = np.zeros((k, N_FEATURES), dtype=np.float32)
        # float32 like what is stored: a reloaded model goes on exactly as the one in memory would.
        self.bias = np.zeros(k, dtype=np.float32)
        self._examples = 0.0

    @property
    def examples(self) -> float:
        """How many examples it learned (stored as `steps`)."""
        return self._examples

    @property
    def fitted(self) -> bool:
        return self.examples > 0

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays of this model."""
        return self.weights.nbytes + self.bias.nbytes

    def _probabilities(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        scores = self.weights[:, indices] @ values + self.bias
        exp = np.exp(scores - scores.max())
        return np.asarray(exp / exp.sum())

    def _opinion(self, row: Features) -> Opinion | None:
        if not self.fitted:
            return None
        probabilities = self._probabilities(*row)
        best = int(np.argmax(probabilities))
        return Opinion(CLASSES[best], float(probabilities[best]))

    def predict(self, text: str) -> Opinion | None:
        """The most probable label and its probability; None before anything was learned."""
        return self._opinion(features(text))

    def predict_many(self, texts: Sequence[str]) -> list[Opinion | None]:
        return [self._opinion(features(text)) for text in texts]

    @classmethod
    def from_arrays(cls, arrays: ModelArrays) -> Model:
        """The stored weights, for judging; CorruptModel if they do not add up (the learner's own state
        is read, and checked, only to learn: Learner.from_arrays)."""
        model = cls()
        model.weights, model.bias = _weights(arrays)
        model._examples = arrays.steps
        return model


def _weights(arrays: ModelArrays) -> tuple[np.ndarray, np.ndarray]:
    if arrays.format < FORMAT:
        raise OutdatedModel(f"stored in format {arrays.format}, this version reads {FORMAT}")
    if arrays.format != FORMAT or list(arrays.classes) != list(CLASSES):
        raise CorruptModel(f"unknown model format {arrays.format} / classes {arrays.classes}")
    k = len(CLASSES)
    try:
        coef = np.frombuffer(zlib.decompress(arrays.coef), dtype=np.float32)
        intercept = np.frombuffer(zlib.decompress(arrays.intercept), dtype=np.float32)
    except (zlib.error, ValueError, TypeError) as exc:
        raise CorruptModel(f"unreadable weights: {exc}") from exc
    if coef.size != k * N_FEATURES or intercept.size != k:
        raise CorruptModel(f"weights of the wrong size: {coef.size}, {intercept.size}")
    if not (np.isfinite(coef).all() and np.isfinite(intercept).all() and arrays.steps >= 1):
        raise CorruptModel("weights that are not finite, or no example learned")
    return coef.reshape(k, N_FEATURES).copy(), intercept.copy()


class Learner(Model):
    """Softmax regression over hashed n-grams, learned one example at a time with AdaGrad steps."""

    def __init__(self) -> None:
        super().__init__()
        k = len(CLASSES)
        self.squares = np.zeros((k, N_FEATURES), dtype=np.float32)
        self.bias_squares = np.zeros(k, dtype=np.float32)
        self.counts = np.zeros(k)

    @property
    def examples(self) -> float:
        return float(self.counts.sum())

    @property
    def nbytes(self) -> int:
        return super().nbytes + self.squares.nbytes + self.bias_squares.nbytes + self.counts.nbytes

    def _step(self, indices: np.ndarray, values: np.ndarray, label: int) -> None:
        self.counts[label] += 1
        # Balanced: an example counts as much as its label is rare so far (all labels seen alike: 1).
        weight = self.counts.sum() / (np.count_nonzero(self.counts) * self.counts[label])
        gradient = self._probabilities(indices, values)
        gradient[label] -= 1.0
        gradient *= weight
        grads = np.outer(gradient, values).astype(np.float32)
        squares = self.squares[:, indices] + grads * grads
        self.squares[:, indices] = squares
        self.weights[:, indices] -= LEARNING_RATE * grads / np.sqrt(squares + 1e-12)
        self.bias_squares += gradient * gradient
        self.bias -= LEARNING_RATE * gradient / np.sqrt(self.bias_squares + 1e-12)

    def learn(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        for text, label in zip(texts, labels, strict=True):
            self._step(*features(text), CLASSES.index(label))

    def predict_then_learn(self, texts: Sequence[str], labels: Sequence[str]) -> list[Opinion | None]:
        """What the model says of each text before learning any of them, then learn them in turn: the
        texts are hashed once (a batch's evaluation and learning share the work)."""
        rows = [features(text) for text in texts]
        before = [self._opinion(row) for row in rows]
        for row, label in zip(rows, labels, strict=True):
            self._step(*row, CLASSES.index(label))
        return before

    def to_arrays(self) -> ModelArrays:
        if not self.fitted:
            raise CorruptModel("nothing learned yet")
        state = np.concatenate([self.squares.ravel(), self.bias_squares, self.counts]).astype(np.float32)
        return ModelArrays(
            FORMAT,
            list(CLASSES),
            zlib.compress(self.weights.tobytes(), 1),
            zlib.compress(self.bias.tobytes(), 1),
            self.examples,
            zlib.compress(state.tobytes(), 1),
        )

    @classmethod
    def from_arrays(cls, arrays: ModelArrays) -> Learner:
        """A learner from stored arrays, to learn on; CorruptModel if anything does not add up."""
        weights, bias = _weights(arrays)
        k = len(CLASSES)
        try:
            state = np.frombuffer(zlib.decompress(arrays.state or b""), dtype=np.float32)
        except (zlib.error, ValueError, TypeError) as exc:
            raise CorruptModel(f"unreadable learner state: {exc}") from exc
        if state.size != k * N_FEATURES + 2 * k:
            raise CorruptModel(f"learner state of the wrong size: {state.size}")
        counts = state[-k:].astype(np.float64)
        if not np.isfinite(state).all() or (state < 0).any() or counts.sum() != arrays.steps:
            raise CorruptModel("learner state that does not add up")
        learner = cls()
        learner.weights, learner.bias = weights, bias
        learner.squares = state[: k * N_FEATURES].reshape(k, N_FEATURES).copy()
        learner.bias_squares = state[k * N_FEATURES : k * N_FEATURES + k].copy()
        learner.counts = counts
        return learner
