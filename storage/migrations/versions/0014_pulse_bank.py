"""pulse: answers in flight at close, the question bank, invitation receipts

Revision ID: 0014_pulse_bank
Revises: 0011_speakup
Create Date: 2026-12-01 06:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base  # noqa: F401 - custom column types in generated ops

revision: str = "0014_pulse_bank"
down_revision: str | Sequence[str] | None = "0011_speakup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pulse_surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers_in_flight", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("closing_since", storage.models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pulse_surveys", schema=None) as batch_op:
        batch_op.drop_column("closing_since")
        batch_op.drop_column("answers_in_flight")
