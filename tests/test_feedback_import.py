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
from bot.feedback_import import import_csv
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
