"""Sentiment quality and cost on public labelled text. Run by hand:
python -m bench.sentiment [--data CSV] [--shuffle SEED]

CSV: the fine-food reviews (Text, Score) or any text,label file. Per set: cold start (no labels) for
TextBlob alone (before), VADER alone, and the pipeline (after); the language detector; the learned
model's curve after the stream's first 50/100/300/1000 items (scored on the rest); throughput, model
size, and resident memory with 10 workspaces' models loaded (in a fresh process).
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FixedClock
from bot.domain import sentiment
from bot.domain.ratings import parse_scale
from bot.domain.sentiment import NEEDS_REVIEW, NEGATIVE, NEUTRAL, POSITIVE, Opinion, Thresholds
from bot.domain.sentiment_learning import FROM_RATING, LabelledText
from bot.services.sentiment_gate import WINDOW, balanced, qualifies
from bot.services.sentiment_learner import Learner, Model
from bot.services.sentiment_model import SentimentModelService
from storage.db import create_db_engine, make_sessions
from storage.models import Base

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fine_food_reviews_5000.csv"
GOLD = (NEGATIVE, NEUTRAL, POSITIVE)
CURVE = (50, 100, 300, 1000)


def load_labelled(path: Path) -> tuple[list[str], list[str], list[int]]:
    """Texts, gold labels and star ratings (none for a set without them). Two shapes: the fine-food
    reviews (`Text`, `Score`: 1-2 stars negative, 3 neutral, 4-5 positive), or any `text,label` file with
    labels negative / neutral / positive."""
    texts, gold, stars = [], [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if "Score" in row:
                score = int(row["Score"])
                texts.append(row["Text"])
                stars.append(score)
                gold.append(NEGATIVE if score <= 2 else NEUTRAL if score == 3 else POSITIVE)
            elif row.get("label") in GOLD:
                texts.append(row["text"])
                gold.append(row["label"])
    return texts, gold, stars


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Negative recall/precision, negatives labelled positive, macro-F1 over the three gold labels
    (needs_review counts as wrong), share needs_review, and negatives flagged (negative or needs_review:
    both get the SLA nudge)."""
    negatives = sum(1 for g in gold if g == NEGATIVE)
    said_negative = sum(1 for p in predicted if p == NEGATIVE)
    hit = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == NEGATIVE)
    f1s = []
    for label in GOLD:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        precision = tp / max(1, sum(1 for p in predicted if p == label))
        recall = tp / max(1, sum(1 for g in gold if g == label))
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    pairs = list(zip(gold, predicted, strict=True))
    return {
        "recall": hit / max(1, negatives),
        "precision": hit / max(1, said_negative),
        "neg_as_pos": sum(1 for g, p in pairs if g == NEGATIVE and p == POSITIVE) / max(1, negatives),
        "macro_f1": sum(f1s) / len(f1s),
        "review": sum(1 for p in predicted if p == NEEDS_REVIEW) / len(predicted),
        "flagged": sum(1 for g, p in pairs if g == NEGATIVE and p in (NEGATIVE, NEEDS_REVIEW))
        / max(1, negatives),
    }


def row(name: str, m: dict[str, float], extra: str = "") -> str:
    return (
        f"| {name} | {m['recall']:.2f} | {m['precision']:.2f} | {m['neg_as_pos']:.1%} | {m['macro_f1']:.2f} "
        f"| {m['review']:.1%} | {m['flagged']:.2f} |{extra}"
    )


HEADER = (
    "| scorer | neg. recall | neg. precision | negatives labelled positive | macro-F1 | needs a human read "
    "| negatives flagged (neg. or human read) |\n| --- | --- | --- | --- | --- | --- | --- |"
)


def timed(fn: Callable[[], object], items: int) -> float:
    start = time.perf_counter()
    fn()
    return items / (time.perf_counter() - start)


def cold_start(texts: list[str], gold: list[str]) -> None:
    print(HEADER)
    before = [sentiment.label(sentiment.score(t).polarity, 0.1, -0.1) for t in texts]
    print(row("before: TextBlob polarity, thresholds ±0.1 (the defaults)", metrics(gold, before)))
    vader = sentiment._vader_analyzer()
    compounds = [vader.polarity_scores(t)["compound"] for t in texts]
    print(
        row(
            "VADER compound alone, ±0.05", metrics(gold, [sentiment.label(c, 0.05, -0.05) for c in compounds])
        )
    )
    limits = Thresholds()
    bases = [sentiment.base_score(t) for t in texts]
    combined = [sentiment.label(b.combined, limits.positive, limits.negative) for b in bases]
    print(row("mean of both (chunked), no 'human read' state", metrics(gold, combined)))
    after = [sentiment.judge(t).label for t in texts]
    print(row("after: judge() without rating (base scorer + language + confidence)", metrics(gold, after)))


