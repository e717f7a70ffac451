"""the learned sentiment model's own state (format 2)

Revision ID: 0018_learner_state
Revises: 0017_round_figures
Create Date: 2026-12-01 15:00:00.000000

Models stored before (format 1, scikit-learn's SGDClassifier) keep a NULL state: the service reads their
format, and rebuilds each from the workspace's stored examples the first time it is used
(bot/services/sentiment_model.py), with today's learner rather than a copy of it frozen here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_learner_state"
down_revision: str | Sequence[str] | None = "0017_round_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sentiment_models", sa.Column("state", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("sentiment_models", "state")
