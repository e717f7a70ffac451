"""pulse: answers in flight at close, the question bank, invitation receipts

Revision ID: 0014_pulse_bank
Revises: 0013_polling
Create Date: 2026-12-01 06:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base  # noqa: F401 - custom column types in generated ops

revision: str = "0014_pulse_bank"
down_revision: str | Sequence[str] | None = "0013_polling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pulse_bank_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("theme", sa.String(length=32), nullable=False),
        sa.Column("scale", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("reverse", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_bank_items")),
        sa.UniqueConstraint("team_id", "key", name=op.f("uq_pulse_bank_items_team_id_key")),
    )
    op.create_table(
        "pulse_away",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_pulse_away")),
    )
    with op.batch_alter_table("pulse_invitees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dm_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("dm_ts", sa.String(length=32), nullable=True))
    with op.batch_alter_table("pulse_surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers_in_flight", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("closing_since", storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("note_skipped", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("pooled_into", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("report_means", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("fatigue_told", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("pulse_surveys", schema=None) as batch_op:
        batch_op.drop_column("report_means")
        batch_op.drop_column("pooled_into")
        batch_op.drop_column("fatigue_told")
        batch_op.drop_column("note_skipped")
        batch_op.drop_column("closing_since")
        batch_op.drop_column("answers_in_flight")
    with op.batch_alter_table("pulse_invitees", schema=None) as batch_op:
        batch_op.drop_column("dm_ts")
        batch_op.drop_column("dm_channel")
    op.drop_table("pulse_away")
    op.drop_table("pulse_bank_items")
