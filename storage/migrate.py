"""Schema migrations with Alembic, driven from code (no alembic.ini needed in an installed package).

Developers add a migration with:  python -m storage.migrate revision "what changed" --rev-id 0002_x
(it autogenerates against a scratch SQLite database upgraded to the current heads).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.db import create_db_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def pending(engine: Engine) -> list[str]:
    """The revisions `upgrade` would apply, oldest first (every one of them, not one per head)."""
    script = ScriptDirectory.from_config(alembic_config())
    missing = _ancestry(script, set(script.get_heads())) - _ancestry(script, current(engine))
    return [rev.revision for rev in reversed(list(script.walk_revisions())) if rev.revision in missing]


def upgrade(engine: Engine) -> list[str]:
    """Apply pending migrations; returns the revisions applied (empty if the schema was current)."""
    before = current(engine)
    script = ScriptDirectory.from_config(alembic_config())
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
    after = current(engine)
    if before == after:
        return []
    applied = _ancestry(script, after) - _ancestry(script, before)
    # walk_revisions goes from the heads down: reversed, the order they were applied in
    return [rev.revision for rev in reversed(list(script.walk_revisions())) if rev.revision in applied]


def _ancestry(script: ScriptDirectory, revisions: set[str]) -> set[str]:
    found: set[str] = set()
    for rev in revisions:
        found.update(r.revision for r in script.iterate_revisions(rev, "base"))
    return found


def _revision(message: str, rev_id: str, head: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{tmp}/scratch.db")
        upgrade(engine)
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id, head=head or "head")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m storage.migrate")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate a migration from the models")
    rev.add_argument("message")
    rev.add_argument("--rev-id", required=True, help="e.g. 0002_feedback")
    rev.add_argument("--head", help="the revision it follows (default: the single head)")
    args = parser.parse_args()
    _revision(args.message, args.rev_id, args.head)


if __name__ == "__main__":
    main()
