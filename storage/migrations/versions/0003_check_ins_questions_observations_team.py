"""check-ins, questions, observations, care team, preferences

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:34:29.041835
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("physical", sa.Integer(), nullable=True),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("energy", sa.Integer(), nullable=True),
        sa.Column("note", AutoString(length=4000), nullable=True),
        sa.Column("voice_file_id", AutoString(length=255), nullable=True),
        sa.Column("voice_seconds", sa.Integer(), nullable=True),
        sa.Column("shared_status", AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_in_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index("ix_check_in_person_started", ["user_id", "started_at"], unique=False)

    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("helper_id", sa.BigInteger(), nullable=False),
        sa.Column("asked_message_id", sa.Integer(), nullable=True),
        sa.Column("text", AutoString(length=2000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("in_report", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_observation_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_observation_helper_id"), ["helper_id"], unique=False)

    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.BigInteger(), nullable=False),
        sa.Column("text", AutoString(length=1000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_circle_id"), ["circle_id"], unique=False)

    op.create_table(
        "team_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("role", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=255), nullable=False),
        sa.Column("phone", AutoString(length=64), nullable=True),
        sa.Column("email", AutoString(length=255), nullable=True),
        sa.Column("notes", AutoString(length=1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("team_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_contact_circle_id"), ["circle_id"], unique=False)

    # Plain ALTER TABLE ADD COLUMN: a batch copy of "circle" would trip its foreign keys.
    op.add_column("circle", sa.Column("checkin_schedule", AutoString(length=32), nullable=True))
    op.add_column("circle", sa.Column("checkins_paused_until", UTCDateTime(), nullable=True))
    op.add_column(
        "circle", sa.Column("observations_on", sa.Boolean(), nullable=False, server_default="0")
    )
    op.add_column("circle", sa.Column("help_i_love", AutoString(length=1000), nullable=True))
    op.add_column("circle", sa.Column("please_dont", AutoString(length=1000), nullable=True))
    op.add_column(
        "membership", sa.Column("holding_up_schedule", AutoString(length=32), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("holding_up_schedule")

    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.drop_column("please_dont")
        batch_op.drop_column("help_i_love")
        batch_op.drop_column("observations_on")
        batch_op.drop_column("checkins_paused_until")
        batch_op.drop_column("checkin_schedule")

    with op.batch_alter_table("team_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_contact_circle_id"))

    op.drop_table("team_contact")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_circle_id"))

    op.drop_table("question")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observation_helper_id"))
        batch_op.drop_index(batch_op.f("ix_observation_circle_id"))

    op.drop_table("observation")
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index("ix_check_in_person_started")
        batch_op.drop_index(batch_op.f("ix_check_in_circle_id"))

    op.drop_table("check_in")
