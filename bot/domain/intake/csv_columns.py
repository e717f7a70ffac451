"""Any spreadsheet as feedback: sniff the CSV dialect, guess which column is the text, rating, customer,
date, source and tags from common names, say so before importing, and give rows without an id a stable one
(hash of source + text + date) so importing the same file again stores nothing twice. Pure: text in."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.errors import FieldError
from bot.domain.feedback import FeedbackInput, FeedbackInvalid
from bot.domain.intake.common import FIVE, NPS

ROLES = ("text", "rating", "customer", "date", "source", "tags", "id")
# Normalised header names (lower case, letters and digits only), best first.
NAMES: dict[str, tuple[str, ...]] = {
    "text": ("text", "comment", "comments", "review", "reviewtext", "feedback", "body", "message", "content",
             "description", "response", "answer", "remarks", "verbatim"),
    "rating": ("rating", "score", "stars", "starrating", "nps", "npsscore", "csat", "grade", "rate"),
    "customer": ("customer", "email", "emailaddress", "name", "customername", "customeremail", "author",
                 "reviewer", "reviewername", "user", "username", "client", "from"),
    "date": ("date", "createdat", "created", "receivedat", "timestamp", "time", "datetime", "submittedat",
             "reviewdate", "reviewsubmitdateandtime", "submitted", "updatedat"),
    "source": ("source", "channel", "origin", "platform"),
    "tags": ("tags", "tag", "labels", "label", "categories", "category", "topics", "topic"),
    "id": ("id", "externalid", "reviewid", "responseid", "ticketid", "uuid"),
}  # fmt: skip
# When no header is named exactly so: headers containing these words, best first.
WORDS: dict[str, tuple[str, ...]] = {
    "text": ("comment", "feedback", "text", "body", "review", "message"),
    "rating": ("rating", "score", "stars", "nps"),
    "customer": ("email", "customer", "name"),
    "date": ("date", "time", "created"),
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)  # fmt: skip  day-first before month-first: a ';' CSV is usually a European Excel export
MAX_FIELD = 1_000_000


class ColumnsUnknown(FieldError):
    """No column could be taken as the text: the message lists the columns found and how to map them."""

    def __init__(self, found: Sequence[str]) -> None:
        shown = ", ".join(repr(c) for c in found) or "(none)"
        super().__init__(
            "columns",
            f"Cannot tell which column holds the feedback text. Columns found: {shown}. "
            "Map them by name, e.g. text=<column>; also rating=, customer=, date=, source=, tags=, id=.",
        )
        self.found = tuple(found)


@dataclass(frozen=True)
class Plan:
    """Which header plays which role, the rating scale guessed and the CSV delimiter; described first."""

    headers: tuple[str, ...]
    columns: Mapping[str, str]  # role -> header
    rating_scale: str | None
    delimiter: str
    default_source: str

    def describe(self) -> str:
        """ "using column 'Review' as text, 'Stars' as a 1-5 rating, …" — shown before anything is stored."""
        parts = [f"using column {self.columns['text']!r} as text"]
        if "rating" in self.columns:
            scale = f"a {self.rating_scale} rating" if self.rating_scale else "a rating"
            parts.append(f"{self.columns['rating']!r} as {scale}")
        for role, what in (("customer", "customer"), ("date", "date"), ("tags", "tags")):
            if role in self.columns:
                parts.append(f"{self.columns[role]!r} as {what}")
        if "source" in self.columns:
            parts.append(f"{self.columns['source']!r} as each row's source (blank: {self.default_source!r})")
        if "id" in self.columns:
            parts.append(f"{self.columns['id']!r} as the id")
        else:
            parts.append("no id column: each row's id is a hash of its source, text and date")
        unused = [h for h in self.headers if h not in self.columns.values()]
        line = ", ".join(parts)
        return line + (f"; ignoring {', '.join(repr(h) for h in unused)}" if unused else "")


def normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def decode(raw: bytes) -> str:
    """Bytes of a spreadsheet export as text: UTF-16 with its BOM (Google Play), UTF-8 with or without BOM,
    else Windows-1252 (older Excel)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def sniff(text: str) -> str:
    """The delimiter: csv.Sniffer on the first lines, else the most frequent of , ; tab | in the header."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = text.splitlines()[0] if text.strip() else ""
        return max(",;\t|", key=header.count)


def guess(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """role -> header; explicit overrides win, then exact common names, then headers containing a word."""
    columns: dict[str, str] = {}
    for role, header in (overrides or {}).items():
        if role not in ROLES:
            raise FieldError(role, f"Unknown role {role!r}; map one of: {', '.join(ROLES)}.")
        if header not in headers:
            raise FieldError(role, f"No column {header!r}; columns found: {', '.join(map(repr, headers))}.")
        columns[role] = header
    keyed = {normalise(h): h for h in reversed(headers)}  # the first of equal names wins
    for role in ROLES:
        if role in columns:
            continue
        taken = set(columns.values())
        exact = next((keyed[n] for n in NAMES[role] if n in keyed and keyed[n] not in taken), None)
        if exact is None:
            exact = next(
                (h for w in WORDS.get(role, ()) for h in headers if w in normalise(h) and h not in taken),
                None,
            )
        if exact is not None:
            columns[role] = exact
    if "text" not in columns:
        raise ColumnsUnknown(headers)
    return columns


def parse_rating(value: str) -> float | None:
    """ "4", "4.5", "4/5", "4,5" (decimal comma), "★★★★" -> a number; blank -> None."""
    value = value.strip()
    if not value:
        return None
    if set(value) <= {"★", "☆"}:
        return float(value.count("★"))
    value = value.split("/")[0].strip().replace(",", ".")
    try:
        return float(value)
    except ValueError:
        raise FeedbackInvalid(f"rating {value!r} is not a number") from None


def guess_scale(header: str, values: Sequence[str]) -> str | None:
    name = normalise(header)
    if "nps" in name:
        return NPS
    if "star" in name:
        return FIVE
    numbers = []
    for v in values:
        try:
            rating = parse_rating(v)
        except FeedbackInvalid:
            continue
        if rating is not None:
            numbers.append(rating)
    if not numbers:
        return None
    if min(numbers) >= 1 and max(numbers) <= 5:
        return FIVE
    if min(numbers) >= 0 and max(numbers) <= 10:
        return NPS
    return None


def parse_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                when = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        else:
            raise FeedbackInvalid(
                f"date {value!r} is not a date (use ISO 8601, e.g. 2026-11-30 14:05)"
            ) from None
    return when.replace(tzinfo=when.tzinfo or UTC).astimezone(UTC)


def stable_id(source: str, text: str, when: datetime | None) -> str:
    """The id of a row without one: the same source, text and date always give the same id."""
    key = "\x1f".join((source, " ".join(text.split()), when.isoformat() if when else ""))
    return "csv-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def row_input(row: Mapping[str, str], plan: Plan) -> FeedbackInput:
    """One row as a FeedbackInput (FeedbackInvalid saying what is wrong with it)."""

    def cell(role: str) -> str:
        header = plan.columns.get(role)
        return (row.get(header) or "").strip() if header else ""

    text = cell("text")
    if not text:
        raise FeedbackInvalid(f"column {plan.columns['text']!r} is empty")
    source = cell("source") or plan.default_source
    when = parse_date(cell("date"))
    return FeedbackInput(
        source=source,
        external_id=cell("id") or stable_id(source, text, when),
        text=text,
        customer=cell("customer") or None,
        rating=parse_rating(cell("rating")),
        rating_scale=plan.rating_scale,
        tags=tuple(t.strip() for t in re.split(r"[,;|]", cell("tags")) if t.strip()),
        received_at=when,
    )


def _reader(text: str, delimiter: str) -> Any:  # a csv reader: rows of str, and its line_num
    csv.field_size_limit(MAX_FIELD)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)


def plan(
    text: str, default_source: str, overrides: Mapping[str, str] | None = None, *, sample_rows: int = 200
) -> Plan:
    """Read the header (and a sample of ratings) and decide the columns; ColumnsUnknown if no text column."""
    text = text.lstrip("\ufeff")
    delimiter = sniff(text)
    try:
        return _plan(text, delimiter, default_source, overrides, sample_rows)
    except csv.Error as error:
        raise FieldError("file", f"The file cannot be read as CSV: {error}") from None


def _plan(
    text: str, delimiter: str, default_source: str, overrides: Mapping[str, str] | None, sample_rows: int
) -> Plan:
    rows = _reader(text, delimiter)
    headers = next((r for r in rows if any(c.strip() for c in r)), None)
    if headers is None:
        raise FieldError("file", "The file is empty.")
    headers = [h.strip() for h in headers]
    columns = guess(headers, overrides)
    scale = None
    if "rating" in columns:
        index = headers.index(columns["rating"])
        sample = [r[index] for _, r in zip(range(sample_rows), rows, strict=False) if len(r) > index]
        scale = guess_scale(columns["rating"], sample)
    return Plan(tuple(headers), columns, scale, delimiter, default_source)


def rows(
    text: str, chosen: Plan, convert: Callable[[Mapping[str, str], Plan], FeedbackInput] | None = None
) -> Iterator[tuple[int, FeedbackInput | FeedbackInvalid]]:
    """(line, input) for each data row, or (line, FeedbackInvalid) for a row that cannot be read."""
    convert = convert or row_input
    text = text.lstrip("\ufeff")
    reader = _reader(text, chosen.delimiter)
    seen_header = False
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            line = reader.line_num
            row = dict(zip(chosen.headers, cells, strict=False))
            try:
                yield line, convert(row, chosen)
            except FeedbackInvalid as invalid:
                yield line, invalid
    except csv.Error as error:
        yield reader.line_num, FeedbackInvalid(f"the file cannot be read from here on: {error}")
