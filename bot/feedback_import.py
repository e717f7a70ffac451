"""Feedback data commands: `import-feedback FILE` (any spreadsheet's CSV: columns guessed and reported
first, rows all-or-nothing) and `feedback-source add|list|set|set-secret` (bot/services/sources.py)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TextIO

from bot.domain.actor import Actor
from bot.domain.errors import UserFacingError
from bot.domain.feedback import FeedbackInput, FeedbackInvalid, validate_input
from bot.domain.intake import csv_columns, google_play
from bot.domain.intake.csv_columns import ColumnsUnknown, Plan
from bot.domain.ratings import parse_scale

if TYPE_CHECKING:
    from bot.config import EnvConfig
    from bot.container import Container
    from bot.services.feedback import FeedbackService

COMMANDS = ("import-feedback", "feedback-source")
CHUNK_ROWS = 1000
PROGRESS_EVERY = 1000
KINDS = ("csv", "google_play")  # import-feedback --kind: any spreadsheet, or a Play Console reviews export
ROLE_OPTIONS = ("text", "rating", "customer", "date", "source", "tags", "id")


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    plan: Plan | None = None
    dry_run: bool = False

    def summary(self) -> str:
        if self.dry_run:
            head = f"Dry run: {self.imported} rows readable, rejected {len(self.rejected)}; nothing stored."
        else:
            head = (
                f"Imported {self.imported}, already present {self.duplicates}, rejected {len(self.rejected)}."
            )
        return "\n".join([head, *(f"  line {line}: {reason}" for line, reason in self.rejected)])


def plan_file(
    text: str,
    *,
    source: str | None = None,
    kind: str = "csv",
    columns: Mapping[str, str] | None = None,
    rating_scale: str | None = None,
) -> Plan:
    """Which column is what (ColumnsUnknown, listing the columns found, when no text column is evident)."""
    if kind == "google_play":
        chosen = google_play.plan(text, source or google_play.SOURCE)
    elif kind == "csv":
        chosen = csv_columns.plan(text, source or "csv", columns)
    else:
        raise FeedbackInvalid(f"Unknown kind {kind!r}; choose one of: {', '.join(KINDS)}.")
    if rating_scale:
        chosen = replace(chosen, rating_scale=parse_scale(rating_scale).name)
    return chosen


def _rows(text: str, chosen: Plan, kind: str) -> Iterator[tuple[int, FeedbackInput | FeedbackInvalid]]:
    if kind == "google_play":
        return google_play.rows(text, chosen)
    return csv_columns.rows(text, chosen)


def import_csv(
    service: FeedbackService,
    team_id: str,
    stream: TextIO | str,
    *,
    source: str | None = None,
    kind: str = "csv",
    columns: Mapping[str, str] | None = None,
    rating_scale: str | None = None,
    post_cards: bool = False,
    dry_run: bool = False,
    on_plan: Callable[[Plan], None] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import every row it can, `chunk_rows` per transaction; report the others with their line numbers.

    The columns are guessed (or taken from `columns`, role -> header) and handed to `on_plan` before
    anything is stored. Rows without an id get a stable one (source + text + date), so importing the same
    file again stores nothing twice. Each row is all-or-nothing: stored with its event (and cards) or not
    at all. By default rows are history: stored and scored, without a card or nudges; post_cards=True
    relays each new row to Slack. dry_run reads and checks every row and stores nothing. `progress` is
    called every 1000 rows read.
    """
    text = stream if isinstance(stream, str) else stream.read()
    chosen = plan_file(text, source=source, kind=kind, columns=columns, rating_scale=rating_scale)
    planned = service.plan_import(team_id, post_cards=post_cards)
    declared = planned.scales.get(chosen.default_source)
    if rating_scale is None and declared:  # the source's declared scale wins over a guess from the data
        chosen = replace(chosen, rating_scale=declared)
    if on_plan is not None:
        on_plan(chosen)
    report = ImportReport(plan=chosen, dry_run=dry_run)
    plan = None if dry_run else planned
    chunk: list[tuple[int, FeedbackInput]] = []

    def flush() -> None:
        if plan is not None:
            result = service.ingest_batch(plan, chunk)
            report.imported += result.imported
            report.duplicates += result.duplicates
            report.rejected.extend(result.rejected)
        chunk.clear()

    for count, (line, row) in enumerate(_rows(text, chosen, kind), start=1):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        if isinstance(row, FeedbackInvalid):
            report.rejected.append((line, row.message))
            continue
        if dry_run:
            try:
                validate_input(row)
                report.imported += 1
            except UserFacingError as error:
                report.rejected.append((line, error.message))
            continue
        chunk.append((line, row))
        if len(chunk) >= chunk_rows:
            flush()
    if chunk:
        flush()
    report.rejected.sort()
    return report


