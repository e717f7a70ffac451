"""people directory

Revision ID: 0016_directory
Revises: 0014_pulse_bank
Create Date: 2026-12-01 06:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base  # noqa: F401 - custom column types in generated ops

revision: str = "0016_directory"
down_revision: str | Sequence[str] | None = "0014_pulse_bank"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_people",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("real_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("display_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("is_bot", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_directory_people")),
    )
    op.create_table(
        "directory_fills",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("cursor", sa.String(length=255), server_default="", nullable=False),
        sa.Column("pass_started_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("filled_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_directory_fills")),
    )


def downgrade() -> None:
    op.drop_table("directory_fills")
    op.drop_table("directory_people")
