"""Idempotency keys: a write retried with the key it first carried answers the first reply.

The key comes in the `Punte-Idempotency-Key` header (`CallContext.idempotency_key`) and is
scoped by the actor and the request subject. In the handler's own transaction the server looks
the key up: a stored reply is answered as it is, without running the handler; otherwise it
claims the key (an insert), runs the handler and stores the encoded reply, all committing
together. An error reply rolls everything back, the claim included, so it is never stored.
Two concurrent requests with the same key: the second's claim waits on the first's
(PostgreSQL's unique index, SQLite's single writer) and then answers the first's stored
reply; the handler never runs twice.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import ColumnElement, Table, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_platform.db import UnitOfWork, utcnow
from punte_platform.errors import ServiceError

IDEMPOTENCY_KEY_MAX_LENGTH = 200


class _ClaimedElsewhere(Exception):
    """Another request holding the same key committed its claim first."""


class IdempotencyStore:
    """Stores the replies of writes by (actor, subject, key) in a service's database."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def once(
        self,
        uow: UnitOfWork,
        act: Callable[[AsyncSession], Awaitable[bytes]],
        *,
        key: str,
        actor: str | None,
        subject: str,
    ) -> bytes:
        """`act` in a transaction, its reply stored under the key; with the key already
        stored, the stored reply instead (read-only endpoints never need this)."""
        if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            raise ServiceError.invalid(
                ["idempotency_key"], f"at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters"
            )
        scope = {"actor": actor or "", "subject": subject, "key": key}
        try:
            async with uow.transaction() as session:
                stored = await self._stored(session, scope)
                if stored is not None:
                    return stored
                try:
                    await session.execute(insert(self.table).values(**scope, created_at=utcnow()))
                except IntegrityError as error:
                    raise _ClaimedElsewhere from error
                reply = await act(session)
                await session.execute(
                    update(self.table).where(self._where(scope)).values(reply=reply)
                )
                return reply
        except _ClaimedElsewhere:
            async with uow.transaction(read_only=True) as session:
                stored = await self._stored(session, scope)
            if stored is None:
                raise ServiceError.conflict(
                    "a request with this idempotency key is still running: retry later"
                ) from None
            return stored

    def _where(self, scope: dict[str, str]) -> ColumnElement[bool]:
        return and_(*(self.table.c[name] == value for name, value in scope.items()))

    async def _stored(self, session: AsyncSession, scope: dict[str, str]) -> bytes | None:
        reply = await session.scalar(select(self.table.c.reply).where(self._where(scope)))
        return bytes(reply) if reply is not None else None

    async def prune(self, uow: UnitOfWork, older_than: timedelta) -> None:
        """Forget keys older than a retry could come."""
        async with uow.transaction() as session:
            await session.execute(
                delete(self.table).where(self.table.c.created_at < utcnow() - older_than)
            )
