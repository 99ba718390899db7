"""Each decision's feature vector, as the score stage saw it.

Revision ID: 0009_decision_features
Revises: 0008_rival_losses
Create Date: 2026-12-06

`decisions.features` is the JSON list of the score stage's inputs (`omniarb.score.features`)
and `decisions.feature_version` the version of that list; `omniarb train` learns from them, so
a model sees in training exactly what inference saw. Rows written before this revision hold
NULL for both: they are not training data. Types are spelled out here rather than imported
from the models, so this revision keeps creating the same schema whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009_decision_features"
down_revision: str | Sequence[str] | None = "0008_rival_losses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


# Plain ALTER TABLE (see 0007): a batch would copy the table, which foreign keys forbid.


def upgrade() -> None:
    op.add_column("decisions", sa.Column("features", _JSON, nullable=True))
    op.add_column("decisions", sa.Column("feature_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("decisions", "feature_version")
    op.drop_column("decisions", "features")