def curve(texts: list[str], gold: list[str]) -> None:
    print(
        "\n| labelled items learned | scored on | scorer | neg. recall | neg. precision | negatives "
        "labelled positive | macro-F1 | needs a human read | negatives flagged |\n" + "| --- " * 9 + "|"
    )
    for n in CURVE:
        if n >= len(texts):
            continue
        learner = Learner()
        # One item at a time, as live ratings arrive (partial_fit on each), each judged first by the model
        # as it was and by the base scorer: the service's rule for putting the model in use.
        recent: list[tuple[int, int, int]] = []
        learn_time = 0.0
        for i in range(n):
            if i >= n - WINDOW:
                opinion = learner.predict(texts[i])
                if opinion is not None:
                    base_right = int(sentiment.judge(texts[i]).label == gold[i])
                    recent.append(
                        (int(opinion.label == gold[i]), base_right, sentiment.LABELS.index(gold[i]))
                    )
            start = time.perf_counter()
            learner.learn([texts[i]], [gold[i]])
            learn_time += time.perf_counter() - start
        learn_rate = n / learn_time
        model_score, base_score = balanced(recent, 0), balanced(recent, 1)
        # Phase 1's gate: the last 100 evaluations (30 at least), any margin, no count per label.
        old = recent[-100:]
        old_in_use = n >= 100 and len(old) >= 30 and balanced(old, 0) > balanced(old, 1)
        in_use = qualifies(n, recent)
        per_label = {g: sum(1 for e in recent if e[2] == sentiment.LABELS.index(g)) for g in GOLD}
        gate = (
            f" balanced accuracy, last {len(recent)} ({per_label[NEGATIVE]} neg., {per_label[POSITIVE]} pos.)"
            f": model {model_score:.2f}, base {base_score:.2f}: {'in use' if in_use else 'NOT in use'}"
            f" (phase 1 gate on the last {len(old)}: {'in use' if old_in_use else 'NOT in use'})"
        )
        rest_texts, rest_gold = texts[n:], gold[n:]
        opinions = learner.predict_many(rest_texts)
        model_only = [o.label if o is not None else NEUTRAL for o in opinions]
        piped = [
            sentiment.judge(t, learned=_fixed(o)).label for t, o in zip(rest_texts, opinions, strict=True)
        ]
        scored = f"{len(rest_texts)} | "
        print(f"| {n} | {scored}learned model alone (argmax) " + row("", metrics(rest_gold, model_only))[3:])
        piped_row = row("", metrics(rest_gold, piped))[3:]
        learned = f"{learn_rate:.0f} items/s learned"
        print(f"| {n} | {scored}pipeline, learned model in use {piped_row}{gate}; {learned}")


def _fixed(opinion: Opinion | None) -> Callable[[str], Opinion | None]:
    return lambda _text: opinion


# Non-English customer text, hand-written for this check (not from any data set): none may be taken for
# English, or it would be scored by English lexicons instead of going to a human.
FOREIGN = [
    "Das Paket ist nie angekommen und niemand antwortet auf meine E-Mails. Eine Frechheit!",
    "Ich warte seit drei Wochen auf eine Antwort vom Kundendienst",
    "Le colis n'est jamais arrive et personne ne repond a mes messages",
    "El paquete nunca llego y nadie contesta a mis correos, es una verguenza",
    "Het pakket is nooit aangekomen en niemand reageert op mijn berichten",
    "Il pacco non e mai arrivato e nessuno risponde alle mie email",
    "O pacote nunca chegou e ninguem responde aos meus emails",
    "Paczka nigdy nie dotarla i nikt nie odpowiada na moje maile",
]

# The same kind of complaints as a real message carries them: with an order number, a status line, a
# signature in English (hand-written too). A detector told that English is likely calls some of these
# English, and they would be scored by English lexicons (neutral) instead of going to a person.
MIXED = [
    "Der Kundenservice antwortet nicht. Tracking number: 1Z999AA10123456784, Status: delivered",
    "Mein Paket ist nie angekommen. Order #A-55821 (Express shipping)",
    "Le colis n'est jamais arrivé, order ID 99812-B, sent from my iPhone",
    "El reembolso no llega desde hace un mes. Ticket: CS-20931 Status: open",
    "Ik wacht al twee weken op antwoord. Best regards, Jan",
    "Nessuno risponde alle mie email. Order number 4471, tracking pending",
]


def languages(texts: list[str]) -> None:
    """The language detector on every text, on hand-written non-English complaints (alone, and with the
    English fragments of a real message: order numbers, statuses, signatures), and on short English
    openings of the texts (2, 3, 5 and 8 words), where detectors err."""
    certainty = Thresholds().language_certainty
    started = time.perf_counter()
    found = [sentiment.detect_language(t, certainty) for t in texts]
    rate = len(texts) / (time.perf_counter() - started)
    others = sorted(code for code in found if code not in ("en", None))
    print(f"\nLanguage: of {len(texts)} texts {found.count('en')} English, {found.count(None)} too unsure to "
          f"call, another language: {others} ({rate:.0f} items/s)")  # fmt: skip
    for name, foreign in (("non-English complaints", FOREIGN), ("with English fragments", MIXED)):
        named = [sentiment.detect_language(t) for t in foreign]
        print(f"  {name}: {named}")
    for words in (2, 3, 5, 8):
        openings = sorted({" ".join(t.split()[:words]) for t in texts})
        asked = [o for o in openings if len(sentiment._LETTERS.findall(o)) >= 12]
        called = [o for o in asked if sentiment.detect_language(o) not in ("en", None)]
        print(f"  openings of {words} words: {len(asked)}; called another language: {len(called)} "
              f"({len(called) / max(1, len(asked)):.1%}) {called[:3]}")  # fmt: skip


