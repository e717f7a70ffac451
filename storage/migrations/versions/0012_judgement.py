"""feedback judgement: where the label came from, the words' disagreement, who acknowledged and resolved

Revision ID: 0012_judgement
Revises: 0011_speakup
Create Date: 2026-12-01 06:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_judgement"
down_revision: str | Sequence[str] | None = "0011_speakup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("label_source", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("label_reason", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("disagreement", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("learn_pending", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(length=32), nullable=True))
        batch.create_index("ix_feedback_learn_pending", ["learn_pending", "team_id"])


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_learn_pending")
        batch.drop_column("resolved_by")
        batch.drop_column("acknowledged_by")
        batch.drop_column("learn_pending")
        batch.drop_column("disagreement")
        batch.drop_column("label_reason")
        batch.drop_column("label_source")
