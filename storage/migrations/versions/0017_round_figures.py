"""a closed round's figures, stored once at close

Revision ID: 0017_round_figures
Revises: 0016_directory
Create Date: 2026-12-01 12:00:00.000000

Surveys closed before this migration get NULL figures: the service computes them on first read and stores
them then (bot/services/pulse/results.py), with the same code and thresholds as at close, rather than a
copy of that arithmetic frozen here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_round_figures"
down_revision: str | Sequence[str] | None = "0016_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: on SQLite a batch rebuild drops and re-creates pulse_surveys, and the
# foreign keys' ON DELETE CASCADE would empty its participation and answers (SQLite >= 3.35 has DROP COLUMN).


def upgrade() -> None:
    op.add_column("pulse_surveys", sa.Column("figures", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("pulse_surveys", sa.Column("enps_score", sa.Integer(), nullable=True))
    op.add_column("pulse_surveys", sa.Column("enps_answers", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("pulse_surveys", "enps_answers")
    op.drop_column("pulse_surveys", "enps_score")
    op.drop_column("pulse_surveys", "figures")
