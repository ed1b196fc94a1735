"""several helpers, backups, recurring needs, thanks, weekly summary

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:55:43.317096
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "need_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("category", AutoString(length=16), nullable=False),
        sa.Column("description", AutoString(length=1000), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("rule", AutoString(length=64), nullable=False),
        sa.Column("precision", AutoString(length=8), nullable=False),
        sa.Column("local_time", AutoString(length=5), nullable=True),
        sa.Column("when_label", AutoString(length=16), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("posted_until", sa.Date(), nullable=True),
        sa.Column("standing_helper_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("stopped_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["circle_id"], ["circle.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_need_series_circle_id", "need_series", ["circle_id"], unique=False)

    op.create_table(
        "need_helper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", AutoString(length=16), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id", "user_id", name="uq_need_helper_need_user"),
    )
    op.create_index("ix_need_helper_need_id", "need_helper", ["need_id"], unique=False)
    op.create_index("ix_need_helper_user", "need_helper", ["user_id", "role"], unique=False)

    # Plain add_column (no batch): SQLite would otherwise rebuild tables others point at.
    op.add_column(
        "circle",
        sa.Column("series_days_ahead", sa.Integer(), nullable=False, server_default="7"),
    )
    op.add_column("need", sa.Column("places", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("need", sa.Column("taken", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("need", sa.Column("series_id", sa.Integer(), nullable=True))
    op.add_column("need", sa.Column("occurs_on", sa.Date(), nullable=True))
    op.add_column("need", sa.Column("thanked_at", UTCDateTime(), nullable=True))
    op.create_index("uq_need_series_date", "need", ["series_id", "occurs_on"], unique=True)

    op.add_column("scheduled_message", sa.Column("series_id", sa.Integer(), nullable=True))
    op.create_index("ix_scheduled_message_series", "scheduled_message", ["series_id"], unique=False)
    # Start-up's "which circles already have their next summary planned?".
    op.create_index(
        "ix_scheduled_message_circle_kind",
        "scheduled_message",
        ["circle_id", "kind", "state"],
        unique=False,
    )

    # Every need someone took so far: its helper now also has a place in need_helper.
    op.execute(
        "INSERT INTO need_helper (need_id, user_id, role, claimed_at) "
        "SELECT id, claimer_id, 'helper', COALESCE(claimed_at, created_at) "
        "FROM need WHERE claimer_id IS NOT NULL"
    )
    op.execute("UPDATE need SET taken = 1 WHERE claimer_id IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_scheduled_message_circle_kind", table_name="scheduled_message")
    op.drop_index("ix_scheduled_message_series", table_name="scheduled_message")
    op.drop_column("scheduled_message", "series_id")
    op.drop_index("uq_need_series_date", table_name="need")
    for column in ("thanked_at", "occurs_on", "series_id", "taken", "places"):
        op.drop_column("need", column)
    op.drop_column("circle", "series_days_ahead")
    op.drop_index("ix_need_helper_user", table_name="need_helper")
    op.drop_index("ix_need_helper_need_id", table_name="need_helper")
    op.drop_table("need_helper")
    op.drop_index("ix_need_series_circle_id", table_name="need_series")
    op.drop_table("need_series")
