"""TextBlob's sentiment lexicon (the "pattern" analyzer), loaded without the rest of TextBlob.

`import textblob` imports NLTK, and NLTK imports scipy and scikit-learn when they are installed: about
130 MB of memory for a 5 MB word list. The lexicon and its reader live in `textblob/_text.py`, which needs
only the standard library, so that one file is loaded on its own and configured as `textblob.en`
configures it. `tests/test_feedback_sentiment.py` checks the scores stay identical to `TextBlob(text)`.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

NEGATIONS = ("no", "not", "n't", "never")

_analyzer: Callable[[str], tuple[float, float]] | None = None
_lock = threading.Lock()


def _textblob_text() -> tuple[ModuleType, str]:
    """TextBlob's `_text` module, executed apart from its package (so TextBlob's __init__ never runs)."""
    spec = importlib.util.find_spec("textblob")  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("textblob is not installed")
    folder = os.path.dirname(spec.origin)
    text_spec = importlib.util.spec_from_file_location(
        "empathy_bot_textblob_text", os.path.join(folder, "_text.py")
    )
    if text_spec is None or text_spec.loader is None:
        raise ModuleNotFoundError("textblob/_text.py is missing")
    module = importlib.util.module_from_spec(text_spec)
    text_spec.loader.exec_module(module)
    return module, folder


def _build() -> Callable[[str], tuple[float, float]]:
    text, folder = _textblob_text()

    class EnglishSentiment(text.Sentiment):  # type: ignore[name-defined]
        """As in `textblob.en`: every adjective also scores as its -ly adverb ("terrible" -> "terribly")."""

        def load(self, path: str | None = None) -> None:
            super().load(path)
            if path:
                return
            entries: list[tuple[str, dict[str, tuple[float, float, float]]]] = list(dict.items(self))
            for word, tags in entries:
                if "JJ" not in tags:
                    continue
                stem = word[:-1] + "i" if word.endswith("y") else word
                stem = stem[:-2] if stem.endswith("le") else stem
                polarity, subjectivity, intensity = tags["JJ"]
                self.annotate(stem + "ly", "RB", polarity, subjectivity, intensity)

    tokenizer: Any = text.Parser(lexicon=text.Lexicon(), language="en").find_tokens
    analyzer: Callable[[str], tuple[float, float]] = EnglishSentiment(
        path=os.path.join(folder, "en", "en-sentiment.xml"),
        synset="wordnet_id",
        negations=NEGATIONS,
        modifiers=("RB",),
        modifier=lambda word: word.endswith("ly"),
        tokenizer=tokenizer,
        language="en",
    )
    # TextBlob's lexicon is a lazy dict, filled on first use: fill it here, under the caller's lock, so
    # that no thread can score against a lexicon whose -ly adverbs are not added yet.
    len(analyzer)  # type: ignore[arg-type]
    return analyzer


def pattern_sentiment(text: str) -> tuple[float, float]:
    """(polarity -1..1, subjectivity 0..1) of `text`, exactly as `TextBlob(text).sentiment` gives them."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = _build()
    return _analyzer(text)
