"""The domain kit's database parts: load_for_change, enum and JSON columns, FieldErrors."""

from enum import StrEnum
from uuid import UUID

import pytest
from punte_contracts.errors import ErrorCode
from punte_platform.db import (
    JSONDocument,
    create_engine,
    create_session_factory,
    enum_column,
    load_for_change,
    make_metadata,
)
from punte_platform.errors import FieldErrors, ServiceError
from punte_platform.ids import new_id
from sqlalchemy import Integer, String, Uuid, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Colour(StrEnum):
    LIGHT_BLUE = "light_blue"
    RED = "red"


class Base(DeclarativeBase):
    metadata = make_metadata()


class Thing(Base):
    __tablename__ = "thing"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    colour: Mapped[Colour] = mapped_column(enum_column(Colour, "thing_colour"))
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


async def test_load_for_change_finds_refuses_missing_and_stale_rows(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        thing_id = new_id()
        async with sessions() as session, session.begin():
            session.add(Thing(id=thing_id, name="a", colour=Colour.LIGHT_BLUE, tags=["x"]))
        async with sessions() as session, session.begin():
            thing = await load_for_change(session, Thing, thing_id, 1)
            thing.name = "b"
        async with sessions() as session, session.begin():
            with pytest.raises(ServiceError) as stale:
                await load_for_change(session, Thing, thing_id, 1)
            assert stale.value.code is ErrorCode.CONFLICT
            assert stale.value.body.details == {"current_version": "2"}
            with pytest.raises(ServiceError) as missing:
                await load_for_change(session, Thing, new_id(), 1)
            assert missing.value.code is ErrorCode.NOT_FOUND
            # Stored as its value; a value outside the enum is refused by the CHECK.
            raw = await session.scalar(text("SELECT colour FROM thing"))
            assert raw == "light_blue"
            assert (await session.scalar(select(Thing.tags))) == ["x"]
        async with sessions() as session:
            with pytest.raises(IntegrityError):
                async with session.begin():
                    await session.execute(text("UPDATE thing SET colour = 'green'"))
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
        await engine.dispose()


def test_field_errors_raise_every_field_at_once() -> None:
    errors = FieldErrors()
    errors.raise_if_any()
    errors.add(["emails", 1], "not a valid e-mail address")
    errors.add(["cui"], "not a valid CUI")
    with pytest.raises(ServiceError) as raised:
        errors.raise_if_any()
    assert raised.value.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in raised.value.body.fields] == [["emails", 1], ["cui"]]
    assert raised.value.body.message == "emails.1: not a valid e-mail address; cui: not a valid CUI"
