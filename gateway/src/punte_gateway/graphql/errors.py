"""Expected failures as data: `userErrors` on every mutation payload."""

import strawberry
from punte_contracts.errors import ErrorCode
from punte_platform.errors import ServiceError
from strawberry import relay

from punte_gateway.audit.service import record
from punte_gateway.auth.principal import Principal
from punte_gateway.graphql.context import GraphQLContext


@strawberry.type(description="An expected failure of a mutation: bad input, not found, conflict.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path of the input field at fault, from the input object's root"
    )
    code: str = strawberry.field(
        description="not_found, validation_failed, conflict, forbidden, unavailable"
    )
    message: str

    @classmethod
    def of(cls, code: ErrorCode | str, message: str, field: list[str] | None = None) -> "UserError":
        """A user error with its code."""
        return cls(field=field, code=str(code), message=message)

    @classmethod
    def from_service_error(
        cls, error: ServiceError, prefix: list[str] | None = None
    ) -> list["UserError"]:
        """One user error per invalid field, or one for the whole error."""
        base = prefix or []
        if error.body.fields:
            return [
                cls(
                    field=[*base, *(str(p) for p in f.path)],
                    code=error.code.value,
                    message=f.message,
                )
                for f in error.body.fields
            ]
        return [cls(field=base or None, code=error.code.value, message=error.body.message)]


async def record_failure(
    context: GraphQLContext,
    principal: Principal,
    action: str,
    error: ServiceError,
    target: relay.GlobalID | None = None,
) -> None:
    """Refused mutations are audited too, in their own transaction (theirs rolled back)."""
    async with context.transaction() as session:
        await record(
            session,
            action=action,
            principal=principal,
            outcome=error.code.value,
            target_ids=[target.node_id] if target else [],
            detail=error.body.message,
        )