def read_file(path: str) -> str:
    """A spreadsheet export as text: UTF-8 (with or without Excel's BOM), UTF-16 (Play), else cp1252."""
    try:
        with open(path, "rb") as raw:
            return csv_columns.decode(raw.read())
    except OSError as exc:
        raise FeedbackInvalid(f"cannot read {path}: {exc.strerror}") from exc


def progress_printer(total: int) -> Callable[[int], None]:
    """A one-line progress counter on a terminal; a line every 10 000 rows in logs."""

    def show(rows: int) -> None:
        share = f" of ~{total:,} ({min(100, rows * 100 // max(total, 1))}%)" if total else ""
        if sys.stderr.isatty():
            print(f"\r{rows:,} rows read{share}…", end="", file=sys.stderr, flush=True)
        elif rows % 10_000 == 0:
            print(f"{rows:,} rows read{share}…", file=sys.stderr)

    return show


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser(
        "import-feedback",
        help="import customer feedback from any spreadsheet's CSV (columns guessed and shown first)",
    )
    imp.add_argument("file", help="CSV file with a header row (Excel ; or , separated, UTF-8/16)")
    imp.add_argument(
        "--kind", choices=KINDS, default="csv", help="google_play: a Play Console reviews export"
    )
    imp.add_argument("--source", help="source stored with rows that name none (default: csv / google-play)")
    imp.add_argument("--team", help="workspace id (default: the only installed workspace)")
    imp.add_argument("--rating-scale", help="the ratings' scale, e.g. 1-5, 0-10 (default: guessed)")
    imp.add_argument(
        "--dry-run", action="store_true", help="show the columns and check every row; store nothing"
    )
    imp.add_argument(
        "--post-cards",
        action="store_true",
        help="post a card for every new row (default: import as history, no cards, no nudges)",
    )
    for role in ROLE_OPTIONS:
        imp.add_argument(
            f"--{role}-column", dest=f"{role}_column", metavar="COLUMN", help=f"the {role} column"
        )
    src = sub.add_parser("feedback-source", help="manage feedback sources (webhooks and polled review feeds)")
    src_sub = src.add_subparsers(dest="action", required=True)
    add = src_sub.add_parser("add", help="create a source and print its URL, secret and token once")
    add.add_argument("name", help="a name for the sender, e.g. zendesk (unique in the workspace)")
    add.add_argument("--kind", default="json", help="json (default), typeform, delighted, app_store, …")
    add.add_argument("--rating-scale", help="e.g. 1-5, 0-10, good-bad (default: the vendor's own)")
    add.add_argument("--secret", help="the signing secret the vendor generated (default: one is made)")
    add.add_argument("--tags", help="default tags for its feedback, comma separated")
    add.add_argument("--app-id", help="app_store: the app's numeric id")
    add.add_argument("--country", default="us", help="app_store: two-letter store country (default us)")
    src_sub.add_parser("list", help="list the workspace's sources")
    changed = src_sub.add_parser("set", help="change a source's rating scale or default tags")
    changed.add_argument("name", help="the source's name")
    changed.add_argument("--rating-scale", help="the new scale ('' to use the vendor's own)")
    changed.add_argument("--tags", help="the new default tags, comma separated")
    keyed = src_sub.add_parser("set-secret", help="store the signing secret the vendor generated")
    keyed.add_argument("name", help="the source's name")
    keyed.add_argument("--secret", help="default: asked for (not echoed), or read from standard input")
    for parser in (add, changed, keyed, src_sub.choices["list"]):
        parser.add_argument("--team", help="workspace id (default: the only installed workspace)")