def costs(texts: list[str], gold: list[str], stars: list[int]) -> None:
    sample = texts[:1000]
    textblob_rate = timed(lambda: [sentiment.score(t) for t in sample], len(sample))
    print(f"\nTextBlob score() alone (before): {textblob_rate:.0f} items/s")
    judge_rate = timed(lambda: [sentiment.judge(t) for t in sample], len(sample))
    print(f"judge() without model (after, cold start): {judge_rate:.0f} items/s")
    learner = Learner()
    learner.learn(texts[:1000], gold[:1000])
    with_model = timed(lambda: [sentiment.judge(t, learned=learner.predict) for t in sample], len(sample))
    print(f"judge() with the learned model, one at a time: {with_model:.0f} items/s")
    if stars:
        scale = parse_scale("1-5")
        rated = [sentiment.judge(t, s, scale).label for t, s in zip(sample, stars, strict=False)]
        agree = sum(1 for r, g in zip(rated, gold, strict=False) if r == g) / len(rated)
        print(f"items with a rating: label agrees with the rating on {agree:.1%}")
    arrays = learner.to_arrays()
    stored = [arrays.coef, arrays.intercept, arrays.state or b""]
    print(f"model size per workspace: stored {sum(len(b) for b in stored) / 1024:.0f} kB "
          f"(compressed float32; {sum(len(zlib.decompress(b)) for b in stored) / 1024:.0f} kB raw), "
          f"in memory {learner.nbytes / 1024:.0f} kB while learning, "
          f"{Model.from_arrays(arrays).nbytes / 1024:.0f} kB cached for judging")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine = create_db_engine(url)
        Base.metadata.create_all(engine)
        service = SentimentModelService(make_sessions(engine), FixedClock(datetime(2026, 12, 1, tzinfo=UTC)))
        items = [
            LabelledText(t, g, FROM_RATING, f"c{i}") for i, (t, g) in enumerate(zip(texts, gold, strict=True))
        ]
        batch = 300
        start = time.perf_counter()
        for team in range(10):
            for first in range(0, 300, batch):
                service.learn_many(f"T{team}", items[first : min(300, first + batch)])
        rate = 10 * 300 / (time.perf_counter() - start)
        print(f"learn_many (judge before learning, store examples, update and save the model), SQLite, "
              f"batches of {batch}: {rate:.0f} rows/s")  # fmt: skip
        single = timed(
            lambda: [
                service.learn("T0", t, g, FROM_RATING)
                for t, g in zip(texts[1000:1050], gold[1000:1050], strict=True)
            ],
            50,
        )  # noqa: E501
        print(f"learn() one item at a time (a live rated item), SQLite: {single:.0f} items/s")
        engine.dispose()
        out = subprocess.run(
            [sys.executable, "-m", "bench.sentiment", "--rss", url], capture_output=True, text=True
        )
        print(out.stdout.strip() or out.stderr.strip())


def rss_probe(url: str) -> None:
    """In a fresh process: resident memory before and after loading 10 workspaces' models."""

    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    engine = create_db_engine(url)
    service = SentimentModelService(make_sessions(engine), FixedClock(datetime(2026, 12, 1, tzinfo=UTC)))
    service.judge("T0", "warm up the lexicons: the parcel never came and nobody answers")
    base = rss_mb()
    for team in range(10):
        verdict = service.judge(f"T{team}", "the parcel never came and nobody answers")
    english = rss_mb()
    service.judge("T0", "Das Paket ist nie angekommen und niemand antwortet auf meine E-Mails.")
    print(f"RSS with the scorer loaded (English text only): {base:.0f} MB; with 10 workspaces' models "
          f"loaded: {english:.0f} MB (last judgement from: {verdict.source}); after a German text: "
          f"{rss_mb():.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rss", help=argparse.SUPPRESS)
    parser.add_argument(
        "--shuffle", type=int, metavar="SEED", help="learn in a random order (for a file sorted by label)"
    )
    args = parser.parse_args()
    if args.rss:
        rss_probe(args.rss)
        return
    if not args.data.is_file():
        raise SystemExit(f"{args.data}: no such file")
    texts, gold, stars = load_labelled(args.data)
    if not texts:
        raise SystemExit(f"{args.data}: no labelled rows (expected Text,Score or text,label columns)")
    if args.shuffle is not None:
        order = list(range(len(texts)))
        random.Random(args.shuffle).shuffle(order)
        texts, gold = [texts[i] for i in order], [gold[i] for i in order]
        stars = [stars[i] for i in order] if stars else stars
    print(f"## {args.data.name}: {len(texts)} items, {gold.count(NEGATIVE)} negative\n")
    cold_start(texts, gold)
    languages(texts)
    curve(texts, gold)
    costs(texts, gold, stars)


if __name__ == "__main__":
    main()
