"""scheduled messages, circle settings, away

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:01:26.350580
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.BigInteger(), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("lead", sa.Integer(), nullable=False),
        sa.Column("text", AutoString(length=1000), nullable=True),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("taken_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scheduled_message", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_message_need", ["need_id"], unique=False)
        batch_op.create_index(
            "ix_scheduled_message_recipient", ["recipient_id", "kind"], unique=False
        )
        batch_op.create_index("ix_scheduled_message_state_due", ["state", "due_at"], unique=False)

    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reminder_leads", AutoString(length=64), nullable=False, server_default="1440,120"
            )
        )
        batch_op.add_column(
            sa.Column(
                "nudge_leads", AutoString(length=64), nullable=False, server_default="2880,1440"
            )
        )
        batch_op.add_column(
            sa.Column("digest_time", AutoString(length=5), nullable=True, server_default="08:00")
        )

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("away_until", sa.Date(), nullable=True))

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_hint_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("start_hint_at")

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("away_until")

    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.drop_column("digest_time")
        batch_op.drop_column("nudge_leads")
        batch_op.drop_column("reminder_leads")

    with op.batch_alter_table("scheduled_message", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_message_state_due")
        batch_op.drop_index("ix_scheduled_message_recipient")
        batch_op.drop_index("ix_scheduled_message_need")

    op.drop_table("scheduled_message")
