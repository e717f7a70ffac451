"""CSV import of customer feedback: bad rows are reported by line, the rest imported; and the CLI commands."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.container import Container
from bot.domain.errors import FieldError
from bot.feedback_import import import_csv, read_file
from bot.services.feedback import intake as feedback_service
from storage.db import create_db_engine
from storage.models import Feedback, FeedbackEvent
from storage.repositories.workspaces import ensure_workspace
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID
from tests.slack_standin import SlackStandIn

CSV = """id,text,customer,rating,tags
1,"Great support, thanks!",ACME,5,billing
2,,Empty Co,3,
3,"Terrible, the app keeps crashing.",Bolt Ltd,one,
,"No id here",X,,
4,"Awful export, very slow.",Bolt Ltd,1,"export,speed"
1,"Great support, thanks!",ACME,5,billing
"""


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    return container


def test_bad_rows_are_reported_with_line_numbers_and_the_rest_imported(
    configured: Container, slack: SlackStandIn
) -> None:
    report = import_csv(configured.feedback, TEAM_ID, io.StringIO(CSV), post_cards=True)
    assert report.imported == 3 and report.duplicates == 1, "a row without an id gets a stable one"
    assert [line for line, _ in report.rejected] == [3, 4]
    assert "rating 'one' is not a number" in report.rejected[1][1]
    assert "line 3: column 'text' is empty" in report.summary()
    with configured.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 3
        stored = s.scalars(select(Feedback).where(Feedback.external_id == "4")).one()
        assert stored.tags == ["export", "speed"] and stored.label == "negative"
    configured.outbox.drain()
    assert len(slack.messages("CFEED01")) == 3


def test_columns_can_be_named_and_a_column_that_is_not_there_refuses_the_whole_file(
    configured: Container,
) -> None:
    mapped = "ref,note\nA1,Lovely app\n"
    report = import_csv(
        configured.feedback, TEAM_ID, io.StringIO(mapped), columns={"id": "ref", "text": "note"}
    )
    assert report.imported == 1
    with configured.sessions() as s:
        assert s.scalars(select(Feedback.external_id)).one() == "A1"
    with pytest.raises(FieldError, match="No column 'body'; columns found: 'ref', 'note'"):
        import_csv(configured.feedback, TEAM_ID, io.StringIO(mapped), columns={"text": "body"})


def test_cli_creates_a_source_and_imports_a_file(tmp_path: Path, scratch_database_url: str) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "EMPATHY_ENV_FILE": str(tmp_path / "none.env"),
        "DATABASE_URL": scratch_database_url,
        "EMPATHY_SECRET_KEY": "s" * 64,  # sources' secrets are sealed under it (PostgreSQL requires it)
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    unknown = cli("feedback-source", "add", "zendesk", "--team", TEAM_ID)
    assert unknown.returncode == 2 and "this database has no workspace yet" in unknown.stderr
    engine = create_db_engine(scratch_database_url)
    with Session(engine) as s, s.begin():  # as the bot records its workspace when it starts
        ensure_workspace(s, TEAM_ID, datetime(2026, 11, 1, tzinfo=UTC))
    engine.dispose()
    created = cli("feedback-source", "add", "zendesk", "--team", TEAM_ID)
    assert created.returncode == 0, created.stderr
    assert "HMAC secret:" in created.stdout and "Bearer token:" in created.stdout
    assert cli("feedback-source", "add", "zendesk", "--team", TEAM_ID).returncode == 2
    (tmp_path / "f.csv").write_text(CSV)
    posting = cli("import-feedback", str(tmp_path / "f.csv"), "--team", TEAM_ID, "--post-cards")
    # No feedback channel is configured in that database, so no row can be posted: each refused with why.
    assert posting.returncode == 1
    assert "Imported 0" in posting.stdout and "No feedback channel" in posting.stdout
    history = cli("import-feedback", str(tmp_path / "f.csv"), "--team", TEAM_ID)
    assert history.returncode == 1, "bad rows still make the exit code non-zero"
    assert "Imported 3, already present 1, rejected 2." in history.stdout
    assert history.stdout.startswith("Using column 'text' as text, 'rating' as a 1-5 rating")
    assert cli("import-feedback", str(tmp_path / "nope.csv"), "--team", TEAM_ID).returncode == 2


def test_history_import_posts_no_cards_and_never_nudges(container: Container, slack: SlackStandIn) -> None:
    seen: list[int] = []
    rows = "id,text\n" + "".join(f"{i},Terrible and slow, very disappointed {i}\n" for i in range(2500))
    report = import_csv(container.feedback, TEAM_ID, io.StringIO(rows), progress=seen.append)
    assert report.imported == 2500 and seen == [1000, 2000]
    with container.sessions() as s:
        assert set(s.scalars(select(Feedback.state))) == {"imported"}
        assert (
            s.scalar(select(func.count()).select_from(Feedback).where(Feedback.label == "negative")) == 2500
        )
    container.clock.advance(days=3)  # type: ignore[attr-defined]
    container.feedback.send_reminders()
    container.outbox.drain()
    assert slack.messages() == [], "no feedback channel needed, no cards, no nudges for history"


def test_a_bad_row_in_a_chunk_costs_only_itself_and_a_reimport_is_all_duplicates(
    container: Container,
) -> None:
    rows = [f"{i},Lovely service number {i}" for i in range(1, 11)]
    rows[4] = "5,"  # line 6: no text
    rows[7] = '8,"Fine, thanks",,lots'  # line 9: rating is not a number
    data = "id,text,customer,rating\n" + "\n".join(rows) + "\n"
    report = import_csv(container.feedback, TEAM_ID, io.StringIO(data), chunk_rows=4)
    assert (report.imported, report.duplicates) == (8, 0)
    assert [line for line, _ in report.rejected] == [6, 9]
    again = import_csv(container.feedback, TEAM_ID, io.StringIO(data), chunk_rows=4)
    assert (again.imported, again.duplicates, len(again.rejected)) == (0, 8, 2)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 8
        assert s.scalar(select(func.count()).select_from(FeedbackEvent)) == 8, "one event per stored row"


def test_a_row_the_database_refuses_is_reported_and_the_rest_of_its_chunk_is_stored(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = feedback_service.prepare_row

    def breaking(*args: Any, **kwargs: Any) -> dict[str, Any]:
        values = original(*args, **kwargs)
        if values["external_id"] == "3":
            values["text"] = None  # NOT NULL: refused by the database itself, not by validation
        return values

    monkeypatch.setattr(feedback_service, "prepare_row", breaking)
    data = "id,text\n" + "".join(f"{i},Good service {i}\n" for i in range(1, 6))
    report = import_csv(container.feedback, TEAM_ID, io.StringIO(data))
    assert (report.imported, report.duplicates) == (4, 0)
    [(line, reason)] = report.rejected
    assert line == 4 and "database refused" in reason
    with container.sessions() as s:
        assert sorted(s.scalars(select(Feedback.external_id))) == ["1", "2", "4", "5"]
        assert s.scalar(select(func.count()).select_from(FeedbackEvent)) == 4, "no half-imported row"


def test_nul_characters_are_dropped_from_text_and_refused_in_ids(container: Container) -> None:
    data = 'id,text,customer\n1,"Fine\x00 service",ACME\x00\n2\x00,Nice,\n3,Good,\n'
    report = import_csv(container.feedback, TEAM_ID, io.StringIO(data))
    assert (report.imported, [line for line, _ in report.rejected]) == (2, [3])
    with container.sessions() as s:
        stored = s.scalars(select(Feedback).where(Feedback.external_id == "1")).one()
        assert (stored.text, stored.customer) == ("Fine service", "ACME")


def test_imported_rows_are_masked_unless_owners_keep_pii(container: Container) -> None:
    data = 'id,text,customer\n1,"Call +49 151 2345 6712, order 2026-1234-5678",jane@example.com\n'
    import_csv(container.feedback, TEAM_ID, io.StringIO(data))
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"keep_pii": True})
    import_csv(container.feedback, TEAM_ID, io.StringIO(data.replace("\n1,", "\n2,")))
    with container.sessions() as s:
        rows = {f.external_id: (f.text, f.customer) for f in s.scalars(select(Feedback))}
    assert rows["1"] == ("Call +49 *** *** 12, order 2026-1234-5678", "j***@example.com")
    assert rows["2"] == ("Call +49 151 2345 6712, order 2026-1234-5678", "jane@example.com")


SHOP_EXPORT = (
    "Date,Review,Stars,Email,Source\n"
    '2026-11-28,"Loved the fast delivery, thanks!",5,ann@example.com,\n'
    '2026-11-29,"The parcel arrived damaged; nobody called back.",1,bob@example.com,phone\n'
    "2026-11-30,Great staff,4,,\n"
)


def test_a_file_without_an_id_column_imports_and_importing_it_again_stores_nothing(
    container: Container,
) -> None:
    described: list[str] = []
    report = import_csv(
        container.feedback,
        TEAM_ID,
        SHOP_EXPORT,
        source="shop",
        on_plan=lambda p: described.append(p.describe()),
    )
    assert (report.imported, report.duplicates, report.rejected) == (3, 0, [])
    assert described[0].startswith("using column 'Review' as text, 'Stars' as a 1-5 rating")
    again = import_csv(container.feedback, TEAM_ID, SHOP_EXPORT, source="shop")
    assert (again.imported, again.duplicates) == (0, 3)
    with container.sessions() as s:
        sources = sorted(s.scalars(select(Feedback.source)))
    assert sources == ["phone", "shop", "shop"], "each row's own source column is honoured"


def test_an_excel_semicolon_file_with_a_bom_imports(container: Container, tmp_path: Path) -> None:
    excel = (
        '\ufeffDatum;Kommentar;Bewertung\r\n30.11.2026;"Sehr gut; schnell";4,5\r\n01.12.2026;Zu langsam;1\r\n'
    )
    path = tmp_path / "export.csv"
    path.write_bytes(excel.encode("utf-8"))
    text = read_file(str(path))
    report = import_csv(
        container.feedback,
        TEAM_ID,
        text,
        columns={"text": "Kommentar", "rating": "Bewertung", "date": "Datum"},
    )
    assert (report.imported, report.rejected) == (2, [])
    with container.sessions() as s:
        rows = {f.text: (f.rating, f.received_at) for f in s.scalars(select(Feedback))}
    assert rows["Sehr gut; schnell"][0] == 4.5
    assert rows["Zu langsam"][1].date().isoformat() == "2026-12-01"


def test_an_excel_semicolon_file_with_a_bom_and_english_headers_needs_no_mapping(
    container: Container,
) -> None:
    text = "\ufeffDate;Comment;Rating\r\n2026-11-30;Great, thanks;5\r\n"
    report = import_csv(container.feedback, TEAM_ID, text)
    assert (report.imported, report.rejected) == (1, [])


def test_dry_run_and_a_rating_scale_override_store_nothing(container: Container) -> None:
    report = import_csv(container.feedback, TEAM_ID, SHOP_EXPORT, dry_run=True, rating_scale="0-10")
    assert report.dry_run and report.imported == 3 and report.plan is not None
    assert report.plan.rating_scale == "0-10" and "nothing stored" in report.summary()
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 0
    with pytest.raises(FieldError, match="use one of 1-5"):
        import_csv(container.feedback, TEAM_ID, SHOP_EXPORT, rating_scale="1-4")


def test_unguessable_columns_are_refused_with_the_columns_found_and_the_options(
    tmp_path: Path, scratch_database_url: str
) -> None:
    cli = cli_runner(tmp_path, scratch_database_url)
    with_workspace(scratch_database_url)
    (tmp_path / "odd.csv").write_text("ref;when;what it was\nA1;2026-11-30;hmm\n")
    refused = cli("import-feedback", str(tmp_path / "odd.csv"), "--team", TEAM_ID)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "Columns found: 'ref', 'when', 'what it was'" in refused.stderr
    assert "--text-column" in refused.stderr and "--rating-column" in refused.stderr
    mapped = cli(
        "import-feedback", str(tmp_path / "odd.csv"), "--team", TEAM_ID, "--text-column", "what it was"
    )
    assert mapped.returncode == 0, mapped.stderr
    assert mapped.stdout.startswith("Using column 'what it was' as text")
    assert "Imported 1, already present 0, rejected 0." in mapped.stdout
    dry = cli(
        "import-feedback",
        str(tmp_path / "odd.csv"),
        "--team",
        TEAM_ID,
        "--text-column",
        "what it was",
        "--dry-run",
    )
    assert "Dry run: 1 rows readable" in dry.stdout


def test_google_play_exports_import_with_kind_google_play(container: Container) -> None:
    export = (
        "Package Name,App Version Name,Reviewer Language,Review Submit Date and Time,Star Rating,"
        "Review Title,Review Text,Review Link\n"
        "com.example,2.1,en,2026-11-30T10:00:00Z,2,Crashes,Crashes on start,"
        "https://play.google.com/console/developers/x/app/y/user-feedback/review-details?reviewId=gp:1\n"
    )
    report = import_csv(container.feedback, TEAM_ID, export, kind="google_play")
    assert (report.imported, report.rejected) == (1, [])
    with container.sessions() as s:
        item = s.scalars(select(Feedback)).one()
    assert (item.source, item.external_id, item.rating) == ("google-play", "gp:1", 2.0)


def test_feedback_source_commands(tmp_path: Path, scratch_database_url: str) -> None:
    cli = cli_runner(tmp_path, scratch_database_url)
    with_workspace(scratch_database_url)
    bad_kind = cli("feedback-source", "add", "x", "--kind", "myspace", "--team", TEAM_ID)
    assert bad_kind.returncode == 2 and bad_kind.stderr.count("\n") == 1
    assert "Unknown kind 'myspace'; choose one of: json, typeform" in bad_kind.stderr
    bad_scale = cli(
        "feedback-source", "add", "x", "--kind", "typeform", "--rating-scale", "1-4", "--team", TEAM_ID
    )
    assert bad_scale.returncode == 2 and "use one of 1-5, 0-5, 0-10" in bad_scale.stderr
    made = cli(
        "feedback-source", "add", "survey", "--kind", "typeform", "--rating-scale", "nps", "--team", TEAM_ID
    )
    assert made.returncode == 0, made.stderr
    assert "URL path:     /feedback/ingest/typeform?source=" in made.stdout and "HMAC secret:" in made.stdout
    listed = cli("feedback-source", "list", "--team", TEAM_ID)
    assert listed.stdout.startswith("survey\ttypeform\t0-10\t/feedback/ingest/typeform?source=")
    changed = cli("feedback-source", "set", "survey", "--rating-scale", "1-5", "--team", TEAM_ID)
    assert changed.returncode == 0 and "scale 1-5" in changed.stdout
    keyed = cli("feedback-source", "set-secret", "survey", "--team", TEAM_ID, stdin="tf_secret_123456\n")
    assert keyed.returncode == 0 and "tf_secret_123456" not in keyed.stdout
    missing = cli("feedback-source", "set", "nope", "--rating-scale", "1-5", "--team", TEAM_ID)
    assert missing.returncode == 2 and "No source named 'nope'" in missing.stderr
    polled = cli(
        "feedback-source", "add", "ios", "--kind", "app_store", "--app-id", "922693504", "--team", TEAM_ID
    )
    assert polled.returncode == 0 and "Polled every 15 minutes" in polled.stdout


def cli_runner(tmp_path: Path, database_url: str) -> Any:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "EMPATHY_ENV_FILE": str(tmp_path / "none.env"),
        "DATABASE_URL": database_url,
        "EMPATHY_SECRET_KEY": "s" * 64,
    }

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            input=stdin,
        )

    return cli


def with_workspace(database_url: str) -> None:
    from storage import migrate

    engine = create_db_engine(database_url)
    migrate.upgrade(engine)
    with Session(engine) as s, s.begin():
        ensure_workspace(s, TEAM_ID, datetime(2026, 11, 1, tzinfo=UTC))
    engine.dispose()
