"""The learner alone: hashed features, AdaGrad state that survives storage, what it refuses to load."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.services.sentiment_cache import Cached, ModelCache
from bot.services.sentiment_learner import (
    CorruptModel,
    Learner,
    Model,
    ModelArrays,
    OutdatedModel,
    features,
)

TEXTS = [
    "The parcel came late and nobody answered my emails",
    "Lovely service, the team called me back the same day",
    "It was fine, nothing special",
    "Still waiting for a refund, third time asking",
]
LABELS = ["negative", "positive", "neutral", "negative"]


def test_features_are_the_same_in_every_process() -> None:
    """Stored weights are indexed by the hash of each n-gram: a per-process hash (Python's hash() of a
    str is salted per process) would make every reloaded model read another text."""
    text = TEXTS[0]
    code = (
        f"from bot.services.sentiment_learner import features\nprint(sorted(features({text!r})[0].tolist()))"
    )
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=repo, env=env, check=True
    )
    assert other.stdout.strip() == str(sorted(features(text)[0].tolist()))


def test_each_block_of_features_has_unit_length() -> None:
    indices, values = features("Slow slow SLOW delivery, slow!")
    words = indices < 2**15
    assert np.isclose(np.linalg.norm(values[words]), 1.0)
    assert np.isclose(np.linalg.norm(values[~words]), 1.0)
    assert features("  \n")[0].size == 0


def test_a_stored_model_learns_on_exactly_as_the_one_in_memory() -> None:
    """AdaGrad's sums and the per-label counts are stored with the weights: without them a reloaded model
    would take full-size steps again and forget how rare each label has been."""
    kept = Learner()
    kept.learn(TEXTS, LABELS)
    reloaded = Learner.from_arrays(kept.to_arrays())
    for learner in (kept, reloaded):
        learner.learn(["Late again, and the box was crushed"], ["negative"])
    assert np.array_equal(kept.weights, reloaded.weights) and np.array_equal(kept.bias, reloaded.bias)
    assert kept.predict(TEXTS[0]) == reloaded.predict(TEXTS[0])
    assert reloaded.to_arrays().steps == 5


def test_predict_then_learn_judges_the_batch_as_the_model_was() -> None:
    learner = Learner()
    assert learner.predict_then_learn(TEXTS[:2], LABELS[:2]) == [None, None]
    before = learner.predict(TEXTS[3])
    said = learner.predict_then_learn(TEXTS[2:], LABELS[2:])
    assert said[1] == before
    assert learner.fitted and learner.counts.tolist() == [2, 1, 1]


def test_what_cannot_be_read_is_refused() -> None:
    learner = Learner()
    learner.learn(TEXTS, LABELS)
    good = learner.to_arrays()
    with pytest.raises(OutdatedModel):
        Learner.from_arrays(replace(good, format=1, state=None))
    for bad in (
        replace(good, format=99),
        replace(good, coef=b"not a model"),
        replace(good, state=None),
        replace(good, steps=7.0),  # the counts say 4
        replace(good, classes=["good", "bad", "ugly"]),
    ):
        with pytest.raises(CorruptModel) as refused:
            Learner.from_arrays(bad)
        assert not isinstance(refused.value, OutdatedModel)
    with pytest.raises(CorruptModel):
        Learner().to_arrays()


def test_arrays_are_plain_bytes() -> None:
    learner = Learner()
    learner.learn(TEXTS, LABELS)
    arrays = learner.to_arrays()
    assert isinstance(arrays, ModelArrays)
    assert all(isinstance(b, bytes) for b in (arrays.coef, arrays.intercept, arrays.state))


def test_judging_keeps_only_the_weights_in_memory() -> None:
    """A workspace's model is cached for judging as weights alone: half a Learner, the same opinions."""
    learner = Learner()
    learner.learn(TEXTS, LABELS)
    arrays = learner.to_arrays()
    model = Model.from_arrays(arrays)
    assert not isinstance(model, Learner) and model.nbytes * 2 < learner.nbytes
    assert [model.predict(t) for t in TEXTS] == [learner.predict(t) for t in TEXTS]
    # Its learner state is read (and checked) only to learn: judging goes on with a damaged one.
    damaged = replace(arrays, state=b"garbage")
    assert Model.from_arrays(damaged).predict(TEXTS[0]) == learner.predict(TEXTS[0])
    with pytest.raises(CorruptModel):
        Learner.from_arrays(damaged)


def test_the_model_cache_keeps_the_most_recently_used_at_their_version() -> None:
    cache = ModelCache(size=2)
    model = Model()
    for team in ("T1", "T2"):
        cache.put(team, Cached(1, model, True))
    assert cache.get("T1", 1) is not None  # T1 used: T2 is now the least recent
    cache.put("T3", Cached(1, model, True))
    assert cache.get("T2", 1) is None and cache.get("T1", 1) is not None
    assert cache.get("T1", 2) is None  # saved since: read again
    cache.forget("T1")
    assert cache.get("T1", 1) is None
