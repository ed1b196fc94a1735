"""Helpers' observations: after a need is done, the helper may say privately what they
noticed. Only the supported person sees it, and only they decide whether it goes into the
report for their care team. Asked only when they have switched it on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.people import display_name
from bot.services.permissions import Action, may
from storage import people
from storage.db import SessionMaker
from storage.models import Circle, HelperRole, Need, NeedHelper, NeedStatus, Observation

# An answer is taken as a reply to the question for this long; after that it is left.
ANSWER_WITHIN = timedelta(days=3)
MAX_OBSERVATION = 2000


@dataclass(frozen=True)
class Asking:
    observation_id: int
    helper_id: int
    patient_name: str
    description: str


async def ask_after_done(sm: SessionMaker, need_id: int, now: datetime) -> list[Asking]:
    """A row for the question to each helper of the need, if the supported person wants
    these. Every helper who held a place is asked, each privately."""
    async with sm() as session:
        need = await session.get(Need, need_id)
        if need is None or need.status != NeedStatus.DONE:
            return []
        circle = await session.get(Circle, need.circle_id)
        if circle is None or not circle.observations_on:
            return []
        helpers = (
            await session.exec(
                select(NeedHelper.user_id)
                .where(
                    col(NeedHelper.need_id) == need_id,
                    col(NeedHelper.role) == HelperRole.HELPER,
                )
                .order_by(col(NeedHelper.claimed_at), col(NeedHelper.id))
            )
        ).all()
        if not helpers and need.claimer_id is not None:
            helpers = [need.claimer_id]
        observations = [
            Observation(circle_id=need.circle_id, need_id=need_id, helper_id=helper, created_at=now)
            for helper in dict.fromkeys(helpers)
            if helper != circle.patient_id
        ]
        if not observations:
            return []
        session.add_all(observations)
        patient = await people.get_person(session, circle.patient_id)
        await session.commit()
        asked = []
        for observation in observations:
            assert observation.id is not None
            asked.append(
                Asking(
                    observation.id, observation.helper_id, display_name(patient), need.description
                )
            )
        return asked


async def asked_in(sm: SessionMaker, observation_id: int, message_id: int) -> None:
    async with sm() as session:
        observation = await session.get(Observation, observation_id)
        if observation is not None:
            observation.asked_message_id = message_id
            await session.commit()


async def forget_question(sm: SessionMaker, observation_id: int) -> None:
    """The question could not be sent: nothing waits for an answer."""
    async with sm() as session:
        observation = await session.get(Observation, observation_id)
        if observation is not None and observation.text is None:
            await session.delete(observation)
            await session.commit()


@dataclass(frozen=True)
class Noticed:
    observation_id: int
    patient_id: int
    patient_name: str
    helper_name: str
    description: str
    text: str


async def answer(
    sm: SessionMaker, helper_id: int, replied_to: int, text: str, now: datetime
) -> Noticed | None:
    """The helper's reply to the question; None when it answers no open question of theirs."""
    async with sm() as session:
        rows = await session.exec(
            select(Observation).where(
                col(Observation.helper_id) == helper_id,
                col(Observation.asked_message_id) == replied_to,
                col(Observation.text).is_(None),
                col(Observation.created_at) > now - ANSWER_WITHIN,
            )
        )
        observation = rows.first()
        if observation is None:
            return None
        observation.text = text.strip()[:MAX_OBSERVATION]
        observation.answered_at = now
        circle = await session.get(Circle, observation.circle_id)
        need = await session.get(Need, observation.need_id) if observation.need_id else None
        helper = await people.get_person(session, helper_id)
        assert circle is not None and observation.id is not None
        patient = await people.get_person(session, circle.patient_id)
        await session.commit()
        return Noticed(
            observation.id,
            circle.patient_id,
            display_name(patient),
            display_name(helper),
            need.description if need else "",
            observation.text,
        )


async def skip(sm: SessionMaker, observation_id: int, helper_id: int) -> bool:
    async with sm() as session:
        observation = await session.get(Observation, observation_id)
        if observation is None or observation.helper_id != helper_id or observation.text:
            return False
        await session.delete(observation)
        await session.commit()
        return True


async def choose(
    sm: SessionMaker, observation_id: int, user_id: int, in_report: bool
) -> Noticed | None:
    """The supported person decides; nobody else can."""
    async with sm() as session:
        observation = await session.get(Observation, observation_id)
        if observation is None or observation.text is None:
            return None
        circle = await session.get(Circle, observation.circle_id)
        if circle is None or circle.patient_id != user_id:
            return None
        observation.in_report = in_report
        need = await session.get(Need, observation.need_id) if observation.need_id else None
        helper = await people.get_person(session, observation.helper_id)
        patient = await people.get_person(session, circle.patient_id)
        await session.commit()
        return Noticed(
            observation_id,
            circle.patient_id,
            display_name(patient),
            display_name(helper),
            need.description if need else "",
            observation.text,
        )


async def switch(sm: SessionMaker, circle_id: int, user_id: int, on: bool) -> bool | None:
    """Only the supported person switches helpers' observations on or off. None when this
    person may not; otherwise whether they are on now."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        role = await people.role_in(session, circle_id, user_id)
        if circle is None or not may(role, Action.OWN_HEALTH_DATA):
            return None
        circle.observations_on = on
        await session.commit()
        return on