def source_command(container: Container, actor: Actor, args: argparse.Namespace) -> int:
    sources = container.sources
    if args.action == "add":
        options = {"tags": args.tags or ""}
        if args.kind == "app_store":
            options.update(app_id=args.app_id or "", country=args.country)
        made = sources.add(
            actor, args.name, args.kind, secret=args.secret, rating_scale=args.rating_scale, options=options
        )
        print(f"Source {made.source.name!r} ({made.source.kind}) created.")
        if made.source.polled:
            print("  Polled every 15 minutes; the first poll stores earlier reviews as history.")
            return 0
        print("Shown once, store them in the sender:")
        print(f"  URL path:     {made.path}")
        print(f"  HMAC secret:  {made.secret}")
        print(f"  Bearer token: {made.token}")
        return 0
    if args.action == "list":
        for src in sources.list_all(actor):
            where = "polled" if src.polled else src.path
            print(f"{src.name}\t{src.kind}\t{src.rating_scale or '(vendor scale)'}\t{where}")
        return 0
    if args.action == "set":
        if args.rating_scale is None and args.tags is None:
            raise FeedbackInvalid("Say what to change: --rating-scale and/or --tags.")
        src = sources.configure(actor, args.name, rating_scale=args.rating_scale, tags=args.tags)
        scale = src.rating_scale or "(vendor scale)"
        print(f"Source {src.name!r}: scale {scale}, tags {list(src.default_tags)}.")
        return 0
    secret = args.secret
    if secret is None:
        secret = getpass.getpass("Signing secret: ") if sys.stdin.isatty() else sys.stdin.readline()
    sources.set_secret(actor, args.name, secret.strip())
    print(f"Secret of {args.name!r} stored (sealed).")
    return 0


def _print_plan(chosen: Plan) -> None:
    """Before anything is stored: "Using column 'Review' as text, 'Stars' as a 1-5 rating, …"."""
    described = chosen.describe()
    print(described[:1].upper() + described[1:] + ".", flush=True)


def _import(container: Container, team_id: str, args: argparse.Namespace) -> int:
    text = read_file(args.file)
    overrides = {r: getattr(args, f"{r}_column") for r in ROLE_OPTIONS if getattr(args, f"{r}_column")}
    try:
        report = import_csv(
            container.feedback,
            team_id,
            text,
            source=args.source,
            kind=args.kind,
            columns=overrides,
            rating_scale=args.rating_scale,
            post_cards=args.post_cards,
            dry_run=args.dry_run,
            on_plan=_print_plan,
            progress=progress_printer(text.count("\n")),
        )
    except ColumnsUnknown as unknown:
        found = ", ".join(repr(c) for c in unknown.found) or "(none)"
        options = ", ".join(f"--{r}-column" for r in ROLE_OPTIONS)
        raise FeedbackInvalid(
            f"cannot tell which column holds the feedback text. Columns found: {found}. "
            f"Name it with --text-column COLUMN (also {options})."
        ) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(report.summary())
    return 1 if report.rejected else 0


def main(args: argparse.Namespace, settings: EnvConfig) -> int:
    from bot.config import sqlite_path, with_secret_key
    from bot.container import build_container
    from storage import migrate as migrations

    if sqlite_path(settings.database_url) is not None:
        settings = with_secret_key(settings)  # the key file the bot itself uses beside the database
    container = build_container(settings)
    try:
        migrations.upgrade(container.engine)
        team_id = container.workspaces.pick(args.team)
        if args.command == "feedback-source":
            return source_command(container, Actor.operator(team_id), args)
        return _import(container, team_id, args)
    except UserFacingError as error:
        print(f"empathy-bot: {error.message}", file=sys.stderr)
        return 2
    finally:
        container.close()
