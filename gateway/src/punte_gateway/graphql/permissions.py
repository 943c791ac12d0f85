"""Permission classes: every field and mutation names the permission it needs."""

from functools import cache
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info

from punte_gateway.audit import service as audit
from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal
from punte_gateway.graphql.context import GraphQLContext


def authenticated(context: GraphQLContext) -> Principal:
    """The caller, or a top-level UNAUTHENTICATED error saying why there is none."""
    if context.principal is not None:
        return context.principal
    message = (
        f"authentication failed: {context.auth_error}"
        if context.auth_error
        else "authentication required"
    )
    raise GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})


class IsAuthenticated(BasePermission):
    """Any authenticated caller."""

    message = "authentication required"
    error_extensions = {"code": "UNAUTHENTICATED"}

    async def has_permission(
        self, source: Any, info: Info[GraphQLContext, Any], **kwargs: Any
    ) -> bool:
        authenticated(info.context)
        return True


@cache
def require(permission: Permission) -> type[BasePermission]:
    """A permission class demanding `permission` (one class per permission, reused)."""

    class Requires(BasePermission):
        message = f"requires the {permission.value} permission"
        error_extensions = {"code": "FORBIDDEN", "permission": permission.value}

        async def has_permission(
            self, source: Any, info: Info[GraphQLContext, Any], **kwargs: Any
        ) -> bool:
            principal = authenticated(info.context)
            if principal.can(permission):
                return True
            await record_refusal(info, permission)
            return False

    Requires.__name__ = f"Requires_{permission.name}"
    return Requires


@cache
def require_any(*permissions: Permission) -> type[BasePermission]:
    """A permission class demanding one of `permissions` (imports: contacts:import or write)."""
    names = " or ".join(p.value for p in permissions)

    class RequiresAny(BasePermission):
        message = f"requires the {names} permission"
        error_extensions = {"code": "FORBIDDEN", "permission": names}

        async def has_permission(
            self, source: Any, info: Info[GraphQLContext, Any], **kwargs: Any
        ) -> bool:
            principal = authenticated(info.context)
            if any(principal.can(p) for p in permissions):
                return True
            await record_refusal(info, *permissions)
            return False

    RequiresAny.__name__ = "RequiresAny_" + "_".join(p.name for p in permissions)
    return RequiresAny


async def record_refusal(info: Info[GraphQLContext, Any], *permissions: Permission) -> None:
    """Permission refusals are audited, in their own transaction (the request changes nothing)."""
    context = info.context
    operation = f"{info.path.typename}.{info.field_name}"
    await audit.record_refusal(context.runtime.uow, context.principal, operation, *permissions)


async def require_permission(info: Info[GraphQLContext, Any], permission: Permission) -> Principal:
    """The caller if it holds `permission`; else a top-level FORBIDDEN error, audited."""
    principal = authenticated(info.context)
    if not principal.can(permission):
        await record_refusal(info, permission)
        raise GraphQLError(
            f"requires the {permission.value} permission",
            extensions={"code": "FORBIDDEN", "permission": permission.value},
        )
    return principal
