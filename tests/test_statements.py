"""Statements built once (storage/statements.py) run in the session's transaction as the
ORM's own would, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from storage import people
from storage.db import session_maker
from storage.models import Circle, Membership, Person, Role
from tests.conftest import START

pytestmark = pytest.mark.both_databases

GROUP = -100_123
ANNA = 7001


async def test_what_the_session_holds_unwritten_is_written_before_a_built_statement(
    engine: AsyncEngine,
) -> None:
    sm = session_maker(engine)
    async with sm() as session:
        session.add(Person(user_id=ANNA, first_name="Anna", updated_at=START))
        session.add(
            Circle(
                chat_id=GROUP, patient_id=ANNA, timezone="UTC", invite_code="x", created_at=START
            )
        )
        # The INSERT finds the circle by its chat: the circle must be in the database first.
        await people.join_by_writing(session, GROUP, ANNA, START)
        await session.commit()

    async with sm() as session:
        [member] = (await session.exec(select(Membership))).all()
    assert (member.user_id, member.role) == (ANNA, Role.MEMBER)


async def test_a_person_seen_again_keeps_being_reachable_and_gets_their_new_name(
    engine: AsyncEngine,
) -> None:
    sm = session_maker(engine)
    async with sm() as session:
        await people.upsert_person(session, ANNA, "Anna", None, None, START, can_message=True)
        await people.upsert_person(session, ANNA, "Annie", "K", "annie", START)
        await session.commit()

    async with sm() as session:
        person = await people.get_person(session, ANNA)
    assert person is not None
    assert (person.first_name, person.last_name, person.username) == ("Annie", "K", "annie")
    assert person.can_message, "writing in the group does not undo having started the bot"
