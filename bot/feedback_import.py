"""Feedback data commands: `import-feedback FILE.csv` (rows all-or-nothing), `feedback-source add NAME`."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from bot.domain.actor import Actor
from bot.domain.errors import NotFound, UserFacingError
from bot.domain.feedback import FeedbackInput, FeedbackInvalid

if TYPE_CHECKING:
    from bot.config import EnvConfig
    from bot.services.feedback import FeedbackService

COMMANDS = ("import-feedback", "feedback-source")
CHUNK_ROWS = 1000


@dataclass(frozen=True)
class Columns:
    id: str = "id"
    text: str = "text"
    customer: str = "customer"
    rating: str = "rating"
    tags: str = "tags"
    received_at: str = "received_at"


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Imported {self.imported}, already present {self.duplicates}, rejected {len(self.rejected)}."
        ]
        lines += [f"  line {line}: {reason}" for line, reason in self.rejected]
        return "\n".join(lines)


def _row_input(row: dict[str, str | None], columns: Columns, source: str) -> FeedbackInput:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    rating = None
    if cell(columns.rating):
        try:
            rating = float(cell(columns.rating))
        except ValueError as exc:
            raise FeedbackInvalid(f"rating {cell(columns.rating)!r} is not a number") from exc
    received_at = None
    if cell(columns.received_at):
        try:
            received_at = datetime.fromisoformat(cell(columns.received_at))
        except ValueError as exc:
            raise FeedbackInvalid(
                f"{columns.received_at} {cell(columns.received_at)!r} is not ISO 8601"
            ) from exc
        received_at = received_at.replace(tzinfo=received_at.tzinfo or UTC).astimezone(UTC)
    if not cell(columns.id):
        raise FeedbackInvalid(f"column {columns.id!r} is empty")
    if not cell(columns.text):
        raise FeedbackInvalid(f"column {columns.text!r} is empty")
    return FeedbackInput(
        source=source,
        external_id=cell(columns.id),
        text=cell(columns.text),
        customer=cell(columns.customer) or None,
        rating=rating,
        tags=tuple(t for t in cell(columns.tags).split(",") if t.strip()),
        received_at=received_at,
    )


def import_csv(
    service: FeedbackService,
    team_id: str,
    stream: TextIO,
    *,
    source: str = "csv",
    columns: Columns | None = None,
    post_cards: bool = False,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import every row it can, `chunk_rows` per transaction; report the others with their line numbers.

    Each row is all-or-nothing: it is stored with its event (and cards) or not at all. By default rows
    are history: stored and scored, without a card or nudges. post_cards=True relays each new row to
    Slack as if it had just arrived. `progress` is called every 1000 rows read.
    """
    columns = columns or Columns()
    reader = csv.DictReader(stream)
    missing = [c for c in (columns.id, columns.text) if c not in (reader.fieldnames or [])]
    if missing:
        raise FeedbackInvalid(f"the file has no column {', '.join(map(repr, missing))}")
    plan = service.plan_import(team_id, post_cards=post_cards)
    report = ImportReport()
    chunk: list[tuple[int, FeedbackInput]] = []

    def flush() -> None:
        result = service.ingest_batch(plan, chunk)
        report.imported += result.imported
        report.duplicates += result.duplicates
        report.rejected.extend(result.rejected)
        chunk.clear()

    rows: Iterable[dict[str, str | None]] = reader
    for count, row in enumerate(rows, start=1):
        line = reader.line_num
        if progress is not None and count % 1000 == 0:
            progress(count)
        try:
            chunk.append((line, _row_input(row, columns, source)))
        except UserFacingError as error:
            report.rejected.append((line, error.message))
            continue
        if len(chunk) >= chunk_rows:
            flush()
    if chunk:
        flush()
    report.rejected.sort()
    return report


def _print_progress(rows: int) -> None:
    """A one-line progress counter on a terminal; a line every 10 000 rows in logs."""
    if sys.stderr.isatty():
        print(f"\r{rows:,} rows read…", end="", file=sys.stderr, flush=True)
    elif rows % 10_000 == 0:
        print(f"{rows:,} rows read…", file=sys.stderr)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser("import-feedback", help="import customer feedback from a CSV file")
    imp.add_argument("file", help="CSV file with a header row")
    imp.add_argument("--source", default="csv", help="source name stored with every row (default: csv)")
    imp.add_argument("--team", help="workspace id (default: the only installed workspace)")
    imp.add_argument(
        "--post-cards",
        action="store_true",
        help="post a card for every new row (default: import as history, no cards, no nudges)",
    )
    for name in ("id", "text", "customer", "rating", "tags", "received_at"):
        imp.add_argument(f"--{name.replace('_', '-')}-column", dest=f"{name}_column", default=name)
    src = sub.add_parser("feedback-source", help="manage webhook sources for POST /feedback/ingest")
    src_sub = src.add_subparsers(dest="action", required=True)
    add = src_sub.add_parser("add", help="create a source and print its secret and token once")
    add.add_argument("name", help="a name for the sender, e.g. zendesk (unique in the workspace)")
    add.add_argument("--team", help="workspace id (default: the only installed workspace)")


def main(args: argparse.Namespace, settings: EnvConfig) -> int:
    from bot.container import build_container
    from storage import migrate as migrations

    container = build_container(settings)
    try:
        migrations.upgrade(container.engine)
        team_id = container.workspaces.pick(args.team)
        if args.command == "feedback-source":
            secret, token = container.feedback.add_source(Actor.operator(team_id), args.name)
            print(f"Source {args.name!r} created. Shown once, store them in the sender:")
            print(f"  HMAC secret:  {secret}")
            print(f"  Bearer token: {token}")
            return 0
        columns = Columns(**{k: getattr(args, f"{k}_column") for k in Columns.__dataclass_fields__})
        try:
            with open(args.file, newline="", encoding="utf-8-sig") as stream:
                report = import_csv(
                    container.feedback,
                    team_id,
                    stream,
                    source=args.source,
                    columns=columns,
                    post_cards=args.post_cards,
                    progress=_print_progress,
                )
            if sys.stderr.isatty():
                print(file=sys.stderr)
        except OSError as exc:
            raise FeedbackInvalid(f"cannot read {args.file}: {exc.strerror}") from exc
        print(report.summary())
        return 1 if report.rejected else 0
    except (FeedbackInvalid, NotFound) as error:
        print(f"empathy-bot: {error.message}", file=sys.stderr)
        return 2
    finally:
        container.close()
